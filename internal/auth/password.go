package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters.
type Params struct {
	// MemoryKiB is the memory cost in KiB (argon2 "m").
	MemoryKiB uint32
	// Time is the number of passes over the memory (argon2 "t").
	Time uint32
	// Threads is the degree of parallelism (argon2 "p").
	Threads uint8
	// SaltLen is the length in bytes of the random salt.
	SaltLen uint32
	// KeyLen is the length in bytes of the derived hash.
	KeyLen uint32
}

// DefaultParams returns the OWASP floor for argon2id: m=19 MiB (19456 KiB),
// t=2, p=1, with a 16-byte salt and a 32-byte hash.
func DefaultParams() Params {
	return Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters, applied both to the Hasher's own parameters and to
// parameters parsed from stored hashes, so a corrupt or hostile stored value
// cannot make Verify allocate or compute without limit.
const (
	minSaltLen   = 8
	maxSaltLen   = 256
	minKeyLen    = 16
	maxKeyLen    = 1024
	maxTime      = 100
	maxMemoryKiB = 4 << 20 // 4 GiB
)

// ErrMalformedHash is returned (wrapped) by Verify for an encoded hash that
// is not a well-formed, supported argon2id PHC string.
var ErrMalformedHash = errors.New("malformed argon2id hash")

// validate reports whether p is usable with argon2id within our bounds.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range [1, %d]", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range [8*threads=%d, %d]", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range [%d, %d]", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range [%d, %d]", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// kdfFunc derives a key; it is argon2.IDKey outside tests.
type kdfFunc func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte

// Hasher hashes and verifies passwords with argon2id. At most limit hashes
// (Hash, Verify and VerifyDummy together) run at once; further callers wait
// for a slot, honouring their context. A Hasher is safe for concurrent use.
// The zero value is not usable; create one with NewHasher.
type Hasher struct {
	params Params
	sem    chan struct{}
	dummy  string  // encoded hash with params, never matching a real password
	kdf    kdfFunc // argon2.IDKey; replaceable in tests
	pepper []byte  // nil: new hashes are not peppered
	// derived counts the key derivations run, shared with the copies
	// WithPepper makes.
	derived *atomic.Int64
}

// PepperSize is the length of a pepper: 256 bits.
const PepperSize = 32

// ErrNoPepper is returned (wrapped) by Verify for a peppered hash when the
// Hasher has no pepper.
var ErrNoPepper = errors.New("the hash is peppered and this hasher has no pepper")

// WithPepper returns a Hasher like h whose new hashes are peppered: the
// password first goes through HMAC-SHA256 under pepper, a secret kept apart
// from the hashes, and argon2id hashes that (ASVS 2.4.5). A stolen database
// alone then allows no guessing. Such hashes carry the parameter k=1;
// older hashes without it still verify, and NeedsRehash reports them.
func (h *Hasher) WithPepper(pepper []byte) *Hasher {
	out := *h
	out.pepper = slices.Clone(pepper)
	// The dummy hash costs what a real one does: peppered too.
	if _, _, salt, key, err := decode(h.dummy); err == nil {
		out.dummy = encode(h.params, true, salt, key)
	}
	return &out
}

// DerivePepper derives the pepper of password hashes from a master key
// (the S3-secret key), so that no second secret needs keeping.
func DerivePepper(master []byte) ([]byte, error) {
	return deriveKey(master, pepperLabel)
}

// input is what argon2id hashes for password: the password itself, or its
// HMAC under the pepper.
func (h *Hasher) input(password string, peppered bool) []byte {
	if !peppered {
		return []byte(password)
	}
	mac := hmac.New(sha256.New, h.pepper)
	mac.Write([]byte(password))
	return mac.Sum(nil)
}

// NewHasher returns a Hasher using p for new hashes and allowing at most limit
// concurrent hash computations. A limit below 1 means runtime.NumCPU().
// Invalid parameters are not reported here but by every Hash call.
func NewHasher(p Params, limit int) *Hasher {
	if limit < 1 {
		limit = runtime.NumCPU()
	}
	// The dummy hash needs only to cost the same to verify as a real one,
	// so random salt and hash bytes of the right lengths suffice; no
	// password hashes to it in practice.
	saltLen, keyLen := min(p.SaltLen, maxSaltLen), min(p.KeyLen, maxKeyLen)
	buf := make([]byte, saltLen+keyLen)
	_, _ = rand.Read(buf) // never fails (crypto/rand, Go 1.24+)
	return &Hasher{
		params:  p,
		sem:     make(chan struct{}, limit),
		dummy:   encode(p, false, buf[:saltLen], buf[saltLen:]),
		kdf:     argon2.IDKey,
		derived: new(atomic.Int64),
	}
}

// Params returns the parameters h uses for new hashes.
func (h *Hasher) Params() Params { return h.params }

// acquire waits for a hashing slot or for ctx to end.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("auth: waiting for hash slot: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting for hash slot: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the argon2id hash of password with a fresh random salt, as a
// PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, salt and hash in
// unpadded standard base64. It waits for a slot while the concurrency limit
// is reached and fails with ctx's error if ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.params.validate(); err != nil {
		return "", fmt.Errorf("auth: invalid hasher params: %w", err)
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: generating salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	peppered := h.pepper != nil
	h.derived.Add(1)
	key := h.kdf(h.input(password, peppered), salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, h.params.KeyLen)
	return encode(h.params, peppered, salt, key), nil
}

// Verify reports whether password matches encoded, a PHC string as made by
// Hash. The argon2id parameters are taken from encoded, not from h, so hashes
// made with older parameters still verify. The comparison is constant-time.
// A malformed or unsupported encoded value yields an error wrapping
// ErrMalformedHash; a wrong password yields false and a nil error.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, peppered, salt, want, err := decode(encoded)
	if err != nil {
		return false, fmt.Errorf("auth: %w", err)
	}
	if peppered && h.pepper == nil {
		return false, fmt.Errorf("auth: %w", ErrNoPepper)
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	h.derived.Add(1)
	got := h.kdf(h.input(password, peppered), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy does the same work as Verify against a fixed internal hash made
// with h's params, so that a log-in attempt for an unknown user costs the same
// time as one for a known user. It waits for a slot like Verify and returns
// early if ctx ends. Its outcome carries no information and is discarded.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _ = h.Verify(ctx, h.dummy, password)
}

// Derived returns how many times h (or a copy WithPepper made) has run the
// key derivation: the hashing work done, for metrics and tests.
func (h *Hasher) Derived() int64 { return h.derived.Load() }

// NeedsRehash reports whether encoded uses weaker parameters than h's: less
// memory, fewer passes, a shorter salt or a shorter hash, or no pepper when
// h has one. A different thread count alone does not count as weaker. An
// encoded value that cannot be parsed needs rehashing.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, peppered, _, _, err := decode(encoded)
	if err != nil {
		return true
	}
	return (h.pepper != nil && !peppered) ||
		p.MemoryKiB < h.params.MemoryKiB ||
		p.Time < h.params.Time ||
		p.SaltLen < h.params.SaltLen ||
		p.KeyLen < h.params.KeyLen
}

// b64 returns the PHC string encoding of salt and hash: standard alphabet,
// no padding, canonical (no stray bits) on decode.
func b64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

func encode(p Params, peppered bool, salt, key []byte) string {
	k := ""
	if peppered {
		k = ",k=1"
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d%s$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, k,
		b64().EncodeToString(salt), b64().EncodeToString(key))
}

// decode parses a PHC argon2id string. Only the exact form written by encode
// is accepted: version 19 and parameters in the order m, t, p, then k=1 for
// a peppered hash.
func decode(encoded string) (p Params, peppered bool, salt, key []byte, err error) {
	fail := func(format string, args ...any) (Params, bool, []byte, []byte, error) {
		return Params{}, false, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want 5 '$'-separated fields")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm %q is not argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported version field %q", parts[2])
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) == 4 && kv[3] == "k=1" {
		peppered, kv = true, kv[:3]
	}
	if len(kv) != 3 {
		return fail("want parameters m,t,p and perhaps k=1")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return fail("parameter %d is not %s=", i+1, name)
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil || strconv.FormatUint(n, 10) != v {
			return fail("bad value for %s: %q", name, v)
		}
		vals[i] = n
	}
	// The decoder skips CR and LF; a stored hash must not contain them.
	if strings.ContainsAny(parts[4]+parts[5], "\r\n") {
		return fail("line break in salt or hash")
	}
	if salt, err = b64().DecodeString(parts[4]); err != nil {
		return fail("salt: %v", err)
	}
	if key, err = b64().DecodeString(parts[5]); err != nil {
		return fail("hash: %v", err)
	}
	p = Params{
		MemoryKiB: uint32(vals[0]),
		Time:      uint32(vals[1]),
		Threads:   uint8(vals[2]),
		SaltLen:   uint32(len(salt)),
		KeyLen:    uint32(len(key)),
	}
	if err := p.validate(); err != nil {
		return fail("%v", err)
	}
	return p, peppered, salt, key, nil
}
