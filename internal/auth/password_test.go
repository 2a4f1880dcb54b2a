package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// testParams are cheap parameters so tests stay fast under -race.
var testParams = Params{MemoryKiB: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)

func TestDefaultParams(t *testing.T) {
	want := Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	if got := DefaultParams(); got != want {
		t.Fatalf("DefaultParams() = %+v, want %+v", got, want)
	}
	h := NewHasher(DefaultParams(), 1)
	if got := h.Params(); got != want {
		t.Fatalf("Params() = %+v, want %+v", got, want)
	}
	enc, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") || !phcRE.MatchString(enc) {
		t.Fatalf("encoded %q is not the expected PHC form", enc)
	}
	// 16-byte salt and 32-byte hash in unpadded base64: 22 and 43 chars.
	parts := strings.Split(enc, "$")
	if len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("salt/hash field lengths %d/%d, want 22/43", len(parts[4]), len(parts[5]))
	}
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(testParams, 2)
	tests := []struct {
		name, password, wrong string
	}{
		{"ascii", "correct horse battery staple", "correct horse battery stapl"},
		{"empty", "", " "},
		{"unicode", "pässwörd-🔑", "passwort-🔑"},
		{"long", strings.Repeat("x", 4096), strings.Repeat("x", 4095)},
		{"case", "Secret", "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := h.Hash(ctx, tt.password)
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			if !phcRE.MatchString(enc) {
				t.Fatalf("Hash = %q, not PHC argon2id", enc)
			}
			ok, err := h.Verify(ctx, enc, tt.password)
			if err != nil || !ok {
				t.Fatalf("Verify(right) = %v, %v; want true, nil", ok, err)
			}
			ok, err = h.Verify(ctx, enc, tt.wrong)
			if err != nil || ok {
				t.Fatalf("Verify(wrong) = %v, %v; want false, nil", ok, err)
			}
			enc2, err := h.Hash(ctx, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if enc2 == enc {
				t.Fatal("two hashes of the same password are equal; salt not random")
			}
		})
	}
}

func TestVerifyParsesParams(t *testing.T) {
	ctx := context.Background()
	verifier := NewHasher(DefaultParams(), 1) // params differ from every case
	tests := []struct {
		name string
		p    Params
		want string
	}{
		{"small", Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16}, "m=64,t=1,p=1"},
		{"threads", Params{MemoryKiB: 512, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}, "m=512,t=3,p=4"},
		{"long key", Params{MemoryKiB: 128, Time: 2, Threads: 2, SaltLen: 32, KeyLen: 64}, "m=128,t=2,p=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := NewHasher(tt.p, 1).Hash(ctx, "pw")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(enc, "$"+tt.want+"$") {
				t.Fatalf("encoded %q lacks %q", enc, tt.want)
			}
			p, _, salt, key, err := decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if p != tt.p || len(salt) != int(tt.p.SaltLen) || len(key) != int(tt.p.KeyLen) {
				t.Fatalf("decode = %+v (salt %d, key %d), want %+v", p, len(salt), len(key), tt.p)
			}
			if ok, err := verifier.Verify(ctx, enc, "pw"); err != nil || !ok {
				t.Fatalf("Verify with other hasher params = %v, %v; want true, nil", ok, err)
			}
			if ok, err := verifier.Verify(ctx, enc, "PW"); err != nil || ok {
				t.Fatalf("Verify(wrong) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

// TestVerifyKnownVector checks interoperability: a hash built directly with
// argon2.IDKey and encoded by hand verifies.
func TestVerifyKnownVector(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("password"), salt, 1, 64, 1, 32)
	enc := "$argon2id$v=19$m=64,t=1,p=1$" + b64().EncodeToString(salt) + "$" + b64().EncodeToString(key)
	ok, err := NewHasher(testParams, 1).Verify(context.Background(), enc, "password")
	if err != nil || !ok {
		t.Fatalf("Verify = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt = "MDEyMzQ1Njc4OWFiY2RlZg"                     // 16 bytes
	const key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" // 32 bytes
	const params = "m=64,t=1,p=1"
	ok := "$argon2id$v=19$" + params + "$" + salt + "$" + key
	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"plain text", "hunter2"},
		{"only dollars", "$$$$$"},
		{"too few fields", "$argon2id$v=19$" + params + "$" + salt},
		{"too many fields", ok + "$x"},
		{"trailing dollar", ok + "$"},
		{"leading garbage", "x" + ok},
		{"argon2i", "$argon2i$v=19$" + params + "$" + salt + "$" + key},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"version 16", "$argon2id$v=16$" + params + "$" + salt + "$" + key},
		{"no version", "$argon2id$" + params + "$" + salt + "$" + key},
		{"params reordered", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"params missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"params extra", "$argon2id$v=19$m=64,t=1,p=1,x=1$" + salt + "$" + key},
		{"param not number", "$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key},
		{"param negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"param plus sign", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key},
		{"param leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"param empty", "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key},
		{"m overflows uint32", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key},
		{"m too large", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"m below 8p", "$argon2id$v=19$m=8,t=1,p=2$" + salt + "$" + key},
		{"t zero", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"t too large", "$argon2id$v=19$m=64,t=1000000,p=1$" + salt + "$" + key},
		{"p zero", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"p overflows uint8", "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key},
		{"salt empty", "$argon2id$v=19$" + params + "$$" + key},
		{"salt too short", "$argon2id$v=19$" + params + "$MDEyMzQ1Ng$" + key},
		{"salt padded", "$argon2id$v=19$" + params + "$" + salt + "==$" + key},
		{"salt url alphabet", "$argon2id$v=19$" + params + "$" + salt + "_-$" + key},
		{"salt bad char", "$argon2id$v=19$" + params + "$" + salt + "!$" + key},
		{"salt stray bits", "$argon2id$v=19$" + params + "$" + salt[:len(salt)-1] + "h$" + key},
		{"hash empty", "$argon2id$v=19$" + params + "$" + salt + "$"},
		{"hash too short", "$argon2id$v=19$" + params + "$" + salt + "$MDEyMzQ1Njc4OQ"},
		{"hash padded", "$argon2id$v=19$" + params + "$" + salt + "$" + key + "="},
		{"whitespace", " " + ok},
		{"newline", ok + "\n"},
		{"line break in salt", "$argon2id$v=19$" + params + "$" + salt[:8] + "\r\n" + salt[8:] + "$" + key},
	}
	h := NewHasher(testParams, 1)
	// The well-formed base must verify as a hash (false for this password).
	if _, err := h.Verify(context.Background(), ok, "pw"); err != nil {
		t.Fatalf("base case %q rejected: %v", ok, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(context.Background(), tt.enc, "pw")
			if err == nil || got {
				t.Fatalf("Verify(%q) = %v, %v; want false and an error", tt.enc, got, err)
			}
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v does not wrap ErrMalformedHash", err)
			}
			if !h.NeedsRehash(tt.enc) {
				t.Fatalf("NeedsRehash(%q) = false for a malformed hash", tt.enc)
			}
		})
	}
}

func TestHashInvalidParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
	}{
		{"zero", Params{}},
		{"no time", Params{MemoryKiB: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"no threads", Params{MemoryKiB: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32}},
		{"memory below 8p", Params{MemoryKiB: 16, Time: 1, Threads: 4, SaltLen: 16, KeyLen: 32}},
		{"short salt", Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}},
		{"short key", Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}},
		{"huge memory", Params{MemoryKiB: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHasher(tt.p, 1)
			if enc, err := h.Hash(context.Background(), "pw"); err == nil {
				t.Fatalf("Hash with %+v = %q, want error", tt.p, enc)
			}
			h.VerifyDummy(context.Background(), "pw") // must not panic
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	base := Params{MemoryKiB: 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
	h := NewHasher(base, 1)
	with := func(f func(*Params)) Params { p := base; f(&p); return p }
	tests := []struct {
		name string
		p    Params
		want bool
	}{
		{"same", base, false},
		{"less memory", with(func(p *Params) { p.MemoryKiB = 512 }), true},
		{"fewer passes", with(func(p *Params) { p.Time = 1 }), true},
		{"shorter salt", with(func(p *Params) { p.SaltLen = 8 }), true},
		{"shorter key", with(func(p *Params) { p.KeyLen = 16 }), true},
		{"fewer threads", with(func(p *Params) { p.Threads = 1 }), false},
		{"more threads", with(func(p *Params) { p.Threads = 4 }), false},
		{"more memory", with(func(p *Params) { p.MemoryKiB = 2048 }), false},
		{"more passes", with(func(p *Params) { p.Time = 3 }), false},
		{"more memory fewer passes", with(func(p *Params) { p.MemoryKiB = 4096; p.Time = 1 }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := NewHasher(tt.p, 1).Hash(ctx, "pw")
			if err != nil {
				t.Fatal(err)
			}
			if got := h.NeedsRehash(enc); got != tt.want {
				t.Fatalf("NeedsRehash(%s) = %v, want %v", enc, got, tt.want)
			}
		})
	}
}

// blockingKDF returns a kdf that records concurrency and blocks until gate
// is closed.
func blockingKDF(gate <-chan struct{}, inFlight, maxInFlight, entered *atomic.Int32) kdfFunc {
	return func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		entered.Add(1)
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		<-gate
		inFlight.Add(-1)
		return argon2.IDKey(password, salt, time, memory, threads, keyLen)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for condition")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitingForSlot returns how many goroutines are parked in h.acquire,
// waiting for a hashing slot.
func waitingForSlot(h *Hasher) int {
	frame := fmt.Sprintf(".(*Hasher).acquire(%p,", h)
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "[select") && strings.Contains(g, frame) {
			n++
		}
	}
	return n
}

func TestConcurrencyLimit(t *testing.T) {
	for _, limit := range []int{1, 2, 3} {
		t.Run("", func(t *testing.T) {
			var inFlight, maxInFlight, entered atomic.Int32
			gate := make(chan struct{})
			h := NewHasher(testParams, limit)
			h.kdf = blockingKDF(gate, &inFlight, &maxInFlight, &entered)
			enc, err := NewHasher(testParams, 1).Hash(context.Background(), "pw")
			if err != nil {
				t.Fatal(err)
			}

			const callers = 8
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for i := range callers {
				wg.Go(func() {
					var err error
					switch i % 3 { // mix all three operations
					case 0:
						_, err = h.Hash(context.Background(), "pw")
					case 1:
						_, err = h.Verify(context.Background(), enc, "pw")
					default:
						h.VerifyDummy(context.Background(), "pw")
					}
					errs <- err
				})
			}
			// Every caller has entered the KDF or waits for a slot: none
			// can still get in before the gate opens.
			waitFor(t, func() bool { return int(entered.Load())+waitingForSlot(h) == callers })
			if got := entered.Load(); got != int32(limit) {
				t.Fatalf("%d hashes running with limit %d", got, limit)
			}
			close(gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := maxInFlight.Load(); got != int32(limit) {
				t.Fatalf("max in flight = %d, want %d", got, limit)
			}
			if got := entered.Load(); got != callers {
				t.Fatalf("%d of %d callers hashed", got, callers)
			}
		})
	}
}

func TestWaitHonoursContext(t *testing.T) {
	var inFlight, maxInFlight, entered atomic.Int32
	gate := make(chan struct{})
	h := NewHasher(testParams, 1)
	h.kdf = blockingKDF(gate, &inFlight, &maxInFlight, &entered)
	enc, err := NewHasher(testParams, 1).Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}

	// Occupy the only slot.
	done := make(chan error, 1)
	go func() { _, err := h.Hash(context.Background(), "holder"); done <- err }()
	waitFor(t, func() bool { return entered.Load() == 1 })

	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Hash", func(ctx context.Context) error { _, err := h.Hash(ctx, "pw"); return err }},
		{"Verify", func(ctx context.Context) error { _, err := h.Verify(ctx, enc, "pw"); return err }},
		{"VerifyDummy", func(ctx context.Context) error { h.VerifyDummy(ctx, "pw"); return ctx.Err() }},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/cancel while waiting", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			res := make(chan error, 1)
			go func() { res <- tt.call(ctx) }()
			waitFor(t, func() bool { return waitingForSlot(h) == 1 })
			cancel()
			select {
			case err := <-res:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("call did not return after cancellation")
			}
		})
		t.Run(tt.name+"/deadline", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			if err := tt.call(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
	if got := entered.Load(); got != 1 {
		t.Fatalf("%d hashes ran; waiting callers must not hash", got)
	}

	// An already-cancelled context fails even when a slot is free.
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with cancelled ctx: err = %v, want context.Canceled", err)
	}
}

func TestVerifyDummy(t *testing.T) {
	tests := []Params{testParams, {MemoryKiB: 512, Time: 3, Threads: 2, SaltLen: 24, KeyLen: 48}}
	for _, p := range tests {
		t.Run("", func(t *testing.T) {
			h := NewHasher(p, 1)
			var calls atomic.Int32
			h.kdf = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
				calls.Add(1)
				got := Params{MemoryKiB: memory, Time: time, Threads: threads, SaltLen: uint32(len(salt)), KeyLen: keyLen}
				if got != p {
					t.Errorf("dummy verification used %+v, want %+v", got, p)
				}
				return argon2.IDKey(password, salt, time, memory, threads, keyLen)
			}
			h.VerifyDummy(context.Background(), "anything")
			if calls.Load() != 1 {
				t.Fatalf("VerifyDummy ran the kdf %d times, want 1", calls.Load())
			}
			if h.NeedsRehash(h.dummy) {
				t.Fatal("dummy hash is weaker than the hasher's params")
			}
		})
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams(), 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := NewHasher(DefaultParams(), 1)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := h.Verify(ctx, enc, "correct horse battery staple"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// TestPepper: a peppered hasher's hashes carry k=1 and verify only with the
// same pepper; unpeppered hashes still verify and need rehashing; the
// dummy costs what a peppered hash does.
func TestPepper(t *testing.T) {
	ctx := context.Background()
	p := Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	plain := NewHasher(p, 1)
	pepper, err := DerivePepper(bytes.Repeat([]byte{7}, 32))
	if err != nil || len(pepper) != PepperSize {
		t.Fatalf("DerivePepper: %d bytes, %v", len(pepper), err)
	}
	other, _ := DerivePepper(bytes.Repeat([]byte{8}, 32))
	if bytes.Equal(pepper, other) {
		t.Fatal("two master keys gave one pepper")
	}
	h, h2 := plain.WithPepper(pepper), plain.WithPepper(other)
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1,k=1$") {
		t.Fatalf("peppered hash %q lacks k=1", enc)
	}
	if ok, err := h.Verify(ctx, enc, "pw"); err != nil || !ok {
		t.Errorf("Verify with the pepper = %v, %v", ok, err)
	}
	if ok, err := h2.Verify(ctx, enc, "pw"); err != nil || ok {
		t.Errorf("Verify with another pepper = %v, %v; want false", ok, err)
	}
	if _, err := plain.Verify(ctx, enc, "pw"); !errors.Is(err, ErrNoPepper) {
		t.Errorf("Verify without a pepper: %v, want ErrNoPepper", err)
	}
	// The same argon2id without the HMAC does not match: the pepper is used.
	if _, _, salt, key, _ := decode(enc); bytes.Equal(argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32), key) {
		t.Error("the peppered hash is the plain argon2id of the password")
	}
	old, _ := plain.Hash(ctx, "pw")
	if ok, err := h.Verify(ctx, old, "pw"); err != nil || !ok {
		t.Errorf("an unpeppered hash no longer verifies: %v, %v", ok, err)
	}
	if !h.NeedsRehash(old) || h.NeedsRehash(enc) || plain.NeedsRehash(enc) {
		t.Error("NeedsRehash: want true for an unpeppered hash under a pepper only")
	}
	if !strings.Contains(h.dummy, ",k=1$") {
		t.Errorf("dummy %q is not peppered", h.dummy)
	}
	for _, bad := range []string{",k=2", ",k=1,k=1", ",x=1"} {
		if _, err := h.Verify(ctx, strings.Replace(enc, ",k=1", bad, 1), "pw"); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("params ending %q: %v, want ErrMalformedHash", bad, err)
		}
	}
}
