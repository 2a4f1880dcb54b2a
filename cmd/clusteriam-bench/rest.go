package main

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"time"
)

// The whole list, memory at rest and cold start at each size.

// rssSampler reads a process's VmRSS every period until stopped and keeps
// the largest.
type rssSampler struct {
	stop chan struct{}
	done chan int64
}

// sampleRSS starts sampling the resident set of process pid.
func sampleRSS(pid int, period time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan int64, 1)}
	go func() {
		var peak int64
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			if rss, _ := memoryOf(pid); rss > peak {
				peak = rss
			}
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// peak stops the sampler and returns the largest resident set it saw.
func (s *rssSampler) peak() int64 {
	close(s.stop)
	return <-s.done
}

// wholeList is one GET /v2/users of every user.
type wholeList struct {
	firstByte, total time.Duration
	bytes            int64
	growth           int64 // largest VmRSS during the call less VmRSS before it
}

// getWholeList GETs every user with the admin's credential, timing the
// first byte of the answer, and samples the server's RSS every 5 ms.
func (b *bench) getWholeList() (wholeList, error) {
	pid := b.tgt.serverPID()
	before, _ := memoryOf(pid)
	req, err := http.NewRequest("GET", b.admin.url+"/v2/users", nil)
	if err != nil {
		return wholeList{}, err
	}
	b.admin.setHeaders(req)
	var w wholeList
	var t0 time.Time
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotFirstResponseByte: func() { w.firstByte = time.Since(t0) },
	}))
	s := sampleRSS(pid, 5*time.Millisecond)
	t0 = time.Now()
	res, err := b.admin.c.Do(req)
	if err == nil {
		w.bytes, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != 200 {
			err = fmt.Errorf("GET /v2/users: %d", res.StatusCode)
		}
	}
	w.total = time.Since(t0)
	w.growth = max(0, s.peak()-before)
	return w, err
}

// measureWholeList measures GET /v2/users of all n users (and the few the
// other scenarios made): first byte, total time, and the server's RSS
// growth during it and its peak so far (VmHWM). Its "p99" is the slowest
// of the few rounds.
func (b *bench) measureWholeList(n int) error {
	rounds := 3
	if b.quick {
		rounds = 2
	}
	var first, total []time.Duration
	var growth, bytes int64
	errs, note := 0, ""
	for range rounds {
		w, err := b.getWholeList()
		if err != nil {
			errs, note = errs+1, err.Error()
			continue
		}
		first, total = append(first, w.firstByte), append(total, w.total)
		growth, bytes = max(growth, w.growth), w.bytes
	}
	if len(first) == 0 {
		return fmt.Errorf("GET /v2/users at %d users: %s", n, note)
	}
	f, t := median(first), median(total)
	fMax, tMax := slices.Max(first), slices.Max(total)
	const fig = "GET /v2/users, all users"
	b.addSized(n, fig+": first byte", row{Value: ms(f), Unit: "ms p50", P50Ms: ms(f), P99Ms: ms(fMax), Errors: errs, Note: note},
		"< 100 ms", f < 100*time.Millisecond)
	b.addSized(n, fig+": total", row{Value: ms(t), Unit: "ms p50", P50Ms: ms(t), P99Ms: ms(tMax), Errors: errs,
		Note: fmt.Sprintf("%.1f MB of JSON", float64(bytes)/(1<<20))}, "", false)
	mb := float64(growth) / (1 << 20)
	b.addSized(n, fig+": server RSS growth", row{Value: mb, Unit: "MB"}, "< 50 MB", mb < 50)
	_, hwm := b.tgt.memory()
	b.addSized(n, fig+": server VmHWM after it", row{Value: float64(hwm) / (1 << 20), Unit: "MB"}, "", false)
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// measureRest restarts the server on the store of n users and n keys a
// few times and takes the median time from exec to /healthz 200, then
// warms it with reads and takes its RSS at rest.
func (b *bench) measureRest(n int) error {
	var starts []time.Duration
	for range 3 {
		b.tgt.stop()
		took, err := b.restartTimed()
		if err != nil {
			return fmt.Errorf("restart at %d users: %w", n, err)
		}
		starts = append(starts, took)
	}
	note := fmt.Sprintf("median of %v", starts)
	if b.bin == "" {
		note = "under go run: includes the build; give --bin for the server's own figure"
	}
	cold := median(starts)
	b.addSized(n, "cold start (exec to /healthz 200)", row{Value: ms(cold), Unit: "ms", Note: note},
		"< 100 ms", cold < 100*time.Millisecond)
	errs, first := b.warmUp()
	rss, _ := b.tgt.memory()
	mb := float64(rss) / (1 << 20)
	b.addSized(n, "server RSS at rest, as many API keys as users, after a restart and warm-up",
		row{Value: mb, Unit: "MB", Errors: errs, Note: first}, "< 300 MB", mb < 300)
	return nil
}

// warmUp reads what a working server reads: users by sid, from several
// clients, and a filtered list. It returns the failures and the first.
func (b *bench) warmUp() (int, string) {
	var mu sync.Mutex
	errs, first := 0, ""
	var wg sync.WaitGroup
	reads := min(len(b.sids), 2000) // spread over the whole store
	for w := range b.conc {
		wg.Go(func() {
			for i := w; i < reads; i += b.conc {
				if _, err := b.admin.get("/v2/users/" + b.sids[i*len(b.sids)/reads]); err != nil {
					mu.Lock()
					errs++
					first = cmp.Or(first, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if _, err := b.admin.get("/v2/users?roles=bench-rare"); err != nil {
		errs++
		first = cmp.Or(first, err.Error())
	}
	return errs, first
}

// memory returns the server's resident set and its peak, in bytes.
func (t *target) memory() (rss, peak int64) { return memoryOf(t.serverPID()) }
