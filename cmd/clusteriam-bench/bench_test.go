package main

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(101-i)*time.Millisecond) // unsorted
	}
	s := summarise(lat, 3, 2*time.Second, "boom")
	if s.N != 100 || s.Errors != 3 || s.P50 != 51*time.Millisecond || s.P99 != 100*time.Millisecond || s.PerSec() != 50 {
		t.Errorf("summarise = %+v, %v/s", s, s.PerSec())
	}
	if z := summarise(nil, 0, 0, ""); z.PerSec() != 0 || z.P50 != 0 {
		t.Errorf("empty summary = %+v", z)
	}
}

// TestLoad: operations after the warm-up are counted, failures apart.
func TestLoad(t *testing.T) {
	var calls atomic.Int64
	s := load(3, 200*time.Millisecond, func(w int) error {
		if calls.Add(1)%10 == 0 {
			return errors.New("every tenth fails")
		}
		time.Sleep(time.Millisecond)
		return nil
	})
	if s.N == 0 || s.Errors == 0 || s.FirstErr != "every tenth fails" || int64(s.N+s.Errors) > calls.Load() {
		t.Errorf("load = %+v after %d calls", s, calls.Load())
	}
	if s.Elapsed < 200*time.Millisecond || s.Elapsed > time.Second {
		t.Errorf("measured for %v, want about 200ms", s.Elapsed)
	}
}

func TestPrintTable(t *testing.T) {
	met := false
	var b bytes.Buffer
	printTable(&b, []row{{Scenario: "GET x", Value: 1234.5, Unit: "req/s", P50Ms: 0.07, P99Ms: 0.5, Ratio: 0.42,
		Target: "ratio >= 0.6", Met: &met, Note: "a note"}})
	out := b.String()
	for _, want := range []string{"GET x", "1234.5", "0.42", "ratio >= 0.6", "NO", "GET x: a note"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRunRejectsUnknownScenario(t *testing.T) {
	if err := run([]string{"--scenarios", "auth,nope"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("run with an unknown scenario: %v", err)
	}
}
