package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The clients of the kill -9 test. Each writer owns the users, groups and
// API keys it makes: it alone changes them, so it always knows what the
// store must hold, except for the one write the kill cuts off (a writer
// stops at its first cut-off), which the next check finds out.

// op is one write and the sids or ids it touched: what a later check (the
// audit trail, say) needs to find what each write left behind.
type op struct {
	cycle   int
	name    string   // the operation as routes.go names it, e.g. "update_user"
	targets []string // sids of users and groups, ids of API keys
	code    int      // the answer; 0 when the kill cut it off
}

// ledger is what the writers were told, for every write of the test. A
// check that each write left its trace elsewhere (an audit entry, say)
// walks acked and landed: each op names its operation and targets.
type ledger struct {
	mu         sync.Mutex
	acked      []op     // answered 2xx: all of it must hold
	landed     []op     // cut off by a kill, then found committed whole
	refused    []op     // answered an error: none of it may be stored
	lost       int      // cut off by a kill, then found not committed at all
	unsent     int      // of the cut-offs, those the dead server refused to connect
	unexpected []string // answers no write should get: a 5xx, a bad write accepted
	ackedNow   atomic.Int64
}

func (l *ledger) ack(o op) {
	l.mu.Lock()
	l.acked = append(l.acked, o)
	l.mu.Unlock()
	l.ackedNow.Add(1)
}

func (l *ledger) refuse(o op, body []byte, bad bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refused = append(l.refused, o)
	if !bad || o.code >= 500 { // a valid write is never refused here
		l.unexpected = append(l.unexpected, fmt.Sprintf("%s %v: %d %.200s", o.name, o.targets, o.code, body))
	}
}

// count returns how many acknowledged writes were named name.
func (l *ledger) count(name string) int {
	n := 0
	for _, o := range l.acked {
		if o.name == name {
			n++
		}
	}
	return n
}

type userState struct {
	sid   string
	desc  string
	roles []string
}

type groupState struct {
	sid     string
	desc    string
	members []string // sids of present users of the same writer
}

type keyState struct {
	id, userSID string
	secret      string // empty for a key whose create was cut off
	fresh       bool   // created or deleted since the last check
}

// resolver decides, from the restarted store, what became of the write a
// kill cut off: it updates the writer's state and returns the targets of
// what committed (nil when nothing did) and what breaks all-or-none.
type resolver func(s *snapshot) (landed []string, problems []string)

// writer is one client of the test and what it owns.
type writer struct {
	id    int
	rng   *rand.Rand
	srv   *replica
	c     *http.Client
	admin header
	l     *ledger
	cycle int
	seq   int

	users      map[string]*userState // present, by username
	groups     map[string]*groupState
	keys       map[string]*keyState
	goneUsers  map[string]bool // acknowledged deleted, or never created
	goneGroups map[string]bool
	goneKeys   map[string]*keyState

	cut   resolver // the write a kill cut off, until the next check
	cutOp op
}

func newWriter(id int, seed uint64, srv *replica, c *http.Client, admin header, l *ledger) *writer {
	return &writer{
		id: id, rng: rand.New(rand.NewPCG(seed, uint64(id))), srv: srv, c: c, admin: admin, l: l,
		users: map[string]*userState{}, groups: map[string]*groupState{}, keys: map[string]*keyState{},
		goneUsers: map[string]bool{}, goneGroups: map[string]bool{}, goneKeys: map[string]*keyState{},
	}
}

// run writes until stop is closed or a write is cut off.
func (w *writer) run(stop <-chan struct{}) {
	for w.cut == nil {
		select {
		case <-stop:
			return
		default:
			w.step()
		}
	}
}

// step makes one write, chosen at random, keeping the writer's share of
// the store small so that every check stays quick.
func (w *writer) step() {
	n := w.rng.IntN(100)
	switch {
	case n < 6:
		w.badWrite()
	case len(w.users) < 6 || (n < 20 && len(w.users) < 30):
		w.createUsers()
	case n < 30 && len(w.groups) < 8:
		w.createGroup()
	case n < 42 && len(w.keys) < 16:
		w.createKey()
	case n < 56:
		w.updateUser()
	case n < 68 && len(w.groups) > 0:
		w.updateGroup()
	case n < 76 && len(w.keys) > 0:
		w.deleteKey()
	case n < 90:
		w.deleteUser()
	case len(w.groups) > 0:
		w.deleteGroup()
	default:
		w.updateUser()
	}
}

// name returns a name no other write of the test uses.
func (w *writer) name(kind string) string {
	w.seq++
	return fmt.Sprintf("w%d-%s%d", w.id, kind, w.seq)
}

// pick returns a key of m at random; m must not be empty.
func pick[V any](rng *rand.Rand, m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // map order is not the seed's
	return keys[rng.IntN(len(keys))]
}

// someUsers returns up to three sids of the writer's present users.
func (w *writer) someUsers() []string {
	sids := []string{}
	for range w.rng.IntN(4) {
		if len(w.users) == 0 {
			break
		}
		if sid := w.users[pick(w.rng, w.users)].sid; !slices.Contains(sids, sid) {
			sids = append(sids, sid)
		}
	}
	return sids
}

// send makes one write and files its answer: 2xx runs ok (which returns
// the targets) and acknowledges it; a cut-off keeps resolve for the next
// check; any other answer refuses it. bad says an error is the right
// answer.
func (w *writer) send(name, method, path string, body any, targets []string, bad bool,
	ok func([]byte) ([]string, error), resolve resolver) {
	code, b := w.srv.call(w.c, method, path, w.admin, body)
	o := op{cycle: w.cycle, name: name, targets: targets, code: code}
	switch {
	case code == 0:
		w.cut, w.cutOp = resolve, o
		if strings.Contains(string(b), "connection refused") {
			w.l.mu.Lock()
			w.l.unsent++
			w.l.mu.Unlock()
		}
	case code >= 200 && code < 300 && bad:
		w.fail(o, fmt.Sprintf("bad %s %s %v accepted: %d %.200s", method, path, body, code, b))
	case code >= 200 && code < 300:
		var err error
		if o.targets, err = ok(b); err != nil {
			w.fail(o, fmt.Sprintf("%s %s answered %d %.200s: %v", method, path, code, b, err))
			return
		}
		w.l.ack(o)
	default:
		w.l.refuse(o, b, bad)
	}
}

// fail reports an answer no write should get and stops the writer, whose
// state the answer left unknown.
func (w *writer) fail(o op, problem string) {
	w.l.mu.Lock()
	w.l.unexpected = append(w.l.unexpected, problem)
	w.l.mu.Unlock()
	w.cut, w.cutOp = func(*snapshot) ([]string, []string) { return nil, nil }, o
}

func (w *writer) createUsers() {
	names := []string{w.name("u"), w.name("u"), w.name("u")}
	body := make([]map[string]any, len(names))
	for i, n := range names {
		body[i] = map[string]any{"username": n, "domain": "LOCAL", "roles": []string{}}
		w.goneUsers[n] = true // until it is acknowledged
	}
	w.send("create_users", "POST", "/v2/users", body, nil, false, func(b []byte) ([]string, error) {
		var ul usersList
		if err := json.Unmarshal(b, &ul); err != nil || len(ul.Users) != len(names) {
			return nil, fmt.Errorf("want %d users: %v", len(names), err)
		}
		var sids []string
		for _, u := range ul.Users {
			delete(w.goneUsers, u.Username)
			w.users[u.Username] = &userState{sid: u.SID, roles: []string{}}
			sids = append(sids, u.SID)
		}
		return sids, nil
	}, func(s *snapshot) ([]string, []string) {
		var sids []string
		for _, n := range names {
			if u, ok := s.users[n]; ok {
				sids = append(sids, u.SID)
			}
		}
		switch len(sids) {
		case 0:
			return nil, nil
		case len(names):
			for i, n := range names {
				delete(w.goneUsers, n)
				w.users[n] = &userState{sid: sids[i], roles: []string{}}
			}
			return sids, nil
		}
		return nil, []string{fmt.Sprintf("a bulk create cut off by the kill is half there: %d of %v", len(sids), names)}
	})
}

func (w *writer) createGroup() {
	name, desc, members := w.name("g"), w.name("d"), w.someUsers()
	w.goneGroups[name] = true
	body := []map[string]any{{"name": name, "domain": "LOCAL", "description": desc, "roles": []string{},
		"localGroupParams": map[string]any{"userSids": members}}}
	w.send("create_group", "POST", "/v2/groups", body, nil, false, func(b []byte) ([]string, error) {
		var gl struct{ Groups []apiGroup }
		if err := json.Unmarshal(b, &gl); err != nil || len(gl.Groups) != 1 {
			return nil, fmt.Errorf("want 1 group: %v", err)
		}
		delete(w.goneGroups, name)
		w.groups[name] = &groupState{sid: gl.Groups[0].SID, desc: desc, members: members}
		return []string{gl.Groups[0].SID}, nil
	}, func(s *snapshot) ([]string, []string) {
		g, ok := s.groups[name]
		if !ok {
			return nil, nil
		}
		delete(w.goneGroups, name)
		w.groups[name] = &groupState{sid: g.SID, desc: desc, members: members} // checked as acknowledged
		return []string{g.SID}, nil
	})
}

func (w *writer) createKey() {
	if len(w.users) == 0 {
		w.createUsers()
		return
	}
	name, owner := w.name("k"), w.users[pick(w.rng, w.users)].sid
	w.goneKeys[name] = &keyState{userSID: owner}
	w.send("create_user_api_key", "POST", "/v2/users/"+owner+"/api-keys", map[string]any{"name": name}, nil, false,
		func(b []byte) ([]string, error) {
			var k struct{ ID, APIKey string }
			if err := json.Unmarshal(b, &k); err != nil || k.ID == "" || k.APIKey == "" {
				return nil, fmt.Errorf("want an id and a key: %v", err)
			}
			delete(w.goneKeys, name)
			w.keys[name] = &keyState{id: k.ID, userSID: owner, secret: k.APIKey, fresh: true}
			return []string{owner, k.ID}, nil
		}, func(s *snapshot) ([]string, []string) {
			k, ok := s.keys[name]
			if !ok {
				return nil, nil
			}
			delete(w.goneKeys, name)
			w.keys[name] = &keyState{id: k.ID, userSID: owner} // its secret was never seen
			return []string{owner, k.ID}, nil
		})
}

// updateUser sets a user's description and roles together, so that a
// half-applied update (the row without its roles) shows.
func (w *writer) updateUser() {
	if len(w.users) == 0 {
		w.createUsers()
		return
	}
	u := w.users[pick(w.rng, w.users)]
	old := *u
	next := userState{sid: u.sid, desc: w.name("d"), roles: []string{"COHESITY_VIEWER"}}
	if len(u.roles) > 0 {
		next.roles = []string{}
	}
	body := map[string]any{"description": next.desc, "roles": next.roles}
	w.send("update_user", "PUT", "/v2/users/"+u.sid, body, []string{u.sid}, false, func([]byte) ([]string, error) {
		*u = next
		return []string{u.sid}, nil
	}, func(s *snapshot) ([]string, []string) {
		for _, want := range []userState{old, next} {
			if got, ok := findUser(s, u.sid); ok && got.Description == want.desc && sameSet(got.Roles, want.roles) {
				*u = want
				if want.desc == next.desc {
					return []string{u.sid}, nil
				}
				return nil, nil
			}
		}
		got, _ := findUser(s, u.sid)
		return nil, []string{fmt.Sprintf("user %s is neither as before (%q %v) nor as after (%q %v) a cut-off update: %q %v",
			u.sid, old.desc, old.roles, next.desc, next.roles, got.Description, got.Roles)}
	})
}

// updateGroup sets a group's description and members together.
func (w *writer) updateGroup() {
	g := w.groups[pick(w.rng, w.groups)]
	old := *g
	next := groupState{sid: g.sid, desc: w.name("d"), members: w.someUsers()}
	body := map[string]any{"description": next.desc, "localGroupParams": map[string]any{"userSids": next.members}}
	w.send("update_group", "PUT", "/v2/groups/"+g.sid, body, []string{g.sid}, false, func([]byte) ([]string, error) {
		*g = next
		return []string{g.sid}, nil
	}, func(s *snapshot) ([]string, []string) {
		got, _ := findGroup(s, g.sid)
		for _, want := range []groupState{old, next} {
			if got.Description == want.desc && sameSet(got.members(), want.members) {
				*g = want
				if want.desc == next.desc {
					return []string{g.sid}, nil
				}
				return nil, nil
			}
		}
		return nil, []string{fmt.Sprintf("group %s is neither as before (%q %v) nor as after (%q %v) a cut-off update: %q %v",
			g.sid, old.desc, old.members, next.desc, next.members, got.Description, got.members())}
	})
}

func (w *writer) deleteKey() {
	name := pick(w.rng, w.keys)
	k := w.keys[name]
	gone := func() {
		delete(w.keys, name)
		k.fresh = true // check at the next restart that it is refused
		w.goneKeys[name] = k
	}
	w.send("delete_user_api_key_by_id", "DELETE", "/v2/users/"+k.userSID+"/api-keys/"+k.id, nil, []string{k.userSID, k.id}, false,
		func([]byte) ([]string, error) { gone(); return []string{k.userSID, k.id}, nil },
		func(s *snapshot) ([]string, []string) {
			if _, ok := s.keys[name]; ok {
				return nil, nil
			}
			gone()
			return []string{k.userSID, k.id}, nil
		})
}

func (w *writer) deleteUser() {
	if len(w.users) == 0 {
		w.createUsers()
		return
	}
	name := pick(w.rng, w.users)
	sid := w.users[name].sid
	w.send("delete_user", "DELETE", "/v2/users/"+sid, nil, []string{sid}, false,
		func([]byte) ([]string, error) { w.userGone(name); return []string{sid}, nil },
		func(s *snapshot) ([]string, []string) {
			if _, ok := s.users[name]; ok {
				return nil, nil
			}
			w.userGone(name)
			return []string{sid}, nil
		})
}

// userGone records a user deleted, with what goes with it: its keys and
// its group memberships.
func (w *writer) userGone(name string) {
	sid := w.users[name].sid
	delete(w.users, name)
	w.goneUsers[name] = true
	for kn, k := range w.keys {
		if k.userSID == sid {
			delete(w.keys, kn)
			k.fresh = true
			w.goneKeys[kn] = k
		}
	}
	for _, g := range w.groups {
		g.members = slices.DeleteFunc(slices.Clone(g.members), func(m string) bool { return m == sid })
	}
}

func (w *writer) deleteGroup() {
	name := pick(w.rng, w.groups)
	sid := w.groups[name].sid
	gone := func() {
		delete(w.groups, name)
		w.goneGroups[name] = true
	}
	w.send("delete_group", "DELETE", "/v2/groups/"+sid, nil, []string{sid}, false,
		func([]byte) ([]string, error) { gone(); return []string{sid}, nil },
		func(s *snapshot) ([]string, []string) {
			if _, ok := s.groups[name]; ok {
				return nil, nil
			}
			gone()
			return []string{sid}, nil
		})
}

// noSuchSID is a well-formed sid no principal has.
const noSuchSID = "S-1-100-21-1-1-999999999"

// badWrite sends a write that must be refused as a whole, each carrying a
// valid part that would show if it were applied: a bulk create with one
// name twice, a user update naming no such role, a group update naming no
// such member. The writer's state stays as it was, which the next check
// holds the store to.
func (w *writer) badWrite() {
	notApplied := func(*snapshot) ([]string, []string) { return nil, nil } // the state says: as before
	switch {
	case w.rng.IntN(3) == 0 && len(w.users) > 0:
		u := w.users[pick(w.rng, w.users)]
		body := map[string]any{"description": w.name("d"), "roles": []string{"NO_SUCH_ROLE"}}
		w.send("update_user", "PUT", "/v2/users/"+u.sid, body, []string{u.sid}, true, nil, notApplied)
	case w.rng.IntN(2) == 0 && len(w.groups) > 0:
		g := w.groups[pick(w.rng, w.groups)]
		body := map[string]any{"description": w.name("d"),
			"localGroupParams": map[string]any{"userSids": append(w.someUsers(), noSuchSID)}}
		w.send("update_group", "PUT", "/v2/groups/"+g.sid, body, []string{g.sid}, true, nil, notApplied)
	default:
		a, b := w.name("u"), w.name("u")
		w.goneUsers[a], w.goneUsers[b] = true, true
		body := []map[string]any{{"username": a, "domain": "LOCAL", "roles": []string{}},
			{"username": b, "domain": "LOCAL", "roles": []string{}}, {"username": a, "domain": "LOCAL", "roles": []string{}}}
		w.send("create_users", "POST", "/v2/users", body, nil, true, nil, notApplied)
	}
}
