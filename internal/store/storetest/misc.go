package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var miscTests = []subTest{
	{"Ping", testPing},
	{"ClusterInfo", testClusterInfo},
	{"NextRIDs", testNextRIDs},
	{"Setting", testSetting},
}

func testPing(t *testing.T, s Single) {
	must(t, s.Ping(t.Context()))
}

func testClusterInfo(t *testing.T, s Single) {
	ctx := t.Context()
	first := store.ClusterInfo{ClusterID: 1 << 40, Incarnation: 3}
	got, err := s.ClusterInfo(ctx, first)
	must(t, err)
	checkEqual(t, "first ClusterInfo", got, first)
	got, err = s.ClusterInfo(ctx, store.ClusterInfo{ClusterID: 99, Incarnation: 1})
	must(t, err)
	checkEqual(t, "second ClusterInfo (init ignored)", got, first)
}

func testNextRIDs(t *testing.T, s Single) {
	ctx := t.Context()
	seen := map[int64]bool{}
	var last int64
	for _, n := range []int{1, 5, 1, 100, 2} {
		first, err := s.NextRIDs(ctx, n)
		must(t, err)
		if first < 1000 {
			t.Errorf("NextRIDs(%d) = %d, want ids from 1000 up", n, first)
		}
		if first <= last {
			t.Errorf("NextRIDs(%d) = %d, not above the previous reservation ending at %d", n, first, last)
		}
		for id := first; id < first+int64(n); id++ {
			if seen[id] {
				t.Fatalf("rid %d handed out twice", id)
			}
			seen[id] = true
		}
		last = first + int64(n) - 1
	}
	for _, n := range []int{0, -1} {
		if _, err := s.NextRIDs(ctx, n); err == nil {
			t.Errorf("NextRIDs(%d) succeeded, want an error", n)
		}
	}
}

func testSetting(t *testing.T, s Single) {
	ctx := t.Context()
	first := []byte{0, 1, 2, 0xff}
	got, err := s.Setting(ctx, "a", first)
	must(t, err)
	if !bytes.Equal(got, first) {
		t.Errorf("first Setting(a) = %x, want %x", got, first)
	}
	got, err = s.Setting(ctx, "a", []byte("other"))
	must(t, err)
	if !bytes.Equal(got, first) {
		t.Errorf("second Setting(a) = %x, want the stored %x", got, first)
	}
	got, err = s.Setting(ctx, "b", []byte("b"))
	must(t, err)
	if string(got) != "b" {
		t.Errorf("Setting(b) = %q, want %q", got, "b")
	}
	// PutSetting replaces a value, and makes one that was not there.
	for _, name := range []string{"a", "c"} {
		must(t, s.Update(ctx, func(tx store.Tx) error { return tx.PutSetting(ctx, name, []byte("put")) }))
		got, err = s.Setting(ctx, name, []byte("init"))
		must(t, err)
		if string(got) != "put" {
			t.Errorf("Setting(%s) after PutSetting = %q, want %q", name, got, "put")
		}
	}
	// GetSetting reads without storing; in a transaction it sees the
	// transaction's own writes.
	if _, err := s.GetSetting(ctx, "d"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSetting(d) of no setting: %v, want ErrNotFound", err)
	}
	if got, err := s.GetSetting(ctx, "a"); err != nil || string(got) != "put" {
		t.Errorf("GetSetting(a) = %q, %v; want %q", got, err, "put")
	}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutSetting(ctx, "d", []byte("in tx")); err != nil {
			return err
		}
		got, err := tx.GetSetting(ctx, "d")
		if err == nil && string(got) != "in tx" {
			t.Errorf("GetSetting(d) in the transaction that put it = %q", got)
		}
		return err
	}))
}
