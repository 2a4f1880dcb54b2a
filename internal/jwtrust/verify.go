package jwtrust

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithms is the allow-list of signature algorithms. No "none", no HMAC:
// a token "signed" with an issuer's public key as an HMAC secret does not
// even parse.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// Options configure a Pool. Zero values take defaults.
type Options struct {
	// Client fetches keys and metadata; nil takes one with a timeout that
	// follows no redirect off HTTPS.
	Client *http.Client
	// Now is the clock; nil takes time.Now.
	Now func() time.Time
	// Logger takes the fetches and refusals; nil takes slog.Default().
	Logger *slog.Logger
}

// Pool holds the key sets of every trust, one per key URL, so that trusts
// naming the same issuer share its keys and its fetch limit.
type Pool struct {
	client *http.Client
	now    func() time.Time
	log    *slog.Logger

	mu   sync.Mutex
	sets map[string]*KeySet
}

// NewPool returns an empty Pool.
func NewPool(o Options) *Pool {
	p := &Pool{client: o.Client, now: o.Now, log: o.Logger, sets: make(map[string]*KeySet)}
	if p.client == nil {
		p.client = NewClient(nil)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p
}

// NewClient returns the client a Pool fetches with: a timeout, no
// redirect off HTTPS, and the certificate authorities of roots (nil:
// the system's).
func NewClient(roots *x509.CertPool) *http.Client {
	c := &http.Client{Timeout: fetchTimeout, CheckRedirect: httpsOnly}
	if roots != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		c.Transport = t
	}
	return c
}

func httpsOnly(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" || len(via) >= 5 {
		return errors.New("redirect refused")
	}
	return nil
}

// Verifier is one trust, ready to verify tokens.
type Verifier struct {
	cfg  Config
	keys *KeySet
	now  func() time.Time
}

// Verifier returns the verifier of cfg. Its key set is shared with every
// other trust of the same key URL; the shortest poll interval among them wins.
func (p *Pool) Verifier(cfg Config) *Verifier {
	poll := cfg.Poll
	if poll < MinFetchInterval {
		poll = MinFetchInterval
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	set, ok := p.sets[cfg.KeysURL]
	if !ok {
		set = &KeySet{url: cfg.KeysURL, client: p.client, now: p.now, log: p.log, poll: poll}
		p.sets[cfg.KeysURL] = set
	}
	set.mu.Lock()
	if poll < set.poll {
		set.poll = poll
	}
	set.mu.Unlock()
	return &Verifier{cfg: cfg, keys: set, now: p.now}
}

// Config returns the trust's configuration.
func (v *Verifier) Config() Config { return v.cfg }

// Refresh fetches the trust's keys now (RefreshPublicKeys).
func (v *Verifier) Refresh(ctx context.Context) error { return v.keys.Refresh(ctx) }

// Verify checks raw and returns its claims. Every error wraps ErrRefused and
// says why, without the token.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	c, err := v.verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return c, nil
}

func (v *Verifier) verify(ctx context.Context, raw string) (*Claims, error) {
	tok, err := parse(raw)
	if err != nil {
		return nil, err
	}
	h := tok.Headers[0]
	if h.KeyID == "" {
		return nil, fmt.Errorf("%w: no kid", ErrMalformed)
	}
	key, err := v.keys.key(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if key.Algorithm != "" && key.Algorithm != h.Algorithm {
		return nil, fmt.Errorf("%w: alg %s but key %q is for %s", ErrMalformed, h.Algorithm, h.KeyID, key.Algorithm)
	}
	var std jwt.Claims
	var extra wireClaims
	c := &Claims{}
	if err := tok.Claims(key.Key, &std, &extra, &c.raw); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if err := v.checkTimes(std); err != nil {
		return nil, err
	}
	if !equal(std.Issuer, v.cfg.Issuer) {
		return nil, fmt.Errorf("%w: iss %q is not %q", ErrNotTrusted, std.Issuer, v.cfg.Issuer)
	}
	c.Issuer, c.Subject, c.Audience, c.Expiry = std.Issuer, std.Subject, std.Audience, std.Expiry.Time()
	c.ClientID = extra.clientID()
	if err := v.checkAudience(c); err != nil {
		return nil, err
	}
	if c.Username = extra.username(std.Subject); c.Username == "" {
		return nil, fmt.Errorf("%w: the token names no user", ErrMalformed)
	}
	return c, nil
}

// parse parses a compact JWS with one signature from the allow-list.
func parse(raw string) (*jwt.JSONWebToken, error) {
	if len(raw) > MaxTokenBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenBytes)
	}
	tok, err := jwt.ParseSigned(raw, algorithms)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return nil, fmt.Errorf("%w: %d signatures", ErrMalformed, len(tok.Headers))
	}
	return tok, nil
}

func (v *Verifier) checkTimes(std jwt.Claims) error {
	if std.Expiry == nil {
		return fmt.Errorf("%w: no exp", ErrTimeInvalid)
	}
	err := std.ValidateWithLeeway(jwt.Expected{Time: v.now()}, Skew)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTimeInvalid, err)
	}
	return nil
}

// checkAudience accepts an OpenID Connect token whose aud holds one of the
// audienceIds, and an OAuth2 token whose aud holds an audience's id and whose
// client is one of that audience's clientIds.
func (v *Verifier) checkAudience(c *Claims) error {
	switch v.cfg.Kind {
	case OpenIDConnect:
		for _, aud := range c.Audience {
			if contains(v.cfg.AudienceIDs, aud) {
				return nil
			}
		}
		return fmt.Errorf("%w: aud %q", ErrNotTrusted, c.Audience)
	case OAuth2:
		for _, a := range v.cfg.Audiences {
			if contains(c.Audience, a.ID) && c.ClientID != "" && contains(a.ClientIDs, c.ClientID) {
				return nil
			}
		}
		return fmt.Errorf("%w: aud %q with client %q", ErrNotTrusted, c.Audience, c.ClientID)
	}
	return fmt.Errorf("%w: unknown kind %q", ErrNotTrusted, v.cfg.Kind)
}

// Issuer returns the iss of raw without verifying anything, so that a caller
// can pick the trusts to verify it with. Nothing it returns may be trusted.
func Issuer(raw string) (string, error) {
	tok, err := parse(raw)
	if err != nil {
		return "", err
	}
	var std jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&std); err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return std.Issuer, nil
}

// LooksLikeJWT tells a compact JWS apart from the service's own tokens: three
// base64url parts, the first a JSON header.
func LooksLikeJWT(s string) bool {
	return strings.Count(s, ".") == 2 && strings.HasPrefix(s, "eyJ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if equal(x, s) {
			return true
		}
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
