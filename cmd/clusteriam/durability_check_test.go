package main

import (
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The checks of the kill -9 test: what the restarted server serves against
// what the writers were told, and the store's own consistency.

// snapshot is everything the restarted server holds, by name.
type snapshot struct {
	users  map[string]apiUser
	groups map[string]apiGroup
	keys   map[string]apiKey
}

type apiUser struct {
	SID, Username, Description string
	Roles                      []string
}

type apiGroup struct {
	SID, Name, Description string
	LocalGroupParams       *struct{ UserSids []string }
}

func (g apiGroup) members() []string {
	if g.LocalGroupParams == nil {
		return nil
	}
	return g.LocalGroupParams.UserSids
}

type apiKey struct{ ID, Name, UserSID string }

// takeSnapshot lists every user, group and API key through the API.
func takeSnapshot(t *testing.T, srv *replica, c *http.Client, admin header) *snapshot {
	t.Helper()
	var ul struct{ Users []apiUser }
	srv.want(t, c, 200, "GET", "/v2/users", admin, nil, &ul)
	var gl struct{ Groups []apiGroup }
	srv.want(t, c, 200, "GET", "/v2/groups", admin, nil, &gl)
	var kl struct{ APIKeys []apiKey }
	srv.want(t, c, 200, "GET", "/v2/api-keys", admin, nil, &kl)
	s := &snapshot{users: map[string]apiUser{}, groups: map[string]apiGroup{}, keys: map[string]apiKey{}}
	for _, u := range ul.Users {
		s.users[u.Username] = u
	}
	for _, g := range gl.Groups {
		s.groups[g.Name] = g
	}
	for _, k := range kl.APIKeys {
		s.keys[k.Name] = k
	}
	return s
}

func findUser(s *snapshot, sid string) (apiUser, bool) {
	for _, u := range s.users {
		if u.SID == sid {
			return u, true
		}
	}
	return apiUser{}, false
}

func findGroup(s *snapshot, sid string) (apiGroup, bool) {
	for _, g := range s.groups {
		if g.SID == sid {
			return g, true
		}
	}
	return apiGroup{}, false
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// resolveCut finds out what became of the write the kill cut off, and
// files it in the ledger as landed or lost.
func (w *writer) resolveCut(s *snapshot) []string {
	if w.cut == nil {
		return nil
	}
	targets, problems := w.cut(s)
	w.l.mu.Lock()
	if targets != nil {
		o := w.cutOp
		o.targets = targets
		w.l.landed = append(w.l.landed, o)
	} else {
		w.l.lost++
	}
	w.l.mu.Unlock()
	w.cut = nil
	return problems
}

// check compares the snapshot with the writer's state: every acknowledged
// write holds, nothing deleted or refused is there.
func (w *writer) check(s *snapshot) []string {
	problems := w.resolveCut(s)
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for name, u := range w.users {
		got, ok := s.users[name]
		switch {
		case !ok:
			bad("user %s (%s) was acknowledged but is gone", name, u.sid)
		case got.SID != u.sid || got.Description != u.desc || !sameSet(got.Roles, u.roles):
			bad("user %s is %s %q %v, want %s %q %v (its last acknowledged write)", name, got.SID, got.Description, got.Roles, u.sid, u.desc, u.roles)
		}
	}
	for name, g := range w.groups {
		got, ok := s.groups[name]
		switch {
		case !ok:
			bad("group %s (%s) was acknowledged but is gone", name, g.sid)
		case got.SID != g.sid || got.Description != g.desc || !sameSet(got.members(), g.members):
			bad("group %s is %s %q %v, want %s %q %v (its last acknowledged write)", name, got.SID, got.Description, got.members(), g.sid, g.desc, g.members)
		}
	}
	for name, k := range w.keys {
		if got, ok := s.keys[name]; !ok || got.ID != k.id || got.UserSID != k.userSID {
			bad("API key %s (%s of %s) was acknowledged but is %+v", name, k.id, k.userSID, got)
		}
	}
	for _, gone := range []struct {
		kind  string
		names []string
		in    func(string) bool
	}{
		{"user", mapKeys(w.goneUsers), func(n string) bool { _, ok := s.users[n]; return ok }},
		{"group", mapKeys(w.goneGroups), func(n string) bool { _, ok := s.groups[n]; return ok }},
		{"API key", mapKeys(w.goneKeys), func(n string) bool { _, ok := s.keys[n]; return ok }},
	} {
		for _, n := range gone.names {
			if gone.in(n) {
				bad("%s %s was deleted, refused or never acknowledged, yet it is there", gone.kind, n)
			}
		}
	}
	return problems
}

func mapKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// checkCounts checks that the store holds nothing the writers do not know
// of: the admin and their present users, groups and keys, no more.
func checkCounts(s *snapshot, writers []*writer) []string {
	users, groups, keys := 1, 0, 0 // the admin
	for _, w := range writers {
		users, groups, keys = users+len(w.users), groups+len(w.groups), keys+len(w.keys)
	}
	if len(s.users) != users || len(s.groups) != groups || len(s.keys) != keys {
		return []string{fmt.Sprintf("the store holds %d users, %d groups and %d API keys; the writers know of %d, %d and %d",
			len(s.users), len(s.groups), len(s.keys), users, groups, keys)}
	}
	return nil
}

// checkKeys authenticates with API keys: a present key reads its own user,
// a deleted one is refused. It tries the keys made or deleted since the
// last check, and sample others of each writer (all when sample < 0).
func checkKeys(srv *replica, c *http.Client, writers []*writer, rng *rand.Rand, sample int) (problems []string, tried int) {
	try := func(name string, k *keyState, want int) {
		if k.secret == "" { // cut off at creation: its secret was never seen
			return
		}
		tried++
		k.fresh = false
		if code, b := srv.call(c, "GET", "/v2/users/"+k.userSID, header{"apiKey", k.secret}, nil); code != want {
			problems = append(problems, fmt.Sprintf("API key %s of %s: GET its user answered %d %.100s, want %d", name, k.userSID, code, b, want))
		}
	}
	for _, w := range writers {
		for _, set := range []struct {
			keys map[string]*keyState
			want int
		}{{w.keys, 200}, {w.goneKeys, 401}} {
			names := mapKeys(set.keys)
			rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
			n := 0
			for _, name := range names {
				if k := set.keys[name]; k.fresh || sample < 0 || n < sample {
					n++
					try(name, k, set.want)
				}
			}
		}
	}
	return problems, tried
}

// consistencyQueries count rows that break the store's own rules; each
// must count none. Both backends share the schema, so they share these.
var consistencyQueries = []struct{ what, query string }{
	{"group members of no user", `SELECT COUNT(*) FROM group_members m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.sid = m.user_sid)`},
	{"group members of no group", `SELECT COUNT(*) FROM group_members m WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.sid = m.group_sid)`},
	{"API keys of no user", `SELECT COUNT(*) FROM api_keys k WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.sid = k.user_sid)`},
	{"sessions of no user", `SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.sid = s.user_sid)`},
	{"user roles of no user", `SELECT COUNT(*) FROM user_roles r WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.sid = r.user_sid)`},
	{"user roles naming no role", `SELECT COUNT(*) FROM user_roles r WHERE NOT EXISTS (SELECT 1 FROM roles x WHERE x.name = r.role)`},
	{"group roles of no group", `SELECT COUNT(*) FROM group_roles r WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.sid = r.group_sid)`},
	{"group roles naming no role", `SELECT COUNT(*) FROM group_roles r WHERE NOT EXISTS (SELECT 1 FROM roles x WHERE x.name = r.role)`},
	{"sids that are both a user's and a group's", `SELECT COUNT(*) FROM users u JOIN groups g ON g.sid = u.sid`},
}

// checkConsistency runs consistencyQueries on db, and checks that no sid
// holds a relative id the counter would hand out again.
func checkConsistency(db *sql.DB) []string {
	var problems []string
	for _, q := range consistencyQueries {
		var n int
		if err := db.QueryRow(q.query).Scan(&n); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", q.what, err))
		} else if n != 0 {
			problems = append(problems, fmt.Sprintf("%d %s", n, q.what))
		}
	}
	var next int64
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'next_rid'`).Scan(&next); err != nil {
		return append(problems, fmt.Sprintf("next_rid: %v", err))
	}
	rows, err := db.Query(`SELECT sid FROM users UNION ALL SELECT sid FROM groups`)
	if err != nil {
		return append(problems, fmt.Sprintf("sids: %v", err))
	}
	defer rows.Close()
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			return append(problems, fmt.Sprintf("sids: %v", err))
		}
		rid, err := strconv.ParseInt(sid[strings.LastIndexByte(sid, '-')+1:], 10, 64)
		if err != nil || rid >= next {
			problems = append(problems, fmt.Sprintf("sid %s: its relative id is not below next_rid %d", sid, next))
		}
	}
	if err := rows.Err(); err != nil {
		problems = append(problems, fmt.Sprintf("sids: %v", err))
	}
	return problems
}

// auditActions names the audit action of each write the writers make.
var auditActions = map[string]string{
	"create_users": "Create", "update_user": "Modify", "delete_user": "Delete",
	"create_group": "Create", "update_group": "Modify", "delete_group": "Delete",
	"create_user_api_key": "Create", "delete_user_api_key_by_id": "Delete",
}

// checkAudit checks the audit trail in db against the ledger: each write
// acknowledged or found committed has exactly one entry per thing it
// touched, and no other write of the writers has any.
func checkAudit(db *sql.DB, l *ledger) []string {
	want := map[string]int{}
	for _, o := range append(slices.Clone(l.acked), l.landed...) {
		targets := o.targets
		if strings.Contains(o.name, "api_key") {
			targets = targets[len(targets)-1:] // the key, not its owner
		}
		for _, id := range targets {
			want[auditActions[o.name]+" "+id]++
		}
	}
	rows, err := db.Query(`SELECT action, entity_id FROM audit_log
		WHERE actor_username = 'admin' AND entity_type IN ('User', 'Group', 'ApiKey')
			AND action IN ('Create', 'Modify', 'Delete') AND entity_id <> ''`)
	if err != nil {
		return []string{fmt.Sprintf("audit trail: %v", err)}
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var action, id string
		if err := rows.Scan(&action, &id); err != nil {
			return []string{fmt.Sprintf("audit trail: %v", err)}
		}
		got[action+" "+id]++
	}
	if err := rows.Err(); err != nil {
		return []string{fmt.Sprintf("audit trail: %v", err)}
	}
	delete(got, "Create "+adminOf(db)) // the first admin, made at first start
	var problems []string
	for k, n := range want {
		if got[k] != n {
			problems = append(problems, fmt.Sprintf("audit entries %q: %d, want %d", k, got[k], n))
		}
	}
	for k, n := range got {
		if want[k] == 0 {
			problems = append(problems, fmt.Sprintf("audit entries %q: %d of a write that did not happen", k, n))
		}
	}
	slices.Sort(problems)
	return problems
}

// adminOf returns the sid of the first admin.
func adminOf(db *sql.DB) string {
	var sid string
	_ = db.QueryRow(`SELECT sid FROM users WHERE username = 'admin'`).Scan(&sid)
	return sid
}
