package httpapi

import (
	"net/http"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// authedHandler is a handler that runs for an authenticated caller. A
// returned error is written as the Error model.
type authedHandler func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error

// credential picks the credential of a request: the apiKey header, a
// Bearer token, or the session-id header, in that order.
func credential(r *http.Request) (kind, secret string, ok bool) {
	if v := r.Header.Get("apiKey"); v != "" {
		return iam.CredAPIKey, v, true
	}
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, token, found := strings.Cut(v, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return "", "", false
		}
		return iam.CredBearer, strings.TrimSpace(token), true
	}
	if v := r.Header.Get("session-id"); v != "" {
		return iam.CredSession, v, true
	}
	return "", "", false
}

// authenticate runs h for the caller of the request, or answers 401.
func authenticate(svc *iam.Service, opts Options, h authedHandler) http.Handler {
	log := opts.Logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, secret, ok := credential(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="clusteriam"`)
			writeErrorStatus(w, http.StatusUnauthorized, "credentials are required: an apiKey header, Authorization: Bearer <accessToken>, or a session-id header")
			return
		}
		p, err := svc.Authenticate(r.Context(), kind, secret)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if err := h(w, r, p); err != nil {
			writeError(w, r, log, err)
		}
	})
}
