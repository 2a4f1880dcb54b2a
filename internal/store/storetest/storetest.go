// Package storetest is the conformance suite every store.Store backend
// must pass, in the manner of Dex's storage/conformance: a backend's tests
// call RunTests with a constructor of fresh, empty stores.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// subTest is one conformance test, run on a fresh store.
type subTest struct {
	name string
	run  func(t *testing.T, s Single)
}

// RunTests runs the conformance suite. newStore must return a new, empty
// store each time it is called; the suite closes it when the subtest ends.
// Subtests run in parallel, each on its own store.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	groups := [][]subTest{miscTests, userTests, userListTests, groupTests,
		groupListTests, roleTests, keyTests, sessionTests, auditTests, concurrencyTests, txTests, nameTests,
		auditLimitTests, tenantTests, tenantNameTests, mfaTests, historyTests, domainTests, tallyTests,
		partialNameTests}
	for _, tests := range groups {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, Single{newStore: newStore}.fresh(t))
			})
		}
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// wantErr fails t unless err wraps sentinel and its message holds every
// one of words.
func wantErr(t *testing.T, err, sentinel error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got error %q, want one wrapping %q", err, sentinel)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
}

// must fails t on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// diff lists the fields in which two structs of the same type differ.
// Slices compare as equal when both are empty (nil or not); nil-ness is
// checked separately by checkNonNil. Byte slices compare by content.
func diff(got, want any) []string {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	var out []string
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i), wv.Field(i)
		if !fieldEqual(g, w) {
			out = append(out, fmt.Sprintf("%s: got %s, want %s", name, show(g), show(w)))
		}
	}
	return out
}

func fieldEqual(g, w reflect.Value) bool {
	switch {
	case g.Kind() == reflect.Slice && g.Type().Elem().Kind() == reflect.Uint8:
		return bytes.Equal(g.Bytes(), w.Bytes())
	case g.Kind() == reflect.Slice:
		if g.Len() == 0 && w.Len() == 0 {
			return true
		}
		return reflect.DeepEqual(g.Interface(), w.Interface())
	case g.Kind() == reflect.Pointer:
		if g.IsNil() || w.IsNil() {
			return g.IsNil() == w.IsNil()
		}
		return reflect.DeepEqual(g.Elem().Interface(), w.Elem().Interface())
	default:
		return reflect.DeepEqual(g.Interface(), w.Interface())
	}
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("&%#v", v.Elem().Interface())
	}
	return fmt.Sprintf("%#v", v.Interface())
}

// checkEqual fails t when got and want (structs of one type) differ.
func checkEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := diff(got, want); len(d) > 0 {
		t.Errorf("%s differs:\n  %s", what, strings.Join(d, "\n  "))
	}
}

// checkUser compares users, Groups as a set.
func checkUser(t *testing.T, what string, got, want store.User) {
	t.Helper()
	got.Groups, want.Groups = sorted(got.Groups), sorted(want.Groups)
	checkEqual(t, what, got, want)
}

func sorted(v []string) []string {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

// checkNonNil fails t for every named slice field of rec that is nil.
func checkNonNil(t *testing.T, what string, rec any, fields ...string) {
	t.Helper()
	v := reflect.ValueOf(rec)
	for _, f := range fields {
		if v.FieldByName(f).IsNil() {
			t.Errorf("%s: %s is nil, want an empty slice", what, f)
		}
	}
}

// sidsOf returns the sids of users, in order.
func sidsOf(users []store.User) []string {
	out := []string{}
	for _, u := range users {
		out = append(out, u.SID)
	}
	return out
}

// groupSIDsOf returns the sids of groups, in order.
func groupSIDsOf(groups []store.Group) []string {
	out := []string{}
	for _, g := range groups {
		out = append(out, g.SID)
	}
	return out
}

// checkList fails t unless got equals want, order included.
func checkList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}
