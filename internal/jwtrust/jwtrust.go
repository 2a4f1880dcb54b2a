// Package jwtrust verifies JSON Web Tokens from trusted OpenID Connect and
// OAuth2 issuers: the algorithm from an allow-list, the signature with a key
// from the issuer's JWKS, the exact issuer, the audience (and, for OAuth2, the
// client), and the token's times with a small skew.
//
// The issuer is pinned when the trust is configured (Discover): the vendor's
// model carries only the key URL, so the issuer is the one whose published
// metadata names that URL. A token is then accepted only when its iss is that
// issuer, exactly.
package jwtrust

import (
	"encoding/json"
	"errors"
	"time"
)

// Kind says which of the vendor's two trusts a configuration is.
type Kind string

// The two kinds, spelled as the vendor's identityProviderType.
const (
	OpenIDConnect Kind = "OpenIdConnect"
	OAuth2        Kind = "OAuth2"
)

// Skew is the clock skew allowed on exp, nbf and iat.
const Skew = 60 * time.Second

// MinFetchInterval bounds the key fetches a verifier makes by itself: at most
// one per interval per key URL, whatever tokens arrive. Refresh is not bound.
const MinFetchInterval = time.Minute

// MaxTokenBytes is the longest token the verifier parses.
const MaxTokenBytes = 16 << 10

// Errors a verification may wrap. Every refusal wraps ErrRefused.
var (
	ErrRefused     = errors.New("token refused")
	ErrUnknownKey  = errors.New("no key with the token's kid")
	ErrNoIssuer    = errors.New("no issuer publishes this key URL")
	ErrKeysFetch   = errors.New("fetching the keys failed")
	ErrMalformed   = errors.New("malformed token")
	ErrNotTrusted  = errors.New("issuer or audience not trusted")
	ErrTimeInvalid = errors.New("token expired or not yet valid")
)

// Audience is one audience an OAuth2 trust accepts, with the clients that may
// present tokens for it.
type Audience struct {
	ID        string
	ClientIDs []string
}

// Config is one trust. Issuer and KeysURL come from Discover.
type Config struct {
	Kind    Kind
	Issuer  string
	KeysURL string
	// AudienceIDs are the OpenID Connect audiences (the vendor's audienceIds).
	AudienceIDs []string
	// Audiences are the OAuth2 audiences (the vendor's audiences).
	Audiences []Audience
	// Poll is how long fetched keys are used before they are fetched again.
	Poll time.Duration
}

// Claims are the verified claims of a token.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	// Username is the name the token gives its user (see UsernameOf).
	Username string
	// ClientID is the client the token was issued to (appid, azp or
	// client_id), empty when the token names none.
	ClientID string
	raw      map[string]json.RawMessage
}

// Strings returns the claim name as a list of strings: a JSON string (split
// on commas), or an array of strings. Anything else gives nil.
func (c *Claims) Strings(name string) []string {
	v, ok := c.raw[name]
	if !ok {
		return nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return splitList(one)
	}
	var many []string
	if json.Unmarshal(v, &many) == nil {
		var out []string
		for _, s := range many {
			out = append(out, splitList(s)...)
		}
		return out
	}
	return nil
}
