package postgres

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// openTemp opens a store on a new schema of its own.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Schema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store { return openTemp(t) })
}
