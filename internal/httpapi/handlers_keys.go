package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
)

type createOrUpdateAPIKeyRequest struct {
	// null: no expiry ("Set null for no expiry"); absent: none on create,
	// unchanged on update.
	ExpiryTimeMsecs optional[int64] `json:"expiryTimeMsecs"`
	IsActive        *bool           `json:"isActive"`
	Name            string          `json:"name"`
}

func (b createOrUpdateAPIKeyRequest) input() iam.APIKeyInput {
	return iam.APIKeyInput{Name: b.Name, IsActive: b.IsActive, ExpiryTimeMsecs: b.ExpiryTimeMsecs.ptr(),
		ClearExpiry: b.ExpiryTimeMsecs.Null}
}

func handleCreateAPIKey(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b createOrUpdateAPIKeyRequest
		if err := decode(w, r, &b); err != nil {
			return err
		}
		k, secret, err := svc.CreateAPIKey(r.Context(), p, r.PathValue("userSid"), b.input())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, createdUserAPIKey{userAPIKey: toAPIKey(k), APIKey: secret})
		return nil
	}
}

// keyFilter reads the ids/isActive/isExpired parameters shared by the key
// listings.
func keyFilter(r *http.Request) (iam.KeyQuery, error) {
	active, err := queryBool(r, "isActive")
	if err != nil {
		return iam.KeyQuery{}, err
	}
	expired, err := queryBool(r, "isExpired")
	if err != nil {
		return iam.KeyQuery{}, err
	}
	return iam.KeyQuery{IDs: queryList(r, "ids"), IsActive: active, IsExpired: expired}, nil
}

func handleGetUserAPIKeys(svc *iam.Service, opts Options) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		f, err := keyFilter(r)
		if err != nil {
			return err
		}
		keys, err := svc.ListUserAPIKeys(r.Context(), p, r.PathValue("userSid"), f)
		if err != nil {
			return err
		}
		return writeList(w, r, opts, `{"apiKeys":[`, keys, toAPIKey)
	}
}

func handleGetAllAPIKeys(svc *iam.Service, opts Options) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		f, err := keyFilter(r)
		if err != nil {
			return err
		}
		f.OwnerSIDs = queryList(r, "ownerSids")
		keys, err := svc.ListAllAPIKeys(r.Context(), p, f)
		if err != nil {
			return err
		}
		return writeList(w, r, opts, `{"apiKeys":[`, keys, toAPIKey)
	}
}

func handleGetAPIKey(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		k, err := svc.GetAPIKey(r.Context(), p, r.PathValue("userSid"), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toAPIKey(k))
		return nil
	}
}

func handleUpdateAPIKey(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b createOrUpdateAPIKeyRequest
		if err := decode(w, r, &b); err != nil {
			return err
		}
		k, err := svc.UpdateAPIKey(r.Context(), p, r.PathValue("userSid"), r.PathValue("id"), b.input())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toAPIKey(k))
		return nil
	}
}

func handleRotateAPIKey(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		k, secret, err := svc.RotateAPIKey(r.Context(), p, r.PathValue("userSid"), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, createdUserAPIKey{userAPIKey: toAPIKey(k), APIKey: secret})
		return nil
	}
}

func handleDeleteAPIKey(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		if err := svc.DeleteAPIKey(r.Context(), p, r.PathValue("userSid"), r.PathValue("id")); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}
