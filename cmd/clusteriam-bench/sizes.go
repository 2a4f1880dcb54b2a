package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The size-dependent scenarios run at each size of --sizes, in ascending
// order, on one store grown from one size to the next: the scaling curve.
var sizeScenarios = []string{"list", "create", "scale"}

// parseSizes reads --sizes: counts of users such as 10k,100k,1M (k and M
// are 1,000 and 1,000,000), strictly ascending.
func parseSizes(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1_000, f[:len(f)-1]
		case strings.HasSuffix(f, "M"), strings.HasSuffix(f, "m"):
			mult, f = 1_000_000, f[:len(f)-1]
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--sizes: %q is not a count of users such as 10k, 100k or 1M", f)
		}
		if len(out) > 0 && n*mult <= out[len(out)-1] {
			return nil, fmt.Errorf("--sizes must ascend: %s", s)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// sizeName writes n as --sizes takes it: 10k, 1M, 1500.
func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return strconv.Itoa(n)
}

// runSizes grows the store through each size and measures the chosen
// size-dependent scenarios there. A failed seeding ends the curve.
func (b *bench) runSizes(chosen []string, sizes []int) []error {
	var errs []error
	for i, n := range sizes {
		fmt.Fprintf(os.Stderr, "clusteriam-bench: %s users...\n", sizeName(n))
		if err := b.growTo(n, slices.Contains(chosen, "create")); err != nil {
			return append(errs, fmt.Errorf("seed %d users: %w", n, err))
		}
		if i == 0 && slices.Contains(chosen, "create") {
			errs = append(errs, b.measureCreatePasswords())
		}
		if slices.Contains(chosen, "list") {
			errs = append(errs, b.measureLists(n), b.measureWholeList(n))
		}
		if slices.Contains(chosen, "scale") {
			if err := b.seedKeys(n); err != nil {
				return append(errs, fmt.Errorf("seed %d API keys: %w", n, err))
			}
			errs = append(errs, b.measureRest(n))
		}
	}
	return errs
}

// addSized adds a figure of the scaling curve: name at size n.
func (b *bench) addSized(n int, figure string, r row, target string, met bool) {
	r.Figure, r.Size = figure, n
	r.Scenario = fmt.Sprintf("%s, at %s users", figure, sizeName(n))
	b.add(r, target, met)
}

// measureLists measures filtered GET /v2/users at n users: one sid, one
// exact name, one e-mail, a partial name matching 10 users, and a role
// held by 1%.
func (b *bench) measureLists(n int) error {
	var one struct{ Users []struct{ SID string } }
	if err := b.admin.call("GET", "/v2/users?usernames=u000042", nil, 200, &one); err != nil || len(one.Users) != 1 {
		return fmt.Errorf("find u000042: %v", err)
	}
	rounds := 50
	if b.quick {
		rounds = 20
	}
	for _, f := range []struct {
		name, query, target string
		limitMs             float64
	}{
		{"one sid", "sids=" + one.Users[0].SID, "p50 < 2 ms", 2},
		{"exact username", "usernames=u000042", "p50 < 2 ms", 2},
		{"e-mail", "emailAddresses=" + benchEmail("u000042"), "p50 < 2 ms", 2},
		{"partial username (10 matches)", "usernames=u00004&matchPartialNames=true", "p50 < 5 ms", 5},
		{"role held by 1%", "roles=bench-rare", "p50 < 100 ms", 100},
	} {
		st := times(rounds, func() error { _, err := b.admin.get("/v2/users?" + f.query); return err })
		b.addSized(n, "GET /v2/users, "+f.name, row{Value: ms(st.P50), Unit: "ms p50", P50Ms: ms(st.P50),
			P99Ms: ms(st.P99), Errors: st.Errors, Note: st.FirstErr}, f.target, ms(st.P50) < f.limitMs)
	}
	return nil
}
