package store

import (
	"context"

	"github.com/clusteriam/clusteriam/internal/names"
)

// Lookalikes finds names that look like another. Every backend implements
// it; it is to join the Store interface.
type Lookalikes interface {
	// LookalikeName returns the name of a user, group or role (as kind
	// says) in domain (ignored for roles) whose skeleton (names.Skeleton)
	// is name's but whose key (Fold) is not, or "" when there is none.
	LookalikeName(ctx context.Context, kind names.Kind, domain, name string) (string, error)
}
