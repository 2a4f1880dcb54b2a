package loginlimit

import (
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time            { return c.t }
func (c *fakeClock) advance(d time.Duration)   { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock                 { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func frozenClock() func() time.Time            { return newFakeClock().now }
func (c *fakeClock) limiter(a, u int) *Limiter { return New(a, u, c.now) }

// TestLimiterReserve walks one limiter of 3 failures a minute per address
// and 2 per (address, account) through a sequence of attempts: each takes
// from both buckets, either empty bucket refuses (taking nothing) with the
// wait until it holds a token, success gives the tokens back, and time
// refills them.
func TestLimiterReserve(t *testing.T) {
	clk := newFakeClock()
	ll := clk.limiter(3, 2)
	steps := []struct {
		advance    time.Duration
		addr, acct string
		ok         bool          // the outcome of the check, if allowed
		wantWait   time.Duration // 0: allowed
	}{
		{addr: "A", acct: "x"},
		{addr: "A", acct: "x"},
		{addr: "A", acct: "x", wantWait: 30 * time.Second}, // (A, x) empty; 2 a minute is one per 30 s
		{addr: "B", acct: "x"},                             // another address is clean
		{addr: "A", acct: "y", ok: true},                   // success: A's third token comes back
		{addr: "A", acct: "y"},                             // A's last token
		{addr: "A", acct: "z", wantWait: 20 * time.Second}, // A empty; 3 a minute is one per 20 s
		{advance: 19 * time.Second, addr: "A", acct: "z", wantWait: time.Second},
		{advance: time.Second, addr: "A", acct: "z"},
		{addr: "A", acct: "x", wantWait: 20 * time.Second}, // both empty: the longer wait
		{advance: 20 * time.Second, addr: "A", acct: "x"},  // 40 s: one of (A, x)'s 2 back
	}
	for i, s := range steps {
		clk.advance(s.advance)
		release, wait, allowed := ll.Reserve(s.addr, s.acct)
		if wait = wait.Round(time.Millisecond); allowed != (s.wantWait == 0) || wait != s.wantWait {
			t.Fatalf("step %d (%s, %s): allowed %v, wait %v; want wait %v", i, s.addr, s.acct, allowed, wait, s.wantWait)
		}
		if allowed {
			release(s.ok)
			release(s.ok) // a second call gives nothing more
		}
	}
}

// TestLimiterSuccessLeavesNothing: a successful check gives its tokens
// back, and its full buckets are dropped; a negative limit is no limit;
// a limiter of no limits is nil and allows everything.
func TestLimiterSuccessLeavesNothing(t *testing.T) {
	clk := newFakeClock()
	ll := clk.limiter(5, 2)
	for range 100 {
		release, _, ok := ll.Reserve("A", "x")
		if !ok {
			t.Fatal("a run of successes was refused")
		}
		release(true)
	}
	if n := ll.buckets.len(); n != 0 {
		t.Errorf("%d buckets left after successes only, want 0", n)
	}
	onlyAccount := clk.limiter(-1, 2)
	for i := range 5 {
		_, _, ok := onlyAccount.Reserve("A", fmt.Sprint("u", i))
		if !ok {
			t.Fatalf("with no per-address limit, a fifth account from one address was refused")
		}
	}
	if clk.limiter(-1, -1) != nil {
		t.Fatal("a limiter of no limits is not nil")
	}
	var none *Limiter
	for range 100 {
		if _, _, ok := none.Reserve("A", "x"); !ok {
			t.Fatal("the nil limiter refused")
		}
	}
}

// TestLimiterBounded: one failed check from each of 10^6 addresses never
// grows the limiter past maxLimiterEntries; the most recent stay, the
// least recently used went. Under -race, where it would take half a
// minute, 2 × maxLimiterEntries addresses fill the cap four times over.
func TestLimiterBounded(t *testing.T) {
	n := 1_000_000
	if raceDetector {
		n = 2 * maxLimiterEntries
	}
	clk := newFakeClock()
	ll := clk.limiter(DefaultFailedLoginsPerMinute, DefaultFailedLoginsPerAccountPerMinute)
	addr := func(i int) string { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String() }
	for i := range n {
		release, _, ok := ll.Reserve(addr(i), `local\admin`)
		if !ok {
			t.Fatalf("address %d: refused its first attempt", i)
		}
		release(false)
		if got := ll.buckets.len(); got > maxLimiterEntries {
			t.Fatalf("after %d addresses: %d entries, cap %d", i+1, got, maxLimiterEntries)
		}
	}
	if ll.buckets.peek(ll.key('a', addr(n-1), "")) == nil || ll.buckets.peek(ll.key('a', addr(0), "")) != nil {
		t.Error("the newest address should be kept and the oldest evicted")
	}
}

// BenchmarkLimiterMemory fills a limiter to its cap and reports the heap
// it holds per entry (bytes/entry) and the cost of a reservation.
func BenchmarkLimiterMemory(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ll := newFakeClock().limiter(DefaultFailedLoginsPerMinute, DefaultFailedLoginsPerAccountPerMinute)
	for i := range maxLimiterEntries {
		release, _, _ := ll.Reserve(strconv.Itoa(i), "")
		release(false)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	entries := ll.buckets.len()
	perEntry := float64(after.HeapAlloc-before.HeapAlloc) / float64(entries)
	for i := 0; b.Loop(); i++ {
		release, _, _ := ll.Reserve(strconv.Itoa(i), `local\admin`)
		release(false)
	}
	b.ReportMetric(perEntry, "bytes/entry")
	b.ReportMetric(float64(entries), "entries")
}

func TestLimitedAddr(t *testing.T) {
	for in, want := range map[string]string{
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::":       "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"203.0.113.7":          "203.0.113.7",
		"@":                    "@", // not an address (a Unix socket): as it is
		"":                     "",
	} {
		if got := LimitedAddr(in); got != want {
			t.Errorf("LimitedAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
