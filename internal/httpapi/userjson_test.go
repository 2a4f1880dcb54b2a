package httpapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"testing"
)

// userJSONStrings are strings json.Marshal writes other than as they
// are: escapes, HTML characters, invalid UTF-8, line separators.
var userJSONStrings = []string{"", "a", "LOCAL", "S-1-100-21-1-2-3", `q"uote`, `back\slash`, "<script>&amp;",
	"tab\there\nnl\r\b\f", "\x00\x01\x1f\x7f", "é日本🙂", "\xff\xfe", "a\xc3", "\u2028\u2029", "COHESITY_ADMIN"}

// randomUser is a userParams with every field set or not at random.
func randomUser(r *rand.Rand) userParams {
	str := func() string { return userJSONStrings[r.IntN(len(userJSONStrings))] }
	i64 := func() *int64 {
		if r.IntN(2) == 0 {
			return nil
		}
		v := r.Int64() - r.Int64()
		return &v
	}
	list := func() []string {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+r.IntN(3))
		for i := range out {
			out[i] = str()
		}
		return out
	}
	u := userParams{Description: str(), EffectiveTimeMsecs: i64(), ExpiryTimeMsecs: i64(), Locked: r.IntN(2) == 0,
		Restricted: r.IntN(2) == 0, Roles: list(), CreatedTimeMsecs: r.Int64(), Domain: str(),
		ForcePasswordChange: r.IntN(2) == 0, LastLoginTimeMsecs: i64(), LastUpdatedTimeMsecs: -r.Int64(),
		LockedReason: str(), OtherGroups: list(), SID: str(), TenantID: str(), Username: str()}
	if r.IntN(2) == 0 {
		u.LocalUserParams = &localUserResponseParams{Email: str()}
	}
	if r.IntN(2) == 0 {
		u.S3AccountParams = &s3AccountParams{S3AccessKeyID: str(), S3AccountID: str()}
	}
	return u
}

// checkUserJSON fails unless writeJSON's encoding of u is json.Marshal's.
func checkUserJSON(t *testing.T, u userParams) {
	t.Helper()
	want, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.appendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("appendJSON of %#v:\n got %s\nwant %s", u, got, want)
	}
}

// TestUserJSONSameBytes compares the hand-written encoding of the User
// model with json.Marshal's, on users with every field set or not, and
// through writeJSON.
func TestUserJSONSameBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		checkUserJSON(t, randomUser(r))
	}
	checkUserJSON(t, userParams{})
	u := randomUser(r)
	rec := &codeRecorder{}
	writeJSON(rec, http.StatusOK, u)
	want, _ := json.Marshal(u)
	if !bytes.Equal([]byte(rec.body.String()), want) || rec.header.Get("Content-Length") != strconv.Itoa(len(want)) {
		t.Fatalf("writeJSON: %s (Content-Length %s), want %s", rec.body.String(), rec.header.Get("Content-Length"), want)
	}
}

// FuzzUserJSON compares the hand-written encoding of the User model with
// json.Marshal's on arbitrary strings.
func FuzzUserJSON(f *testing.F) {
	for _, s := range userJSONStrings {
		f.Add(s, s, int64(-1), true)
	}
	f.Fuzz(func(t *testing.T, s1, s2 string, n int64, flag bool) {
		u := userParams{Description: s1, Domain: s2, Username: s1 + s2, SID: s2, LockedReason: s1, TenantID: s2,
			Roles: []string{s1, s2}, OtherGroups: []string{s2}, CreatedTimeMsecs: n, Locked: flag, LastLoginTimeMsecs: &n,
			LocalUserParams: &localUserResponseParams{Email: s1}}
		if flag {
			u.S3AccountParams = &s3AccountParams{S3AccountID: s2}
		}
		checkUserJSON(t, u)
	})
}

// BenchmarkUserJSON is the encoding of one user as GET /v2/users/{sid}
// answers it, by json.Marshal and by appendJSON.
func BenchmarkUserJSON(b *testing.B) {
	exp, last := int64(1_900_000_000_000), int64(1_700_000_000_000)
	u := userParams{ExpiryTimeMsecs: &exp, Roles: []string{"COHESITY_VIEWER"}, CreatedTimeMsecs: last, Domain: "LOCAL",
		LastLoginTimeMsecs: &last, LastUpdatedTimeMsecs: last, LocalUserParams: &localUserResponseParams{Email: "bench-target@bench.example"},
		LockedReason: "NotLocked", OtherGroups: []string{}, SID: "S-1-100-21-12345678-1234567890-1000001", Username: "bench-target"}
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = u.appendJSON(make([]byte, 0, u.jsonSizeHint()))
		}
	})
}

// TestUserJSONEveryField sets every field of userParams, found by
// reflection, so that a field added to the model and not to appendJSON
// fails here rather than going missing from the wire.
func TestUserJSONEveryField(t *testing.T) {
	var u userParams
	fillEvery(reflect.ValueOf(&u).Elem())
	checkUserJSON(t, u)
}

// fillEvery sets v, and every field and element under it, to a value
// that no omitempty drops.
func fillEvery(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillEvery(v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillEvery(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fillEvery(v.Index(i))
		}
	case reflect.String:
		v.SetString("x" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(42)
	default:
		panic("fillEvery: add the kind " + v.Kind().String())
	}
}
