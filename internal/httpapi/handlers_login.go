package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/store"
)

// health is the Health model.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

func handleHealth(svc *iam.Service, version string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := svc.Ping(ctx); err != nil {
			writeErrorStatus(w, http.StatusServiceUnavailable, "the store does not answer")
			return
		}
		writeJSON(w, http.StatusOK, health{Status: "ok", Version: version})
	})
}

func handleSpec(spec []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(spec)
	})
}

type createAccessTokenRequestParams struct {
	Domain   string `json:"domain"`
	Password string `json:"password"`
	Username string `json:"username"`
}

type createUserSessionRequestParams struct {
	createAccessTokenRequestParams
	Certificate *string `json:"certificate"`
	PrivateKey  *string `json:"privateKey"`
	OTPCode     *string `json:"otpCode"`
	OTPType     *string `json:"otpType"`
}

// Bounds on the credential fields of a log-in, in bytes, checked before
// the limiter, the store or the hasher see them, so that no oversized
// value costs work or reaches the audit trail.
const (
	// MaxLoginNameBytes bounds username and domain, as names are bounded.
	MaxLoginNameBytes = 255
	// MaxLoginPasswordBytes bounds password (and currentPassword), as iam
	// bounds what a log-in may send; new passwords are far shorter.
	MaxLoginPasswordBytes = 1024
	// MaxOTPCodeBytes bounds otpCode.
	MaxOTPCodeBytes = 16
)

// checkLoginFields refuses a log-in whose fields are missing or too long.
func checkLoginFields(in createAccessTokenRequestParams) error {
	if in.Username == "" || in.Password == "" {
		return badRequest("username and password are required")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"username", in.Username, MaxLoginNameBytes},
		{"domain", in.Domain, MaxLoginNameBytes},
		{"password", in.Password, MaxLoginPasswordBytes},
	} {
		if len(f.v) > f.max {
			return badRequest("%s is longer than %d bytes", f.name, f.max)
		}
	}
	return nil
}

func handleCreateAccessToken(svc *iam.Service, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in createAccessTokenRequestParams
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		secret, p, err := logIn(w, r, svc, opts, loginInput(in), store.SessionKindToken)
		if err != nil {
			loginFailed(w, r, opts, "create_access_token", err)
			return
		}
		writeJSON(w, http.StatusCreated, accessTokenResponse{AccessToken: secret, TokenType: "Bearer", Privileges: nonNil(p.Privileges)})
	})
}

func handleCreateSession(svc *iam.Service, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in createUserSessionRequestParams
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		if in.OTPType != nil && !oneOf(*in.OTPType, "email", "totp", "salesforce") {
			writeError(w, r, opts.Logger, badRequest("otpType must be one of email, totp, salesforce"))
			return
		}
		if in.OTPCode != nil && len(*in.OTPCode) > MaxOTPCodeBytes {
			writeError(w, r, opts.Logger, badRequest("otpCode is longer than %d bytes", MaxOTPCodeBytes))
			return
		}
		li := loginInput(in.createAccessTokenRequestParams)
		li.OTPCode, li.OTPType = deref(in.OTPCode), deref(in.OTPType)
		li.Certificate, li.PrivateKey = deref(in.Certificate), deref(in.PrivateKey)
		secret, _, err := logIn(w, r, svc, opts, li, store.SessionKindSession)
		if err != nil {
			loginFailed(w, r, opts, "create_session", err)
			return
		}
		writeJSON(w, http.StatusCreated, userSession{SessionID: secret})
	})
}

// logIn checks the fields of a log-in, takes the limiter's token for it,
// and logs in, giving the token back if the first factor was right: the
// log-in succeeded, was refused (403) only because the account has no
// access, or only wants its second factor, which iam says only after
// checking the first.
func logIn(w http.ResponseWriter, r *http.Request, svc *iam.Service, opts Options, in iam.LoginInput, kind string) (string, *iam.Principal, error) {
	if in.Certificate == "" && in.PrivateKey == "" {
		if err := checkLoginFields(createAccessTokenRequestParams{Domain: in.Domain, Password: in.Password, Username: in.Username}); err != nil {
			return "", nil, err
		}
	}
	release, err := reserveCheck(w, r, opts, loginlimit.AccountKey(in.Domain, in.Username))
	if err != nil {
		return "", nil, err
	}
	secret, p, err := svc.Login(r.Context(), in, kind)
	release(err == nil || iam.KindOf(err) == iam.KindForbidden || iam.NeedsSecondFactor(err))
	return secret, p, err
}

func loginInput(in createAccessTokenRequestParams) iam.LoginInput {
	return iam.LoginInput{Username: in.Username, Password: in.Password, Domain: in.Domain}
}

func oneOf(v string, set ...string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// loginFailed answers a refused log-in, and counts it in the metrics when
// the credentials were refused (not for a 400 or a 429: no password was
// checked).
func loginFailed(w http.ResponseWriter, r *http.Request, opts Options, op string, err error) {
	if iam.KindOf(err) == iam.KindUnauthenticated && !iam.NeedsSecondFactor(err) {
		opts.Metrics.loginFailed(op)
	}
	writeError(w, r, opts.Logger, err)
}

func handleDeleteSession(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		sid, err := queryGiven(r, "sid")
		if err != nil {
			return err
		}
		if err := svc.DeleteSessions(r.Context(), p, sid); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

func handleSessionsCount(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		counts, err := svc.SessionCounts(r.Context(), p, queryList(r, "sids"))
		if err != nil {
			return err
		}
		out := activeSessionsCountParams{SessionsPerUser: make([]userSessionsCount, len(counts))}
		for i, c := range counts {
			out.SessionsPerUser[i] = userSessionsCount{SID: c.UserSID, SessionsCount: c.Count}
			out.TotalSessionsCount += c.Count
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}
