package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/mfa"
)

// mfaConfigInfo is the vendor's MfaConfigInfo.
type mfaConfigInfo struct {
	Enabled               bool     `json:"enabled"`
	AuthenticationTypes   []string `json:"authenticationTypes"`
	RetainUserMfaSettings bool     `json:"retainUserMfaSettings"`
}

// mfaConfigUpdate is MfaConfigInfo as a PUT carries it: every field may be
// null or left out (the Go SDK sends a null list, the Python SDK a false
// "enabled" it was not told to send).
type mfaConfigUpdate struct {
	Enabled               *bool    `json:"enabled"`
	AuthenticationTypes   []string `json:"authenticationTypes"`
	RetainUserMfaSettings *bool    `json:"retainUserMfaSettings"`
}

func toMFAConfig(c mfa.Config) mfaConfigInfo {
	return mfaConfigInfo{Enabled: c.Enabled, AuthenticationTypes: nonNil(c.Types), RetainUserMfaSettings: c.RetainUserSettings}
}

func handleGetMFAConfig(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		c, err := svc.MFAConfig(r.Context(), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toMFAConfig(c))
		return nil
	}
}

// handleUpdateMFAConfig answers 204, as the vendor's spec and its Go SDK
// have it. The Python SDK fails to read any 204 of this operation (it
// parses the empty body as MfaConfigInfo) after the change is made:
// docs/mfa.md says how to call it.
func handleUpdateMFAConfig(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var in mfaConfigUpdate
		if err := decode(w, r, &in); err != nil {
			return err
		}
		_, err := svc.SetMFAConfig(r.Context(), p, iam.MFAConfigInput{Enabled: deref(in.Enabled),
			Types: in.AuthenticationTypes, Retain: deref(in.RetainUserMfaSettings)})
		if err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

// totpKeyInfo is the vendor's TotpKeyInfo.
type totpKeyInfo struct {
	TotpKeyID     string `json:"totpKeyId"`
	TotpKeyName   string `json:"totpKeyName"`
	TotpSecretKey string `json:"totpSecretKey"`
	TotpURI       string `json:"totpUri"`
}

// handleCreateTOTPKey serves POST /v2/totp-key, whose body the Go SDK may
// leave out.
func handleCreateTOTPKey(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var in struct {
			TotpKeyName *string `json:"totpKeyName"`
		}
		if _, err := decodeOptional(w, r, &in); err != nil {
			return err
		}
		k, err := svc.CreateTOTPKey(r.Context(), p, deref(in.TotpKeyName))
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store") // the secret is shown once
		writeJSON(w, http.StatusCreated, totpKeyInfo{TotpKeyID: k.ID, TotpKeyName: k.Name, TotpSecretKey: k.Secret, TotpURI: k.URI})
		return nil
	}
}

// handleSendEmailOTP serves POST /v2/send-email-otp: a code to the caller.
func handleSendEmailOTP(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		if err := svc.SendEmailCode(r.Context(), p); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

// handleCreateEmailOTP serves POST /v2/email-otp: a code to the account
// whose username and password the body carries, before any session, as
// the vendor's PowerShell module uses it; without credentials in the
// body, a code to the caller, as send-email-otp.
func handleCreateEmailOTP(svc *iam.Service, opts Options) http.Handler {
	authed := authenticate(svc, opts, handleSendEmailOTP(svc))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Domain   *string `json:"domain"`
			Password *string `json:"password"`
			Username *string `json:"username"`
		}
		given, err := decodeOptional(w, r, &in)
		if err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		if !given || (in.Username == nil && in.Password == nil) {
			authed.ServeHTTP(w, r)
			return
		}
		creds := createAccessTokenRequestParams{Domain: deref(in.Domain), Password: deref(in.Password), Username: deref(in.Username)}
		if err := checkLoginFields(creds); err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		release, err := reserveCheck(w, r, opts, loginlimit.AccountKey(creds.Domain, creds.Username))
		if err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		err = svc.SendEmailCodeFor(r.Context(), loginInput(creds))
		release(err == nil)
		if err != nil {
			loginFailed(w, r, opts, "create_email_otp", err)
			return
		}
		writeNoContent(w)
	})
}
