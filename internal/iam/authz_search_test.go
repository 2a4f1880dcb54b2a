package iam

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/testtier"
)

// TestSearchUserManagerSequences runs the search. It tries every operation
// from the fixture and, for each that succeeds, every operation after it
// (each pair, the second enabled by the first or not), in an order drawn
// from the seed; then random sequences of three and four. In go test, and
// under -race, it stops after a few seconds, having covered a part of the
// pairs (the attacks known are tested one by one in internal/httpapi);
// with CLUSTERIAM_SOAK (.ci/run runs it so, without -race) it covers every
// pair, then walks at random for a minute. A sequence that breaks a rule
// is shrunk to the shortest part of it that still does, and printed with
// the seed.
func TestSearchUserManagerSequences(t *testing.T) {
	full := testtier.Soak() && !raceDetector
	pairBudget, walkBudget := 4*time.Second, time.Second
	if full {
		pairBudget, walkBudget = 10*time.Minute, time.Minute
	}
	w := newSearchWorld(t)
	s := &search{t: t, w: w, ops: w.ops(), dir: fastDir(t), seed: uint64(time.Now().UnixNano())}
	s.rng = rand.New(rand.NewPCG(s.seed, 1))
	deadline := time.Now().Add(pairBudget)
	r := w.start(t, s.dir, w.fixture())
	if broke := r.check(t.Context()); broke != "" {
		t.Fatalf("the fixture itself: %s", broke)
	}
	r.close(t)

	// Every operation, then every one after each that succeeds.
	firsts, pairs, walks := 0, 0, 0
	for _, i := range s.rng.Perm(len(s.ops)) {
		if time.Now().After(deadline) {
			break
		}
		pairs += s.pairsAfter(i, deadline)
		firsts++
	}
	// Random sequences of three and four.
	for deadline = time.Now().Add(walkBudget); time.Now().Before(deadline); walks++ {
		s.walk(3 + s.rng.IntN(2))
	}
	t.Logf("seed %d: %d operations; %d of them tried first, %d pairs that succeeded; %d random sequences of 3 or 4",
		s.seed, len(s.ops), firsts, pairs, walks)
	if full && firsts < len(s.ops) {
		t.Errorf("the search covered %d of %d first operations in %s; give it more time", firsts, len(s.ops), pairBudget)
	}
}

// search is the state of one search.
type search struct {
	t    *testing.T
	w    *searchWorld
	ops  []searchOp
	dir  string
	seed uint64
	rng  *rand.Rand
}

// step runs operation i as um in r. It reports whether it succeeded, and
// why it broke a rule (an internal error, or no administrator left).
func (s *search) step(r *searchRun, i int) (bool, string) {
	ctx := s.t.Context()
	if err := s.ops[i].do(ctx, r); err != nil {
		if KindOf(err) == KindInternal {
			return false, fmt.Sprintf("%s: internal error %v", s.ops[i].name, err)
		}
		return false, ""
	}
	if admins, err := r.svc.lastingAdmins(ctx, r.st); err != nil || len(admins) == 0 {
		return true, fmt.Sprintf("no administrator left (%v)", err)
	}
	return true, ""
}

// finish has the administrator put things back in r and checks what um
// holds; it returns why the run broke a rule, or "".
func (s *search) finish(r *searchRun) string {
	if err := r.restore(s.t.Context()); err != nil {
		return err.Error()
	}
	return r.check(s.t.Context())
}

// pairsAfter runs operation i from the fixture and, if it succeeds, every
// operation after it, each from the state i left. It returns how many
// pairs succeeded.
func (s *search) pairsAfter(i int, deadline time.Time) int {
	t := s.t
	r := s.w.start(t, s.dir, s.w.fixture())
	ok, broke := s.step(r, i)
	if broke != "" {
		s.fail([]int{i}, broke)
	}
	if !ok {
		r.close(t)
		return 0
	}
	after := r.snapshot(t)
	defer os.Remove(after.file)
	if broke := s.checkFrom(after); broke != "" {
		s.fail([]int{i}, broke)
	}
	pairs := 0
	r = s.w.start(t, s.dir, after)
	for _, j := range s.rng.Perm(len(s.ops)) {
		if time.Now().After(deadline) {
			break
		}
		ok, broke := s.step(r, j)
		if broke == "" && ok {
			broke = s.finish(r)
		}
		if broke != "" {
			s.fail([]int{i, j}, broke)
		}
		if ok {
			pairs++
			r.close(t)
			r = s.w.start(t, s.dir, after)
		}
	}
	r.close(t)
	return pairs
}

// checkFrom finishes a copy of state.
func (s *search) checkFrom(state searchState) string {
	r := s.w.start(s.t, s.dir, state)
	defer r.close(s.t)
	return s.finish(r)
}

// walk runs a random sequence of n operations that succeed.
func (s *search) walk(n int) {
	r := s.w.start(s.t, s.dir, s.w.fixture())
	defer r.close(s.t)
	var done []int
	for tries := 0; len(done) < n && tries < 20*len(s.ops); tries++ {
		i := s.rng.IntN(len(s.ops))
		ok, broke := s.step(r, i)
		if ok {
			done = append(done, i)
		}
		if broke != "" {
			s.fail(done, broke)
		}
	}
	if broke := s.finish(r); broke != "" {
		s.fail(done, broke)
	}
}

// replay runs seq from the fixture and finishes it; it returns whether
// every operation succeeded, and why the run broke a rule.
func (s *search) replay(seq []int) (bool, string) {
	r := s.w.start(s.t, s.dir, s.w.fixture())
	defer r.close(s.t)
	for _, i := range seq {
		ok, broke := s.step(r, i)
		if broke != "" || !ok {
			return ok, broke
		}
	}
	return true, s.finish(r)
}

// fail shrinks seq to the shortest part of it that still breaks a rule,
// and fails the test with it.
func (s *search) fail(seq []int, broke string) {
	s.t.Helper()
	for i := 0; i < len(seq); {
		shorter := slices.Delete(slices.Clone(seq), i, i+1)
		if ok, why := s.replay(shorter); ok && why != "" {
			seq, broke = shorter, why
			continue
		}
		i++
	}
	names := make([]string, len(seq))
	for i, op := range seq {
		names[i] = s.ops[op].name
	}
	s.t.Fatalf("seed %d: after um's\n  %s\nand the administrator's restore: %s", s.seed, strings.Join(names, "\n  "), broke)
}
