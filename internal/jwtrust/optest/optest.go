// Package optest runs a real OpenID provider on loopback for tests: zitadel's
// OP (github.com/zitadel/oidc/v3/pkg/op) with the module's example storage,
// over HTTPS, with users of the test's choosing. A test gets ID tokens from it
// through the implicit flow, driving the OP's own login form over HTTP, and can
// rotate its signing key and count the fetches of its keys.
package optest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// ClientID and ClientSecret are the OP's one web client.
const (
	ClientID     = "clusteriam-web"
	ClientSecret = "optest-secret"
	redirectURI  = "https://127.0.0.1/callback"
)

// User is a user of the OP.
type User struct {
	Username, Password string
	Email              string
	EmailVerified      bool
	// Claims are added to the user's ID tokens (for example "groups").
	Claims map[string]any
}

// OP is a running OpenID provider.
type OP struct {
	// Issuer is the OP's issuer, its https URL on loopback.
	Issuer string
	// KeysURL is its JWKS (jwks_uri).
	KeysURL string

	srv        *httptest.Server
	store      *keyStorage
	keyFetches atomic.Int64
}

// Start runs an OP with users until the test ends.
func Start(t testing.TB, users ...User) *OP {
	t.Helper()
	var handler atomic.Pointer[http.Handler]
	o := &OP{}
	o.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keys" {
			o.keyFetches.Add(1)
		}
		(*handler.Load()).ServeHTTP(w, r)
	}))
	o.srv.StartTLS()
	t.Cleanup(o.srv.Close)
	o.Issuer = o.srv.URL
	o.KeysURL = o.Issuer + "/keys"

	us := userStore{}
	for i, u := range users {
		id := fmt.Sprintf("id%d", i+1)
		us[id] = &optestUser{User: storage.User{
			ID: id, Username: u.Username, Password: u.Password, Email: u.Email,
			EmailVerified: u.EmailVerified, PreferredLanguage: language.English,
		}, claims: u.Claims}
	}
	clients := map[string]*storage.Client{ClientID: storage.WebClient(ClientID, ClientSecret, redirectURI)}
	o.store = &keyStorage{Storage: storage.NewStorageWithClients(us, clients), users: us}
	o.store.rotate()
	h, err := newHandler(o.Issuer, o.store)
	if err != nil {
		t.Fatalf("optest: %v", err)
	}
	handler.Store(&h)
	return o
}

// CertPEM is the OP's TLS certificate, for a server to trust.
func (o *OP) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: o.srv.Certificate().Raw})
}

// Client returns an HTTP client that trusts the OP's certificate.
func (o *OP) Client() *http.Client { return o.srv.Client() }

// KeyFetches counts the requests for the OP's JWKS so far.
func (o *OP) KeyFetches() int64 { return o.keyFetches.Load() }

// Rotate makes a new signing key. The OP signs with it from now on and
// publishes it with the previous one.
func (o *OP) Rotate() { o.store.rotate() }

// KeyID is the kid of the current signing key.
func (o *OP) KeyID() string { return o.store.current().id }

// PublicKey is the current signing key's public half.
func (o *OP) PublicKey() *rsa.PublicKey { return &o.store.current().key.PublicKey }

// Sign mints a token with the OP's current key, for claims the OP would not
// issue by itself (an OAuth2 access token with appid, an expired token).
func (o *OP) Sign(t testing.TB, claims any) string {
	t.Helper()
	k := o.store.current()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// IDToken logs username in through the OP's login form and returns the ID
// token of the implicit flow (response_type=id_token), which carries the
// profile and email claims.
func (o *OP) IDToken(t testing.TB, username, password string) string {
	t.Helper()
	tok, err := o.idToken(context.Background(), username, password)
	if err != nil {
		t.Fatalf("optest: log %s in: %v", username, err)
	}
	return tok
}

func (o *OP) idToken(ctx context.Context, username, password string) (string, error) {
	c := *o.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{
		"client_id": {ClientID}, "redirect_uri": {redirectURI}, "response_type": {"id_token"},
		"scope": {"openid profile email"}, "nonce": {"n-" + username}, "state": {"s"},
	}
	loc, err := redirect(ctx, &c, http.MethodGet, o.Issuer+"/auth?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	id := loc.Query().Get("authRequestID")
	if id == "" {
		return "", fmt.Errorf("authorize sent to %s", loc)
	}
	form := url.Values{"id": {id}, "username": {username}, "password": {password}}
	loc, err = redirect(ctx, &c, http.MethodPost, o.Issuer+"/login/username", form)
	if err != nil {
		return "", fmt.Errorf("login form: %w", err)
	}
	loc, err = redirect(ctx, &c, http.MethodGet, o.Issuer+loc.RequestURI(), nil)
	if err != nil {
		return "", fmt.Errorf("callback: %w", err)
	}
	frag, err := url.ParseQuery(loc.Fragment)
	if err != nil || frag.Get("id_token") == "" {
		return "", fmt.Errorf("no id_token in %s", loc.Redacted())
	}
	return frag.Get("id_token"), nil
}

// redirect makes one request and returns where its 302 points.
func redirect(ctx context.Context, c *http.Client, method, target string, form url.Values) (*url.URL, error) {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("%s %s: status %d", method, target, resp.StatusCode)
	}
	return resp.Location()
}

// newHandler builds the OP and its login form, as zitadel's exampleop does,
// without its process-wide logger.
func newHandler(issuer string, s *keyStorage) (http.Handler, error) {
	config := &op.Config{
		CryptoKey:                sha256.Sum256([]byte("optest")),
		CryptoKeyId:              "optest",
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.English},
	}
	provider, err := op.NewProvider(config, s, op.StaticIssuer(issuer), op.WithCustomAuthEndpoint(op.NewEndpoint("auth")))
	if err != nil {
		return nil, err
	}
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/username", func(w http.ResponseWriter, r *http.Request) {
		id := r.FormValue("id")
		if err := s.CheckUsernamePassword(r.FormValue("username"), r.FormValue("password"), id); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	})
	mux.Handle("/", provider)
	return mux, nil
}

// keyStorage is the example storage with a signing key that rotates, and
// users' extra claims in their ID tokens.
type keyStorage struct {
	*storage.Storage
	users userStore

	mu   sync.Mutex
	keys []*signingKey // current first
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *keyStorage) rotate() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err) // the system's random source failed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := &signingKey{id: fmt.Sprintf("k%d-%d", len(s.keys)+1, time.Now().UnixNano()), key: key}
	s.keys = append([]*signingKey{k}, s.keys...)
	if len(s.keys) > 2 {
		s.keys = s.keys[:2]
	}
}

func (s *keyStorage) current() *signingKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[0]
}

// SigningKey implements op.Storage.
func (s *keyStorage) SigningKey(context.Context) (op.SigningKey, error) { return s.current(), nil }

// SignatureAlgorithms implements op.Storage.
func (s *keyStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.Storage.
func (s *keyStorage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]op.Key, len(s.keys))
	for i, k := range s.keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the example's
// claims, then the user's extra ones.
func (s *keyStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	if u, ok := s.users[req.GetSubject()]; ok {
		for k, v := range u.claims {
			info.AppendClaims(k, v)
		}
	}
	return nil
}

type optestUser struct {
	storage.User
	claims map[string]any
}

// userStore implements storage.UserStore.
type userStore map[string]*optestUser

func (u userStore) GetUserByID(id string) *storage.User {
	if x, ok := u[id]; ok {
		return &x.User
	}
	return nil
}

func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return &x.User
		}
	}
	return nil
}

func (u userStore) ExampleClientID() string { return storage.ServiceUserID }
