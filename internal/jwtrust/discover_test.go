package jwtrust_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/clusteriam/clusteriam/internal/jwtrust"
	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
)

// metadataServer serves issuer metadata at paths of the test's choosing; an
// issuer of "SELF" becomes the server's URL plus the path's issuer part.
func metadataServer(t *testing.T, docs map[string]map[string]string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		out := map[string]string{}
		for k, v := range doc {
			out[k] = srv.URL + v
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscover(t *testing.T) {
	op := optest.Start(t, alice)
	pool := jwtrust.NewPool(jwtrust.Options{Client: op.Client()})
	md := metadataServer(t, map[string]map[string]string{
		// An Okta-like custom authorization server under a path.
		"/oauth2/default/.well-known/openid-configuration": {"issuer": "/oauth2/default", "jwks_uri": "/oauth2/default/v1/keys"},
		// RFC 8414's form, the well-known before the path.
		"/.well-known/oauth-authorization-server/as": {"issuer": "/as", "jwks_uri": "/as/jwks"},
		// Metadata that claims another issuer than where it is.
		"/liar/.well-known/openid-configuration": {"issuer": "/elsewhere", "jwks_uri": "/liar/keys"},
		// An Entra-like issuer whose keys are not under its path.
		"/tenant/v2.0/.well-known/openid-configuration": {"issuer": "/tenant/v2.0", "jwks_uri": "/tenant/discovery/v2.0/keys"},
	})
	tests := []struct {
		name       string
		kind       jwtrust.Kind
		url        string
		wantIssuer string
		wantKeys   string
	}{
		{"the OP's JWKS", jwtrust.OpenIDConnect, op.KeysURL, op.Issuer, op.KeysURL},
		{"the OP's metadata", jwtrust.OpenIDConnect, op.Issuer + "/.well-known/openid-configuration", op.Issuer, op.KeysURL},
		{"the OP's JWKS for OAuth2", jwtrust.OAuth2, op.KeysURL, op.Issuer, op.KeysURL},
		{"a path prefix", jwtrust.OpenIDConnect, md.URL + "/oauth2/default/v1/keys", md.URL + "/oauth2/default", md.URL + "/oauth2/default/v1/keys"},
		{"RFC 8414 for OAuth2", jwtrust.OAuth2, md.URL + "/as/jwks", md.URL + "/as", md.URL + "/as/jwks"},
		{"RFC 8414 not for OpenID Connect", jwtrust.OpenIDConnect, md.URL + "/as/jwks", "", ""},
		{"Entra-like by its keys: no issuer found", jwtrust.OpenIDConnect, md.URL + "/tenant/discovery/v2.0/keys", "", ""},
		{"Entra-like by its metadata", jwtrust.OpenIDConnect, md.URL + "/tenant/v2.0/.well-known/openid-configuration", md.URL + "/tenant/v2.0", md.URL + "/tenant/discovery/v2.0/keys"},
		{"metadata naming another issuer, by keys", jwtrust.OpenIDConnect, md.URL + "/liar/keys", "", ""},
		{"metadata naming another issuer, by metadata", jwtrust.OpenIDConnect, md.URL + "/liar/.well-known/openid-configuration", "", ""},
		{"keys nobody names", jwtrust.OpenIDConnect, op.Issuer + "/other-keys", "", ""},
		{"plain http", jwtrust.OpenIDConnect, "http" + op.KeysURL[len("https"):], "", ""},
		{"not a URL", jwtrust.OpenIDConnect, "::", "", ""},
		{"credentials in the URL", jwtrust.OpenIDConnect, "https://u:p@" + op.KeysURL[len("https://"):], "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, keys, err := pool.Discover(t.Context(), tt.kind, tt.url)
			if tt.wantIssuer == "" {
				if !errors.Is(err, jwtrust.ErrNoIssuer) {
					t.Fatalf("got %q %q %v, want ErrNoIssuer", iss, keys, err)
				}
				return
			}
			if err != nil || iss != tt.wantIssuer || keys != tt.wantKeys {
				t.Fatalf("got %q %q %v, want %q %q", iss, keys, err, tt.wantIssuer, tt.wantKeys)
			}
		})
	}
}
