package httpapi

import (
	"context"
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/store"
)

type localUserParams struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type createUserParameters struct {
	AllowSMBAccessToken bool             `json:"allowSmbAccessToken"`
	Description         string           `json:"description"`
	Domain              string           `json:"domain"`
	EffectiveTimeMsecs  *int64           `json:"effectiveTimeMsecs"`
	ExpiryTimeMsecs     *int64           `json:"expiryTimeMsecs"`
	LocalUserParams     *localUserParams `json:"localUserParams"`
	Locked              bool             `json:"locked"`
	Restricted          bool             `json:"restricted"`
	Roles               []string         `json:"roles"`
	Username            string           `json:"username"`
}

type localUserUpdateParams struct {
	Email           *string `json:"email"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"currentPassword"`
}

type updateUserParameters struct {
	Description        *string                `json:"description"`
	EffectiveTimeMsecs *int64                 `json:"effectiveTimeMsecs"`
	ExpiryTimeMsecs    *int64                 `json:"expiryTimeMsecs"`
	Locked             *bool                  `json:"locked"`
	Restricted         *bool                  `json:"restricted"`
	Roles              []string               `json:"roles"`
	LocalUserParams    *localUserUpdateParams `json:"localUserParams"`
}

type sidsRequest struct {
	SIDs []string `json:"sids"`
}

func handleCreateUsers(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var body []createUserParameters
		if err := decode(w, r, &body); err != nil {
			return err
		}
		in := make([]iam.NewUser, len(body))
		for i, b := range body {
			in[i] = iam.NewUser{
				Username: b.Username, Domain: b.Domain, Description: b.Description, Roles: b.Roles,
				EffectiveTimeMsecs: b.EffectiveTimeMsecs, ExpiryTimeMsecs: b.ExpiryTimeMsecs,
				Locked: b.Locked, Restricted: b.Restricted, AllowSMBAccessToken: b.AllowSMBAccessToken,
			}
			if b.LocalUserParams != nil {
				in[i].Email, in[i].Password = b.LocalUserParams.Email, b.LocalUserParams.Password
			}
		}
		users, err := svc.CreateUsers(r.Context(), p, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toUsers(users))
		return nil
	}
}

// principalQuery holds the filter parameters get_users and get_groups share.
type principalQuery struct {
	domain             string
	sids, names, roles []string
	scope              iam.Scope
	partial            bool
}

// MaxPartialNames is the most names one partial-match filter may hold:
// each is a substring search over every name, so the cost of a request
// grows with their number.
const MaxPartialNames = 100

func readPrincipalQuery(r *http.Request, namesParam string) (principalQuery, error) {
	partial, err := queryBool(r, "matchPartialNames")
	if err != nil {
		return principalQuery{}, err
	}
	names := queryList(r, namesParam)
	if partial != nil && *partial && len(names) > MaxPartialNames {
		return principalQuery{}, badRequest("with matchPartialNames=true, %s takes at most %d names, got %d", namesParam, MaxPartialNames, len(names))
	}
	sc, err := readScope(r)
	if err != nil {
		return principalQuery{}, err
	}
	return principalQuery{
		domain: queryString(r, "domain"), sids: queryList(r, "sids"), names: names,
		roles: queryList(r, "roles"), scope: sc, partial: partial != nil && *partial,
	}, nil
}

// readScope reads the tenantIds and includeTenants parameters.
func readScope(r *http.Request) (iam.Scope, error) {
	include, err := queryBool(r, "includeTenants")
	if err != nil {
		return iam.Scope{}, err
	}
	return iam.Scope{TenantIDs: queryList(r, "tenantIds"), IncludeTenants: include != nil && *include}, nil
}

// handleGetUsers streams the users as the service reads them, a page at
// a time, so that neither the server's memory nor a database connection
// grows with the answer or waits on the client (up to every user: the
// vendor's get_users has no paging). The bytes are those json.Marshal
// gives for usersList.
func handleGetUsers(svc *iam.Service, opts Options) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		q, err := readPrincipalQuery(r, "usernames")
		if err != nil {
			return err
		}
		out := newJSONStream(w, `{"users":[`, opts.ChunkWriteTimeout)
		err = svc.EachUser(r.Context(), p, iam.UserQuery{
			Domain: q.domain, SIDs: q.sids, Usernames: q.names, MatchPartialNames: q.partial,
			Emails: queryList(r, "emailAddresses"), Roles: q.roles, Scope: q.scope,
		}, func(u store.User) error { return out.item(toUser(u)) })
		if err != nil {
			return out.fail(r, opts.Logger, err)
		}
		out.end(`]}`)
		return nil
	}
}

// handleGetBySID answers a GET of one record addressed by {sid}.
func handleGetBySID[T, W any](get func(context.Context, *iam.Principal, string) (T, error), wire func(T) W) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		rec, err := get(r.Context(), p, r.PathValue("sid"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wire(rec))
		return nil
	}
}

func handleUpdateUser(svc *iam.Service, opts Options) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b updateUserParameters
		if err := decode(w, r, &b); err != nil {
			return err
		}
		upd := iam.UserUpdate{
			Description: b.Description, EffectiveTimeMsecs: b.EffectiveTimeMsecs, ExpiryTimeMsecs: b.ExpiryTimeMsecs,
			Locked: b.Locked, Restricted: b.Restricted, Roles: b.Roles,
		}
		if l := b.LocalUserParams; l != nil {
			upd.Email, upd.Password, upd.CurrentPassword = l.Email, l.Password, l.CurrentPassword
		}
		sid := r.PathValue("sid")
		release, err := reserveCurrentPassword(w, r, opts, p, sid, upd.CurrentPassword)
		if err != nil {
			return err
		}
		u, err := svc.UpdateUser(r.Context(), p, sid, upd)
		release(err == nil)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toUser(u))
		return nil
	}
}

// reserveCurrentPassword takes the limiter's token for a check of
// currentPassword, when one is given: it is a password guess like a
// log-in's, and an API key is enough to make one. The account is the
// caller's own name when it changes itself (iam checks currentPassword only
// then), so that its log-ins and password changes share one bucket; else
// the target's sid.
func reserveCurrentPassword(w http.ResponseWriter, r *http.Request, opts Options, p *iam.Principal, sid string, cur *string) (func(ok bool), error) {
	if cur == nil {
		return func(bool) {}, nil
	}
	if len(*cur) > MaxLoginPasswordBytes {
		return nil, badRequest("localUserParams.currentPassword is longer than %d bytes", MaxLoginPasswordBytes)
	}
	account := "sid:" + sid
	if p.User.SID == sid {
		account = loginlimit.AccountKey(p.User.Domain, p.User.Username)
	}
	return reserveCheck(w, r, opts, account)
}

// deleter deletes principals by sid, all or none.
type deleter func(ctx context.Context, p *iam.Principal, sids []string) error

// handleDeleteOne serves DELETE /v2/{users,groups}/{sid}.
func handleDeleteOne(del deleter) authedHandler {
	return handleAct("sid", func(ctx context.Context, p *iam.Principal, sid string) error {
		return del(ctx, p, []string{sid})
	})
}

// handleAct serves an operation without a body that acts on the record its
// path parameter param names and answers 204.
func handleAct(param string, act func(ctx context.Context, p *iam.Principal, id string) error) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		if err := act(r.Context(), p, r.PathValue(param)); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

// handleDeleteMany serves POST /v2/{users,groups}/delete.
func handleDeleteMany(del deleter) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b sidsRequest
		if err := decode(w, r, &b); err != nil {
			return err
		}
		if b.SIDs == nil {
			return badRequest("sids is required")
		}
		if err := del(r.Context(), p, b.SIDs); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

func handleRegenerateS3Key(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		secret, err := svc.RegenerateS3Key(r.Context(), p, r.PathValue("sid"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, secretKeyEntity{SecretKey: secret})
		return nil
	}
}
