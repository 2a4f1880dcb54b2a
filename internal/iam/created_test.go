package iam

import (
	"reflect"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// TestCreated checks that created gives the users as a list reads them:
// in creation time then sid order (by bytes, as the stores' COLLATE "C"
// and BINARY compare), normalized as stored, in no groups.
func TestCreated(t *testing.T) {
	in := []store.User{
		{SID: "S-1-100-21-1-1-999", CreatedMsecs: 5, Roles: []string{"b", "a", "b"}},
		{SID: "S-1-100-21-1-1-1000", CreatedMsecs: 5},
		{SID: "S-1-100-21-1-1-7", CreatedMsecs: 4, S3SecretEnc: []byte{}, Groups: []string{"x"}},
	}
	got := created(in)
	var sids []string
	for _, u := range got {
		sids = append(sids, u.SID)
		if want := store.AsStored(u); !reflect.DeepEqual(u.Roles, want.Roles) || u.SourceIDs == nil || u.S3SecretEnc != nil {
			t.Errorf("%s: not as stored: %+v", u.SID, u)
		}
		if u.Groups == nil || len(u.Groups) != 0 {
			t.Errorf("%s: groups %v, want none", u.SID, u.Groups)
		}
	}
	if want := []string{"S-1-100-21-1-1-7", "S-1-100-21-1-1-1000", "S-1-100-21-1-1-999"}; !reflect.DeepEqual(sids, want) {
		t.Errorf("order %v, want %v", sids, want)
	}
	if !reflect.DeepEqual(got[2].Roles, []string{"b", "a"}) {
		t.Errorf("roles %v, want [b a]", got[2].Roles)
	}
}
