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
	// Load is the load generator of a throughput figure: go or wrk.
	Load string `json:"load,omitempty"`
	// Figure and Size place a size-dependent figure on the scaling
	// curve: the same Figure at each Size (users in the store).
	Figure string `json:"figure,omitempty"`
	Size   int    `json:"size,omitempty"`
}

// bench holds a run: its settings, the target and the figures so far.
type bench struct {
	bin, database, dir string
	conc               int
	dur                time.Duration
	quick              bool
	loads              []string   // load generators of the throughput figures: go, wrk
	wrk                *wrkRunner // when loads holds wrk
	seedDirect         bool       // write API keys through the store, the server stopped
	tgt                *target
	admin              api
	users              int      // LOCAL users seeded so far, named u000000...
	sids               []string // their sids, in order
	keys               int      // API keys seeded so far, one each for the first users
	analyzedAt         int      // users at the last ANALYZE (PostgreSQL)
	tenantUsers        int      // users of the tenant scenario
	tenants            int      // organizations they are spread over
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
// password pw, against the baseline serving the same bytes, with each
// load generator of the run. It adds, per generator, the baseline's row
// and one per credential kind, their names followed by suffix (and the
// generator's name, but for the Go client's).
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
	creds := []credential{{"apiKey", key}, {"Bearer", bearer}, {"session-id", sess}}
	for _, gen := range b.loads {
		if err := b.measureAuthWith(gen, base.url+path, b.tgt.url+path, creds, suffix); err != nil {
			return err
		}
	}
	return nil
}

// credential is a kind of credential and its header.
type credential struct {
	kind string
	h    [2]string
}

// measureAuthWith measures the baseline at baseURL and the target at url
// with each of creds, driven by the load generator gen.
func (b *bench) measureAuthWith(gen, baseURL, url string, creds []credential, suffix string) error {
	drive := func(u string, h [2]string) (stats, error) {
		if gen == "wrk" {
			return b.wrk.run(u, h, b.dur)
		}
		return load(b.conc, b.dur, getOK(newClient(b.conc), u, h)), nil
	}
	if gen != "go" {
		suffix += ", " + gen
	}
	// The baseline runs before and after, and counts as their mean, so
	// that drift in the machine's load weighs on both sides alike.
	before, err := drive(baseURL, [2]string{})
	if err != nil {
		return err
	}
	runs := make([]stats, len(creds))
	for i, k := range creds {
		if runs[i], err = drive(url, k.h); err != nil {
			return err
		}
	}
	after, err := drive(baseURL, [2]string{})
	if err != nil {
		return err
	}
	baseRate := (before.PerSec() + after.PerSec()) / 2
	b.add(row{Scenario: "baseline: bare net/http TLS, same bytes" + suffix, Value: baseRate, Unit: "req/s", Load: gen,
		P50Ms: ms(before.P50), P99Ms: ms(before.P99), Errors: before.Errors + after.Errors}, "", false)
	for i, st := range runs {
		ratio := st.PerSec() / baseRate
		b.add(row{Scenario: "GET /v2/users/{sid}, " + creds[i].kind + suffix, Value: st.PerSec(), Unit: "req/s", Load: gen,
			P50Ms: ms(st.P50), P99Ms: ms(st.P99), Baseline: baseRate, Ratio: ratio, Errors: st.Errors,
			Note: st.FirstErr}, "ratio >= 0.85", ratio >= 0.85)
	}
	return nil
}

// scenarioLogin measures log-ins against raw argon2id hashes at the same
// parameters, and the server's peak memory under 500 log-ins at once.
func (b *bench) scenarioLogin() error {
	const pw = "Bench-Login-Password-1"
	// One account per client, as a cluster's log-ins come from many
	// users: clients sharing one would queue on its row, which records
	// every log-in's reservation and outcome (lockout).
	names := []string{"bench-login"}
	for i := 1; i < b.conc; i++ {
		names = append(names, fmt.Sprintf("bench-login-%d", i))
	}
	if _, err := b.admin.createUsers(names, pw, "COHESITY_VIEWER"); err != nil {
		return err
	}
	n := runtime.NumCPU()
	h := auth.NewHasher(auth.DefaultParams(), n)
	hashes := load(n, b.dur, func(int) error { _, err := h.Hash(context.Background(), pw); return err })
	c := newClient(b.conc)
	logins := load(b.conc, b.dur, func(w int) error {
		_, err := accessToken(c, b.tgt.url, names[w], pw)
		return err
	})
	ratio := logins.PerSec() / hashes.PerSec()
	b.add(row{Scenario: fmt.Sprintf("raw argon2id hashes in-process (%d at once)", n), Value: hashes.PerSec(),
		Unit: "hashes/s", P50Ms: ms(hashes.P50), P99Ms: ms(hashes.P99)}, "", false)
	b.add(row{Scenario: "POST /v2/access-tokens", Value: logins.PerSec(), Unit: "logins/s", P50Ms: ms(logins.P50),
		P99Ms: ms(logins.P99), Baseline: hashes.PerSec(), Ratio: ratio, Errors: logins.Errors, Note: logins.FirstErr},
		"ratio >= 0.9", ratio >= 0.9)

	// 500 at once, each as an account of its own: on one account, the
	// lockout's reservations would refuse most at once (429), and the
	// figure would not be of 500 hashes.
	const burst = 500
	burstNames := make([]string, burst)
	for i := range burstNames {
		burstNames[i] = fmt.Sprintf("bench-burst-%d", i)
	}
	if _, err := b.admin.createUsers(burstNames, pw, "COHESITY_VIEWER"); err != nil {
		return err
	}
	bc := newClient(burst)
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, name := range burstNames {
		wg.Go(func() {
			<-start
			res, err := bc.Post(b.tgt.url+"/v2/access-tokens", "application/json",
				strings.NewReader(`{"username":"`+name+`","password":"`+pw+`","domain":"LOCAL"}`))
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

func ifStr(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}
