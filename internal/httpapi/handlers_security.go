package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/secconfig"
)

// The vendor's SecurityConfig is secconfig.Config itself: its JSON is the
// wire's, with null and absent alike meaning "not given".

func handleGetSecurityConfig(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		c, err := svc.SecurityConfig(r.Context(), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

// handleUpdateSecurityConfig merges the body, sparse as both SDKs send it,
// and answers 200 with the result. The Go SDK may send no body at all.
func handleUpdateSecurityConfig(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var upd secconfig.Config
		if _, err := decodeOptional(w, r, &upd); err != nil {
			return err
		}
		c, err := svc.SetSecurityConfig(r.Context(), p, upd)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}
