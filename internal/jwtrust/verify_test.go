package jwtrust_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clusteriam/clusteriam/internal/jwtrust"
	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
)

// clock is a settable clock, so that tests cross a minute without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var alice = optest.User{
	Username: "alice@corp.example", Password: "Alice-Pass-1", Email: "alice@corp.example", EmailVerified: true,
	Claims: map[string]any{"groups": []string{"ops", "dev"}, "cohesityRoles": "COHESITY_VIEWER, auditor"},
}

// setup starts an OP and returns an OpenID Connect verifier trusting it.
func setup(t *testing.T) (*optest.OP, *jwtrust.Pool, *jwtrust.Verifier, *clock) {
	t.Helper()
	op := optest.Start(t, alice)
	clk := &clock{t: time.Now()}
	pool := jwtrust.NewPool(jwtrust.Options{Client: op.Client(), Now: clk.Now})
	iss, keys, err := pool.Discover(t.Context(), jwtrust.OpenIDConnect, op.KeysURL)
	if err != nil {
		t.Fatal(err)
	}
	v := pool.Verifier(jwtrust.Config{Kind: jwtrust.OpenIDConnect, Issuer: iss, KeysURL: keys,
		AudienceIDs: []string{"other", optest.ClientID}, Poll: 24 * time.Hour})
	return op, pool, v, clk
}

func TestIDTokenFromTheOP(t *testing.T) {
	op, _, v, _ := setup(t)
	c, err := v.Verify(t.Context(), op.IDToken(t, alice.Username, alice.Password))
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != alice.Username || c.Issuer != op.Issuer {
		t.Errorf("username %q issuer %q", c.Username, c.Issuer)
	}
	if got := c.Strings("groups"); !slices.Equal(got, []string{"ops", "dev"}) {
		t.Errorf("groups %q", got)
	}
	if got := c.Strings("cohesityRoles"); !slices.Equal(got, []string{"COHESITY_VIEWER", "auditor"}) {
		t.Errorf("roles %q", got)
	}
	if got := c.Strings("absent"); got != nil {
		t.Errorf("absent claim %q", got)
	}
}

// claims are a token's claims as the OP would issue them; tests change them.
func claims(op *optest.OP, now time.Time) map[string]any {
	return map[string]any{
		"iss": op.Issuer, "sub": "id1", "aud": []string{optest.ClientID},
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"preferred_username": "alice@corp.example",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signWith mints a token with any key and header.
func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, c any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestAttacksRefused(t *testing.T) {
	op, _, v, clk := setup(t)
	now := clk.Now()
	good := claims(op, now)
	der, err := x509.MarshalPKIXPublicKey(op.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tests := []struct {
		name  string
		token func() string
		want  error // nil: accepted
	}{
		{"good", func() string { return op.Sign(t, good) }, nil},
		{"expired within the skew", func() string {
			return op.Sign(t, with(good, "exp", now.Add(-30*time.Second).Unix()))
		}, nil},
		{"alg none", func() string {
			return b64(map[string]string{"alg": "none", "kid": op.KeyID()}) + "." + b64(good) + "."
		}, jwtrust.ErrMalformed},
		{"HS256 keyed with the public key (PEM)", func() string { return signWith(t, jose.HS256, pubPEM, op.KeyID(), good) }, jwtrust.ErrMalformed},
		{"HS256 keyed with the public key (DER)", func() string { return signWith(t, jose.HS256, der, op.KeyID(), good) }, jwtrust.ErrMalformed},
		{"RS384", func() string { return signWith(t, jose.RS384, other, op.KeyID(), good) }, jwtrust.ErrMalformed},
		{"another key under the OP's kid", func() string { return signWith(t, jose.RS256, other, op.KeyID(), good) }, jose.ErrCryptoFailure},
		{"ES256 under the OP's RSA kid", func() string { return signWith(t, jose.ES256, ec, op.KeyID(), good) }, jwtrust.ErrRefused},
		{"no kid", func() string { return signWith(t, jose.RS256, other, "", good) }, jwtrust.ErrMalformed},
		{"unknown kid", func() string { return signWith(t, jose.RS256, other, "nope", good) }, jwtrust.ErrUnknownKey},
		{"expired", func() string { return op.Sign(t, with(good, "exp", now.Add(-2*time.Minute).Unix())) }, jwtrust.ErrTimeInvalid},
		{"no exp", func() string { return op.Sign(t, with(good, "exp", nil)) }, jwtrust.ErrTimeInvalid},
		{"nbf ahead", func() string { return op.Sign(t, with(good, "nbf", now.Add(5*time.Minute).Unix())) }, jwtrust.ErrTimeInvalid},
		{"iat ahead", func() string { return op.Sign(t, with(good, "iat", now.Add(5*time.Minute).Unix())) }, jwtrust.ErrTimeInvalid},
		{"wrong aud", func() string { return op.Sign(t, with(good, "aud", "someone-else")) }, jwtrust.ErrNotTrusted},
		{"no aud", func() string { return op.Sign(t, with(good, "aud", nil)) }, jwtrust.ErrNotTrusted},
		{"wrong iss", func() string { return op.Sign(t, with(good, "iss", op.Issuer+"/other")) }, jwtrust.ErrNotTrusted},
		{"iss with a trailing slash", func() string { return op.Sign(t, with(good, "iss", op.Issuer+"/")) }, jwtrust.ErrNotTrusted},
		{"no user", func() string { return op.Sign(t, with(good, "sub", nil, "preferred_username", nil)) }, jwtrust.ErrMalformed},
		{"too long", func() string { return op.Sign(t, with(good, "pad", strings.Repeat("x", jwtrust.MaxTokenBytes))) }, jwtrust.ErrMalformed},
		{"two signatures (JSON serialization)", func() string { return `{"payload":"` + b64(good) + `","signatures":[]}` }, jwtrust.ErrMalformed},
		{"garbage", func() string { return "eyJ.not.atoken" }, jwtrust.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tt.token())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, jwtrust.ErrRefused) || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestUsernameClaim(t *testing.T) {
	op, _, v, clk := setup(t)
	base := with(claims(op, clk.Now()), "preferred_username", nil)
	tests := []struct {
		name   string
		claims map[string]any
		want   string
	}{
		{"preferred_username first", with(base, "preferred_username", "p@corp", "email", "e@corp", "email_verified", true), "p@corp"},
		{"verified email", with(base, "email", "e@corp", "email_verified", true), "e@corp"},
		{"verified email as a string", with(base, "email", "e@corp", "email_verified", "true"), "e@corp"},
		{"unverified email: sub", with(base, "email", "e@corp", "email_verified", false), "id1"},
		{"email without email_verified: sub", with(base, "email", "e@corp"), "id1"},
		{"sub last", base, "id1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), op.Sign(t, tt.claims))
			if err != nil {
				t.Fatal(err)
			}
			if c.Username != tt.want {
				t.Errorf("username %q, want %q", c.Username, tt.want)
			}
		})
	}
}

func TestOAuth2Audiences(t *testing.T) {
	op, pool, _, clk := setup(t)
	iss, keys, err := pool.Discover(t.Context(), jwtrust.OAuth2, op.KeysURL)
	if err != nil {
		t.Fatal(err)
	}
	v := pool.Verifier(jwtrust.Config{Kind: jwtrust.OAuth2, Issuer: iss, KeysURL: keys, Poll: time.Hour,
		Audiences: []jwtrust.Audience{
			{ID: "api://clusteriam", ClientIDs: []string{"script-a", "script-b"}},
			{ID: "api://other", ClientIDs: []string{"script-c"}},
		}})
	base := with(claims(op, clk.Now()), "aud", "api://clusteriam")
	tests := []struct {
		name   string
		claims map[string]any
		ok     bool
	}{
		{"appid", with(base, "appid", "script-b"), true},
		{"azp", with(base, "azp", "script-a"), true},
		{"client_id", with(base, "client_id", "script-a"), true},
		{"Okta's cid", with(base, "cid", "script-a"), true},
		{"client_id wins over cid", with(base, "client_id", "script-x", "cid", "script-a"), false},
		{"appid wins over azp", with(base, "appid", "script-x", "azp", "script-a"), false},
		{"client of another audience", with(base, "appid", "script-c"), false},
		{"no client", base, false},
		{"unknown audience", with(base, "aud", "api://nope", "appid", "script-a"), false},
		{"second audience", with(base, "aud", []string{"x", "api://other"}, "appid", "script-c"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), op.Sign(t, tt.claims))
			if tt.ok != (err == nil) {
				t.Fatalf("ok %v, got %v", tt.ok, err)
			}
			if err != nil && !errors.Is(err, jwtrust.ErrNotTrusted) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestKidFlood sends tokens with random kids: the verifier fetches the keys
// at most once a minute for them, and concurrent misses share one fetch.
func TestKidFlood(t *testing.T) {
	op, _, v, clk := setup(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	good := claims(op, clk.Now())
	if _, err := v.Verify(t.Context(), op.Sign(t, good)); err != nil {
		t.Fatal(err)
	}
	if n := op.KeyFetches(); n != 1 {
		t.Fatalf("%d fetches for the first token", n)
	}
	flood := func() {
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				_, err := v.Verify(t.Context(), signWith(t, jose.RS256, other, fmt.Sprintf("random-%d", i), good))
				if !errors.Is(err, jwtrust.ErrUnknownKey) {
					t.Errorf("random kid: %v", err)
				}
			})
		}
		wg.Wait()
	}
	for range 3 {
		clk.Add(15 * time.Second)
		flood()
	}
	if n := op.KeyFetches(); n != 1 {
		t.Fatalf("%d fetches within the first minute, want 1", n)
	}
	clk.Add(20 * time.Second) // 65 s after the first fetch
	flood()
	flood()
	if n := op.KeyFetches(); n != 2 {
		t.Fatalf("%d fetches after a minute, want 2", n)
	}
	if _, err := v.Verify(t.Context(), op.Sign(t, good)); err != nil {
		t.Fatalf("the good kid after the flood: %v", err)
	}
}

// TestRotationThenRefresh rotates the OP's key: the new key's tokens wait for
// the minute, or for Refresh.
func TestRotationThenRefresh(t *testing.T) {
	op, _, v, clk := setup(t)
	if _, err := v.Verify(t.Context(), op.IDToken(t, alice.Username, alice.Password)); err != nil {
		t.Fatal(err)
	}
	op.Rotate()
	clk.Add(time.Second)
	tok := op.IDToken(t, alice.Username, alice.Password)
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, jwtrust.ErrUnknownKey) {
		t.Fatalf("the new key's token before Refresh: %v", err)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("after Refresh: %v", err)
	}
	if n := op.KeyFetches(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
	// Without Refresh, the next miss after a minute finds the next key.
	op.Rotate()
	clk.Add(61 * time.Second)
	if _, err := v.Verify(t.Context(), op.IDToken(t, alice.Username, alice.Password)); err != nil {
		t.Fatalf("a minute after the second rotation: %v", err)
	}
}

// TestPoll refetches known keys once they are older than the poll interval.
func TestPoll(t *testing.T) {
	op, pool, _, clk := setup(t)
	v := pool.Verifier(jwtrust.Config{Kind: jwtrust.OpenIDConnect, Issuer: op.Issuer, KeysURL: op.KeysURL,
		AudienceIDs: []string{optest.ClientID}, Poll: 5 * time.Minute})
	for _, step := range []time.Duration{0, time.Minute, 3 * time.Minute, 2 * time.Minute} {
		clk.Add(step)
		if _, err := v.Verify(t.Context(), op.Sign(t, claims(op, clk.Now()))); err != nil {
			t.Fatal(err)
		}
	}
	if n := op.KeyFetches(); n != 2 {
		t.Errorf("%d fetches over 6 minutes with a 5-minute poll, want 2", n)
	}
}

func TestIssuerAndShape(t *testing.T) {
	op, _, _, clk := setup(t)
	tok := op.Sign(t, claims(op, clk.Now()))
	if iss, err := jwtrust.Issuer(tok); err != nil || iss != op.Issuer {
		t.Errorf("Issuer: %q %v", iss, err)
	}
	for s, want := range map[string]bool{tok: true, "abc.def": false, "eyJ.a.b.c": false, "opaque-token": false} {
		if jwtrust.LooksLikeJWT(s) != want {
			t.Errorf("LooksLikeJWT(%.20q) != %v", s, want)
		}
	}
	if _, err := jwtrust.Issuer("x.y.z"); err == nil {
		t.Error("Issuer of garbage")
	}
}
