package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The partial-name search of users and groups, which backends may serve
// from a trigram index: whatever serves it, a name matches when its
// folded form contains a folded term, every character standing for
// itself.
var partialNameTests = []subTest{
	{"PartialNames", testPartialNames},
	{"PartialNamesRandom", testPartialNamesRandom},
}

// trickyNames are names whose substrings are special to LIKE, GLOB or an
// FTS5 query, or longer than a byte per character.
var trickyNames = []string{
	"alice", "Alicia", "bob", "100%_sure", "100xxsure", `back\slash`, `say"hi"`, "star*name",
	"question?mark", "[brk]", "o'neil", "a_b", "x%y", "ünïcödé", "日本語ユーザー", "AAA", "a", "ab",
	"excl!mation", "mid-alice-end", "a b c",
}

// partialNameTerms are terms tried on trickyNames: middles, 1, 2 and 3
// characters, metacharacters, no match.
var partialNameTerms = [][]string{
	{"lic"}, {"LIC"}, {"ali"}, {"a"}, {"ab"}, {"AB"}, {"%_s"}, {"%"}, {"_"}, {`\`}, {`\sl`}, {`"hi`}, {`"`},
	{`y"h`}, {"*"}, {"r*n"}, {"?"}, {"n?m"}, {"[br"}, {"'ne"}, {"!"}, {"l!m"}, {"100"}, {"00%"}, {"0x"},
	{"ünï"}, {"ÜNÏ"}, {"ü"}, {"本語ユ"}, {"日"}, {"日本"}, {"zzz"}, {"alice"}, {"mid-alice-end"}, {"xxsure"},
	{"a b"}, {" "}, {"lic", "bob"}, {"a", "lic"}, {"%_s", `\sl`}, {"zzz", "yyy"}, {"sure", "sure"},
}

func testPartialNames(t *testing.T, s Single) {
	users := make([]store.User, len(trickyNames))
	groups := make([]store.Group, len(trickyNames))
	for i, n := range trickyNames {
		users[i] = newUser(sid(i), "LOCAL", n)
		users[i].CreatedMsecs = t0 + int64(i)
		groups[i] = newGroup(sid(1000+i), "LOCAL", n, nil, nil)
	}
	createUsers(t, s, users...)
	createGroups(t, s, groups...)
	terms := slices.Clone(partialNameTerms)
	hundred := []string{"lic", "bob"}
	for i := len(hundred); i < 100; i++ {
		hundred = append(hundred, fmt.Sprintf("zq%03d", i))
	}
	terms = append(terms, hundred)
	checkPartial(t, s, "created", terms)

	// The index follows deletes and renames.
	must(t, s.DeleteUsers(t.Context(), []string{sid(0), sid(2)}))
	must(t, s.DeleteGroups(t.Context(), []string{sid(1000), sid(1002)}))
	for _, r := range []struct{ n int }{{1}, {3}, {19}} {
		_, err := s.UpdateUser(t.Context(), sid(r.n), func(u store.User) (store.User, error) {
			u.Username = "renamed" + u.Username
			return u, nil
		})
		must(t, err)
		_, err = s.UpdateGroup(t.Context(), sid(1000+r.n), func(g store.Group) (store.Group, error) {
			g.Name = "renamed" + g.Name
			return g, nil
		})
		must(t, err)
	}
	// A new user takes a deleted one's name.
	createUsers(t, s, newUser(sid(500), "LOCAL", "alice"))
	checkPartial(t, s, "after deletes and renames", append(terms, []string{"renamed"}, []string{"med1"}, []string{"ALICIA"}))
}

// testPartialNamesRandom compares the search with strings.Contains over a
// few hundred random names, from an alphabet small enough that terms of
// every length match some.
func testPartialNamesRandom(t *testing.T, s Single) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	alphabet := []rune(`abcAB%_\"*é日 `)
	word := func(lo, hi int) string {
		w := make([]rune, lo+r.IntN(hi-lo+1))
		for i := range w {
			w[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(w)
	}
	seen := map[string]bool{}
	var users []store.User
	var groups []store.Group
	for i := 0; len(users) < 300; i++ {
		n := word(1, 9)
		if k := store.Fold(n); strings.TrimSpace(n) != n || k == "" || seen[k] {
			continue
		} else {
			seen[k] = true
		}
		users = append(users, newUser(sid(i), "LOCAL", n))
		if len(groups) < 60 {
			groups = append(groups, newGroup(sid(5000+i), "LOCAL", n, nil, nil))
		}
	}
	createUsers(t, s, users...)
	createGroups(t, s, groups...)
	var terms [][]string
	for range 60 {
		ts := []string{word(1, 5)}
		if r.IntN(4) == 0 {
			ts = append(ts, word(3, 4))
		}
		if r.IntN(3) == 0 { // a piece of a name, which matches
			n := []rune(users[r.IntN(len(users))].Username)
			i := r.IntN(len(n))
			ts = append(ts, string(n[i:min(len(n), i+3+r.IntN(3))]))
		}
		terms = append(terms, ts)
	}
	checkPartial(t, s, "random", terms)
}

// checkPartial lists users and groups by each set of terms, whole and
// in pages, and compares the answer with strings.Contains over every
// name the store holds.
func checkPartial(t *testing.T, s Single, what string, terms [][]string) {
	t.Helper()
	allUsers, err := s.ListUsers(t.Context(), store.UserFilter{})
	must(t, err)
	allGroups, err := s.ListGroups(t.Context(), store.GroupFilter{})
	must(t, err)
	matches := func(name string, ts []string) bool {
		return slices.ContainsFunc(ts, func(term string) bool {
			return strings.Contains(store.Fold(name), store.Fold(term))
		})
	}
	for _, ts := range terms {
		var want, wantG []string
		for _, u := range allUsers {
			if matches(u.Username, ts) {
				want = append(want, u.SID)
			}
		}
		for _, g := range allGroups {
			if matches(g.Name, ts) {
				wantG = append(wantG, g.SID)
			}
		}
		got, err := s.ListUsers(t.Context(), store.UserFilter{Usernames: ts, MatchPartialNames: true})
		must(t, err)
		name := fmt.Sprintf("%s: users by %q", what, ts)
		if len(ts) > 3 {
			name = fmt.Sprintf("%s: users by %d terms", what, len(ts))
		}
		checkList(t, name, sidsOf(got), want)
		// Pages of a quarter: a few each, which must join up.
		limit := max(2, (len(want)+3)/4)
		paged := pageUsers(t, s, store.UserFilter{Usernames: ts, MatchPartialNames: true}, limit, len(want))
		checkList(t, fmt.Sprintf("%s in pages of %d", name, limit), paged, want)
		gs, err := s.ListGroups(t.Context(), store.GroupFilter{Names: ts, MatchPartialNames: true})
		must(t, err)
		checkList(t, strings.Replace(name, "users", "groups", 1), groupSIDsOf(gs), wantG)
	}
}
