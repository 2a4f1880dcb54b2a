package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

func handleHealth(svc *iam.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := svc.Ping(ctx); err != nil {
			writeErrorStatus(w, http.StatusServiceUnavailable, "the store does not answer")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
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

func handleCreateAccessToken(svc *iam.Service, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuseIfLimited(w, r, opts.limiter) {
			return
		}
		var in createAccessTokenRequestParams
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		if in.Username == "" || in.Password == "" {
			writeError(w, r, opts.Logger, badRequest("username and password are required"))
			return
		}
		secret, p, err := svc.Login(r.Context(), loginInput(in), store.SessionKindToken)
		if err != nil {
			loginFailed(w, r, opts, "create_access_token", err)
			return
		}
		writeJSON(w, http.StatusCreated, accessTokenResponse{AccessToken: secret, TokenType: "Bearer", Privileges: nonNil(p.Privileges)})
	})
}

func handleCreateSession(svc *iam.Service, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuseIfLimited(w, r, opts.limiter) {
			return
		}
		var in createUserSessionRequestParams
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		if in.Certificate != nil || in.PrivateKey != nil {
			writeError(w, r, opts.Logger, badRequest("certificate-based log-in is not supported"))
			return
		}
		if in.OTPType != nil && !oneOf(*in.OTPType, "email", "totp", "salesforce") {
			writeError(w, r, opts.Logger, badRequest("otpType must be one of email, totp, salesforce"))
			return
		}
		if in.Username == "" || in.Password == "" {
			writeError(w, r, opts.Logger, badRequest("username and password are required"))
			return
		}
		secret, _, err := svc.Login(r.Context(), loginInput(in.createAccessTokenRequestParams), store.SessionKindSession)
		if err != nil {
			loginFailed(w, r, opts, "create_session", err)
			return
		}
		writeJSON(w, http.StatusCreated, userSession{SessionID: secret})
	})
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

func loginFailed(w http.ResponseWriter, r *http.Request, opts Options, op string, err error) {
	if iam.KindOf(err) == iam.KindUnauthenticated {
		opts.Metrics.loginFailed(op)
		opts.limiter.failed(clientAddr(r))
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
