package main

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// stats summarises one measured run.
type stats struct {
	N        int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	FirstErr string
}

// PerSec is the rate of successful operations.
func (s stats) PerSec() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.N) / s.Elapsed.Seconds()
}

// load runs op from conc goroutines, each with its own index, for d after
// a warm-up of d/5, and measures each call. op reports failure with an
// error. A nil-returning op counts as one operation.
func load(conc int, d time.Duration, op func(worker int) error) stats {
	warm := d / 5
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+d)
	var mu sync.Mutex
	var all []time.Duration
	var errs int
	var firstErr string
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			var lat []time.Duration
			var bad int
			var first string
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				err := op(w)
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					bad++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += bad
			if firstErr == "" {
				firstErr = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	return summarise(all, errs, elapsed, firstErr)
}

// times runs op n times, one after the other, and measures each call.
func times(n int, op func() error) stats {
	var lat []time.Duration
	errs, first := 0, ""
	start := time.Now()
	for range n {
		t0 := time.Now()
		if err := op(); err != nil {
			errs++
			if first == "" {
				first = err.Error()
			}
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	return summarise(lat, errs, time.Since(start), first)
}

func summarise(lat []time.Duration, errs int, elapsed time.Duration, firstErr string) stats {
	s := stats{N: len(lat), Errors: errs, Elapsed: elapsed, FirstErr: firstErr}
	if len(lat) == 0 {
		return s
	}
	slices.Sort(lat)
	s.P50 = lat[len(lat)/2]
	s.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	return s
}

// getOK is an op that GETs url with header h and wants 200.
func getOK(c *http.Client, url string, h [2]string) func(int) error {
	return func(int) error {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return err
		}
		if h[0] != "" {
			req.Header.Set(h[0], h[1])
		}
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		drain(res)
		if res.StatusCode != 200 {
			return fmt.Errorf("GET %s: %d", url, res.StatusCode)
		}
		return nil
	}
}
