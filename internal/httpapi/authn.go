package httpapi

import (
	"net/http"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// authedHandler is a handler that runs for an authenticated caller. A
// returned error is written as the Error model.
type authedHandler func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error

// credentials returns the credentials a request presents, in the order
// apiKey header, Bearer token, session-id header. An Authorization header
// of another scheme is no credential of ours.
func credentials(r *http.Request) []iam.Credential {
	var creds []iam.Credential
	if v := firstValue(r.Header, "Apikey"); v != "" {
		creds = append(creds, iam.Credential{Kind: iam.CredAPIKey, Secret: v})
	}
	if scheme, token, found := strings.Cut(firstValue(r.Header, "Authorization"), " "); found && strings.EqualFold(scheme, "Bearer") {
		if token = strings.TrimSpace(token); token != "" {
			creds = append(creds, iam.Credential{Kind: iam.CredBearer, Secret: token})
		}
	}
	if v := firstValue(r.Header, "Session-Id"); v != "" {
		creds = append(creds, iam.Credential{Kind: iam.CredSession, Secret: v})
	}
	return creds
}

// firstValue is h.Get(key) for a key given in canonical form (the form
// net/http stores a request's fields in): Get would canonicalize it
// again, at an allocation for a key such as apiKey.
func firstValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// authenticate runs h for the caller of the request, or answers 401.
func authenticate(svc *iam.Service, opts Options, h authedHandler) http.Handler {
	log := opts.Logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds := credentials(r)
		if len(creds) == 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="clusteriam"`)
			writeErrorStatus(w, http.StatusUnauthorized, "credentials are required: an apiKey header, Authorization: Bearer <accessToken>, or a session-id header")
			return
		}
		p, err := svc.Authenticate(r.Context(), creds...)
		if err == nil {
			p, err = impersonate(r, svc, p)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		noteCaller(r, p.User.SID)
		if err := h(w, r, p); err != nil {
			writeError(w, r, log, err)
		}
	})
}

// ImpersonateHeader names the organization a request acts inside, as the
// vendor's clusters take it: its id, trailing "/" included.
const ImpersonateHeader = "x-impersonate-tenant-id"

// impersonate returns p acting inside the organization the request's
// ImpersonateHeader names, or p when it names none.
func impersonate(r *http.Request, svc *iam.Service, p *iam.Principal) (*iam.Principal, error) {
	vs := r.Header["X-Impersonate-Tenant-Id"] // ImpersonateHeader, canonical
	switch {
	case len(vs) > 1:
		return nil, badRequest("%s: give it once", ImpersonateHeader)
	case len(vs) == 0 || vs[0] == "":
		return p, nil // an empty value, as a client that stops acting inside one may send
	}
	return svc.Impersonate(r.Context(), p, vs[0])
}
