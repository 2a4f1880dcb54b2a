package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
)

// row is one figure of the report.
type row struct {
	Scenario string  `json:"scenario"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	P50Ms    float64 `json:"p50Ms,omitempty"`
	P99Ms    float64 `json:"p99Ms,omitempty"`
	Baseline float64 `json:"baseline,omitempty"` // the ceiling, in the same unit
	Ratio    float64 `json:"ratio,omitempty"`    // Value / Baseline
	Target   string  `json:"target,omitempty"`
	Met      *bool   `json:"met,omitempty"`
	Errors   int     `json:"errors"`
	Note     string  `json:"note,omitempty"`
}

// bench holds a run: its settings, the target and the figures so far.
type bench struct {
	bin, database, dir string
	conc               int
	dur                time.Duration
	quick              bool
	tgt                *target
	admin              api
	users              int // LOCAL users seeded so far, named u000000...
	tenantUsers        int // users of the tenant scenario
	tenants            int // organizations they are spread over
	rows               []row
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (b *bench) add(r row, target string, met bool) {
	if target != "" {
		r.Target, r.Met = target, &met
	}
	b.rows = append(b.rows, r)
}

// scenarioAuth measures GET /v2/users/{sid} with each credential kind
// against the baseline serving the same bytes.
func (b *bench) scenarioAuth() error {
	sids, err := b.admin.createUsers([]string{"bench-target"}, "Bench-Target-Password-1", "COHESITY_VIEWER")
	if err != nil {
		return err
	}
	return b.measureAuth(sids[0], "bench-target", "Bench-Target-Password-1", "")
}

// measureAuth measures GET /v2/users/{sid}, the user reading itself, with
// an API key and with the Bearer and session-id of a log-in as login with
// password pw, against the baseline serving the same bytes. It adds the
// baseline's row and one per credential kind, their names followed by
// suffix.
func (b *bench) measureAuth(sid, login, pw, suffix string) error {
	path := "/v2/users/" + sid
	key, err := b.admin.createKey(sid, "bench")
	if err != nil {
		return err
	}
	c := newClient(b.conc)
	bearer, err := accessToken(c, b.tgt.url, login, pw)
	if err != nil {
		return err
	}
	sess, err := sessionID(c, b.tgt.url, login, pw)
	if err != nil {
		return err
	}
	body, err := api{c: c, url: b.tgt.url, h: key}.get(path)
	if err != nil {
		return err
	}
	base, err := startBaseline(b.dir, body)
	if err != nil {
		return err
	}
	defer base.stop()
	measureBase := func() stats { return load(b.conc, b.dur, getOK(newClient(b.conc), base.url+path, [2]string{})) }
	// The baseline runs before and after, and counts as their mean, so
	// that drift in the machine's load weighs on both sides alike.
	before := measureBase()
	var runs []struct {
		kind string
		st   stats
	}
	for _, k := range []struct {
		kind string
		h    [2]string
	}{{"apiKey", key}, {"Bearer", bearer}, {"session-id", sess}} {
		st := load(b.conc, b.dur, getOK(newClient(b.conc), b.tgt.url+path, k.h))
		runs = append(runs, struct {
			kind string
			st   stats
		}{k.kind, st})
	}
	after := measureBase()
	baseRate := (before.PerSec() + after.PerSec()) / 2
	b.add(row{Scenario: "baseline: bare net/http TLS, same bytes" + suffix, Value: baseRate, Unit: "req/s",
		P50Ms: ms(before.P50), P99Ms: ms(before.P99), Errors: before.Errors + after.Errors}, "", false)
	for _, r := range runs {
		ratio := r.st.PerSec() / baseRate
		b.add(row{Scenario: "GET /v2/users/{sid}, " + r.kind + suffix, Value: r.st.PerSec(), Unit: "req/s",
			P50Ms: ms(r.st.P50), P99Ms: ms(r.st.P99), Baseline: baseRate, Ratio: ratio, Errors: r.st.Errors,
			Note: r.st.FirstErr}, "ratio >= 0.6", ratio >= 0.6)
	}
	return nil
}

// scenarioLogin measures log-ins against raw argon2id hashes at the same
// parameters, and the server's peak memory under 500 log-ins at once.
func (b *bench) scenarioLogin() error {
	const pw = "Bench-Login-Password-1"
	if _, err := b.admin.createUsers([]string{"bench-login"}, pw, "COHESITY_VIEWER"); err != nil {
		return err
	}
	n := runtime.NumCPU()
	h := auth.NewHasher(auth.DefaultParams(), n)
	hashes := load(n, b.dur, func(int) error { _, err := h.Hash(context.Background(), pw); return err })
	c := newClient(b.conc)
	logins := load(b.conc, b.dur, func(int) error {
		_, err := accessToken(c, b.tgt.url, "bench-login", pw)
		return err
	})
	ratio := logins.PerSec() / hashes.PerSec()
	b.add(row{Scenario: fmt.Sprintf("raw argon2id hashes in-process (%d at once)", n), Value: hashes.PerSec(),
		Unit: "hashes/s", P50Ms: ms(hashes.P50), P99Ms: ms(hashes.P99)}, "", false)
	b.add(row{Scenario: "POST /v2/access-tokens", Value: logins.PerSec(), Unit: "logins/s", P50Ms: ms(logins.P50),
		P99Ms: ms(logins.P99), Baseline: hashes.PerSec(), Ratio: ratio, Errors: logins.Errors, Note: logins.FirstErr},
		"ratio >= 0.9", ratio >= 0.9)

	// 500 at once.
	const burst = 500
	bc := newClient(burst)
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range burst {
		wg.Go(func() {
			<-start
			res, err := bc.Post(b.tgt.url+"/v2/access-tokens", "application/json",
				strings.NewReader(`{"username":"bench-login","password":"`+pw+`","domain":"LOCAL"}`))
			code := 0
			if err == nil {
				code = res.StatusCode
				drain(res)
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(t0)
	_, peak := b.tgt.memory()
	mb := float64(peak) / (1 << 20)
	b.add(row{Scenario: fmt.Sprintf("peak server RSS, %d log-ins at once", burst), Value: mb, Unit: "MB",
		Errors: burst - codes[201] - codes[429], Note: fmt.Sprintf("answers %v in %v", codes, took.Round(time.Millisecond))},
		"< 300 MB", mb < 300)
	return nil
}

// seedUsers brings the LOCAL users up to n, 1,000 per request, without
// passwords; one in a hundred holds the role bench-rare.
func (b *bench) seedUsers(n int) error {
	if b.users == 0 {
		err := b.admin.call("POST", "/v2/roles", map[string]any{"name": "bench-rare", "privileges": []string{"PRINCIPAL_VIEW"}}, 201, nil)
		if err != nil {
			return err
		}
	}
	for b.users < n {
		var plain, rare []string
		for i := b.users; i < min(n, b.users+1000); i++ {
			if i%100 == 0 {
				rare = append(rare, fmt.Sprintf("u%06d", i))
			} else {
				plain = append(plain, fmt.Sprintf("u%06d", i))
			}
		}
		if _, err := b.admin.createUsers(plain, "", "COHESITY_VIEWER"); err != nil {
			return err
		}
		if _, err := b.admin.createUsers(rare, "", "bench-rare"); err != nil {
			return err
		}
		b.users += len(plain) + len(rare)
	}
	return nil
}

// scenarioList measures GET /v2/users at size users: all of them, and
// filtered four ways.
func (b *bench) scenarioList(size int) error {
	if err := b.seedUsers(size); err != nil {
		return err
	}
	var one struct{ Users []struct{ SID string } }
	if err := b.admin.call("GET", "/v2/users?usernames=u000042", nil, 200, &one); err != nil || len(one.Users) != 1 {
		return fmt.Errorf("find u000042: %v", err)
	}
	rounds := 5
	if b.quick {
		rounds = 2
	}
	all := times(rounds, func() error { _, err := b.admin.get("/v2/users"); return err })
	target := size >= 100_000
	b.add(row{Scenario: fmt.Sprintf("GET /v2/users, all %d", size), Value: ms(all.P50), Unit: "ms p50",
		P50Ms: ms(all.P50), P99Ms: ms(all.P99), Errors: all.Errors, Note: all.FirstErr}, ifStr(target, "< 1500 ms"), ms(all.P50) < 1500)
	for _, f := range []struct{ name, query string }{
		{"one sid", "sids=" + one.Users[0].SID},
		{"exact username", "usernames=u000042"},
		{"partial username", "usernames=u00004&matchPartialNames=true"},
		{"role held by 1%", "roles=bench-rare"},
	} {
		st := times(50, func() error { _, err := b.admin.get("/v2/users?" + f.query); return err })
		b.add(row{Scenario: fmt.Sprintf("GET /v2/users at %d, %s", size, f.name), Value: ms(st.P50), Unit: "ms p50",
			P50Ms: ms(st.P50), P99Ms: ms(st.P99), Errors: st.Errors, Note: st.FirstErr}, ifStr(target, "p50 < 5 ms"), ms(st.P50) < 5)
	}
	return nil
}

func ifStr(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// scenarioCreate measures create_users at 1,000 per request, without and
// with passwords.
func (b *bench) scenarioCreate() error {
	reqs, withPW := 5, 1000
	if b.quick {
		reqs, withPW = 2, 50
	}
	batch := 0
	names := func(n int) []string {
		batch++
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("c%d-%d", batch, i)
		}
		return out
	}
	var errs int
	t0 := time.Now()
	for range reqs {
		if _, err := b.admin.createUsers(names(1000), "", "COHESITY_VIEWER"); err != nil {
			errs++
		}
	}
	rate := float64(1000*reqs) / time.Since(t0).Seconds()
	b.add(row{Scenario: "create_users, 1,000 per request, no passwords", Value: rate, Unit: "users/s", Errors: errs},
		">= 5000 users/s", rate >= 5000)
	t0 = time.Now()
	errs = 0
	if _, err := b.admin.createUsers(names(withPW), "Bench-Many-Password-1", "COHESITY_VIEWER"); err != nil {
		errs++
	}
	rate = float64(withPW) / time.Since(t0).Seconds()
	b.add(row{Scenario: fmt.Sprintf("create_users, %d per request, with passwords", withPW), Value: rate, Unit: "users/s", Errors: errs}, "", false)
	return nil
}

// scenarioScale seeds size users and as many API keys, then measures the
// server's memory and its cold start on that store.
func (b *bench) scenarioScale(size int) error {
	if err := b.seedUsers(size); err != nil {
		return err
	}
	var list struct{ Users []struct{ SID string } }
	if err := b.admin.call("GET", "/v2/users", nil, 200, &list); err != nil {
		return err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	keyErrs := 0
	next := 0
	for range b.conc {
		wg.Go(func() {
			a := api{c: b.admin.c, url: b.admin.url, h: b.admin.h}
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= size || i >= len(list.Users) {
					return
				}
				if _, err := a.createKey(list.Users[i].SID, "k"); err != nil {
					mu.Lock()
					keyErrs++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	runtime.GC()
	rss, _ := b.tgt.memory()
	mb := float64(rss) / (1 << 20)
	b.add(row{Scenario: fmt.Sprintf("server RSS with %d users and %d API keys", size, size), Value: mb, Unit: "MB",
		Errors: keyErrs}, ifStr(size >= 100_000, "< 250 MB"), mb < 250)
	b.tgt.stop()
	took, err := b.tgt.start(b.bin)
	if err != nil {
		return err
	}
	b.admin.url = b.tgt.url // a new port; the scenarios after this one call it there
	note := ""
	if b.bin == "" {
		note = "under go run: includes the build; give --bin for the server's own figure"
	}
	b.add(row{Scenario: "cold start on that store (exec to /healthz 200)", Value: ms(took), Unit: "ms", Note: note},
		ifStr(size >= 100_000, "< 500 ms"), took < 500*time.Millisecond)
	return nil
}
