package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The bad scenario sends, at the largest size, the filters a careless or
// hostile caller sends: a partial name of one character, a role every
// user holds, and 100 names in one filter. It reports what the server
// answers and how fast; a refusal (4xx) is an answer, not an error, but
// a 5xx or a broken connection is.

// badQueries are the bad scenario's filters of GET /v2/users.
func badQueries() []struct{ name, query string } {
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("u%06d", i*7)
	}
	return []struct{ name, query string }{
		{"partial username of one character", "usernames=u&matchPartialNames=true"},
		{"a role every user holds", "roles=COHESITY_VIEWER"},
		{"100 usernames in one filter", "usernames=" + strings.Join(names, ",")},
	}
}

// scenarioBad runs the bad filters on a store grown to size users, a few
// times each, and adds their median latency and the statuses seen.
func (b *bench) scenarioBad(size int) error {
	if err := b.growTo(size, false); err != nil {
		return fmt.Errorf("seed %d users: %w", size, err)
	}
	rounds := 3
	if b.quick {
		rounds = 1
	}
	for _, q := range badQueries() {
		var lat []time.Duration
		statuses := map[int]int{}
		errs, note := 0, ""
		for range rounds {
			code, took, err := b.status("/v2/users?" + q.query)
			statuses[code]++
			if err != nil || code >= 500 {
				errs++
				note = fmt.Sprintf("%d %v", code, err)
			}
			lat = append(lat, took)
		}
		d := median(lat)
		b.addSized(b.users, "bad: "+q.name, row{Value: ms(d), Unit: "ms p50", P50Ms: ms(d), P99Ms: ms(slices.Max(lat)), Errors: errs,
			Note: strings.TrimSpace(fmt.Sprintf("statuses %v %s", statuses, note))}, "", false)
	}
	return nil
}

// status GETs path as the admin and returns the status and the time to
// the whole answer; 0 when none came.
func (b *bench) status(path string) (int, time.Duration, error) {
	req, err := http.NewRequest("GET", b.admin.url+path, nil)
	if err != nil {
		return 0, 0, err
	}
	b.admin.setHeaders(req)
	t0 := time.Now()
	res, err := b.admin.c.Do(req)
	if err != nil {
		return 0, time.Since(t0), err
	}
	drain(res)
	return res.StatusCode, time.Since(t0), nil
}
