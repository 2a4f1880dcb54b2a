package mfa

import (
	"net/url"
	"regexp"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 key of RFC 6238's test vectors, in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestMatchTOTP(t *testing.T) {
	// RFC 6238 appendix B: at T=59 s the 8-digit code is 94287082; six
	// digits are its last six.
	at59 := time.Unix(59, 0)
	step59 := Step(at59) // 1
	tests := []struct {
		name     string
		code     string
		now      time.Time
		after    int64
		wantStep int64
		ok       bool
	}{
		{"the RFC's vector", "287082", at59, 0, step59, true},
		{"one step later, inside the window", "287082", at59.Add(Period), 0, step59, true},
		{"one step earlier, inside the window", "287082", at59.Add(-Period), -5, step59, true},
		{"two steps later, outside the window", "287082", at59.Add(2 * Period), 0, 0, false},
		{"already accepted at that step", "287082", at59, step59, 0, false},
		{"wrong code", "287083", at59, 0, 0, false},
		{"too short", "28708", at59, 0, 0, false},
		{"eight digits", "94287082", at59, 0, 0, false},
		{"empty", "", at59, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := MatchTOTP(rfcSecret, tc.code, tc.now, tc.after)
			if ok != tc.ok || step != tc.wantStep {
				t.Errorf("MatchTOTP = %d, %v; want %d, %v", step, ok, tc.wantStep, tc.ok)
			}
		})
	}
}

func TestNewTOTPKey(t *testing.T) {
	k, err := NewTOTPKey("clusteriam", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(k.Secret) {
		t.Errorf("secret %q is not 160 bits of base32", k.Secret)
	}
	u, err := url.Parse(k.URI)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("secret") != k.Secret || q.Get("issuer") != "clusteriam" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("URI %q does not describe the key", k.URI)
	}
	// A code the key gives now matches.
	code := codeAt(t, k.Secret, time.Now())
	if _, ok := MatchTOTP(k.Secret, code, time.Now(), 0); !ok {
		t.Errorf("the key's own code %s does not match", code)
	}
	k2, err := NewTOTPKey("clusteriam", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if k2.Secret == k.Secret {
		t.Error("two keys share a secret")
	}
}

func TestNewEmailCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c, err := NewEmailCode()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(c) {
			t.Fatalf("code %q is not six digits", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Errorf("200 codes gave only %d distinct ones", len(seen))
	}
}

func TestConfigRoundTrip(t *testing.T) {
	for _, c := range []Config{{}, {Enabled: true, Types: []string{TypeTOTP, TypeEmail}, RetainUserSettings: true}} {
		got, err := DecodeConfig(c.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled != c.Enabled || got.RetainUserSettings != c.RetainUserSettings || len(got.Types) != len(c.Types) {
			t.Errorf("round trip of %+v gave %+v", c, got)
		}
	}
	if _, err := DecodeConfig([]byte("{")); err == nil {
		t.Error("a malformed config decoded")
	}
	if !(Config{Types: []string{TypeTOTP}}).Allows(TypeTOTP) || (Config{Types: []string{TypeTOTP}}).Allows(TypeEmail) {
		t.Error("Allows is wrong")
	}
}
