package iam

import (
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The service's queries and views: what its callers ask for and get back,
// in its own terms, so that no caller builds a store filter or computes
// a derived field with a clock of its own.

// UserQuery selects users. Empty fields do not filter; lists OR within
// themselves, fields AND together.
type UserQuery struct {
	Domain    string
	SIDs      []string
	Usernames []string
	// MatchPartialNames makes Usernames substrings of the names.
	MatchPartialNames bool
	Emails            []string
	Roles             []string
	// Scope says which organizations' users to list.
	Scope Scope
	// Locked, when not nil, selects the users locked (true) or not
	// (false), as the service shows them: a lock from failed log-ins that
	// has run out is over, and an account unused too long is locked.
	Locked *bool
	// Expired, when not nil, selects the users whose expiry time has
	// passed (true) or not (false), by the service's clock.
	Expired *bool
	// After, when not nil, selects the users after it in the list's
	// order (creation time, then sid): the next page, with Limit.
	After *store.UserCursor
	// Limit, when positive, returns only the first Limit users.
	Limit int
}

// onlySelf reports whether q selects p's own record and nothing else: its
// sid, or its exact name in its domain, with no other filter.
func (q UserQuery) onlySelf(p *Principal) bool {
	if len(q.Emails) > 0 || len(q.Roles) > 0 || q.MatchPartialNames || q.Scope.IncludeTenants || len(q.Scope.TenantIDs) > 0 ||
		q.Locked != nil || q.Expired != nil || q.After != nil {
		return false
	}
	bySID := len(q.SIDs) == 1 && q.SIDs[0] == p.User.SID && len(q.Usernames) == 0 && q.Domain == ""
	byName := len(q.SIDs) == 0 && len(q.Usernames) == 1 && store.Fold(q.Usernames[0]) == store.Fold(p.User.Username) &&
		store.Fold(q.Domain) == store.Fold(p.User.Domain)
	return bySID || byName
}

func (q UserQuery) filter() store.UserFilter {
	return store.UserFilter{Domain: q.Domain, SIDs: q.SIDs, Usernames: q.Usernames,
		MatchPartialNames: q.MatchPartialNames, Emails: q.Emails, Roles: q.Roles, Locked: q.Locked,
		Expired: q.Expired, After: q.After, Limit: q.Limit}
}

// MaxShortPartialNames is the most distinct partial names shorter than
// store.MinTrigramTerm one filter may hold: with paging, each costs a
// test of every name read until a page is full, and without, of all.
const MaxShortPartialNames = 4

// checkPartialNames refuses a partial-name filter with more than
// MaxShortPartialNames distinct short names, as the store compares them:
// folded.
func checkPartialNames(partial bool, names []string) error {
	if !partial {
		return nil
	}
	short := map[string]bool{}
	for _, n := range names {
		if k := store.Fold(n); utf8.RuneCountInString(k) < store.MinTrigramTerm {
			short[k] = true
		}
	}
	if len(short) > MaxShortPartialNames {
		return invalid("matchPartialNames: at most %d distinct names shorter than %d characters, got %d: "+
			"each is matched by reading every name", MaxShortPartialNames, store.MinTrigramTerm, len(short))
	}
	return nil
}

// GroupQuery selects groups, as UserQuery does users.
type GroupQuery struct {
	Domain            string
	SIDs              []string
	Names             []string
	MatchPartialNames bool
	Roles             []string
	Scope             Scope
}

func (q GroupQuery) filter() store.GroupFilter {
	return store.GroupFilter{Domain: q.Domain, SIDs: q.SIDs, Names: q.Names,
		MatchPartialNames: q.MatchPartialNames, Roles: q.Roles}
}

// KeyQuery selects API keys. IsExpired is judged by the service's clock.
type KeyQuery struct {
	IDs, OwnerSIDs      []string
	IsActive, IsExpired *bool
}

// APIKey is an API key as the service shows it: the record, and whether it
// has expired by the service's clock.
type APIKey struct {
	store.APIKey
	IsExpired bool
}

// view shows keys as they stand at now.
func viewKeys(keys []store.APIKey, now int64) []APIKey {
	out := make([]APIKey, len(keys))
	for i, k := range keys {
		out[i] = APIKey{APIKey: k, IsExpired: expired(k.ExpiryTimeMsecs, now)}
	}
	return out
}
