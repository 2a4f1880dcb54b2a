// Package mfa holds the pieces of second-factor log-in that know nothing
// of users or stores: the cluster's MFA settings as the vendor's
// MfaConfigInfo carries them, RFC 6238 TOTP keys and codes, and e-mailed
// one-time codes. Package iam applies them to accounts.
package mfa

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Factor types, as the vendor's otpType and authenticationTypes name them.
const (
	TypeEmail      = "email"
	TypeTOTP       = "totp"
	TypeSalesforce = "salesforce" // the vendor's cloud only; refused here
)

// Config is the cluster's MFA setting.
type Config struct {
	// Enabled requires a second factor of every password or certificate
	// log-in. API keys stay single-factor.
	Enabled bool `json:"enabled"`
	// Types are the factors users may log in with: TypeTOTP, TypeEmail.
	Types []string `json:"types"`
	// RetainUserSettings keeps users' enrolled factors when Enabled
	// changes; otherwise they are erased.
	RetainUserSettings bool `json:"retain_user_settings"`
}

// Allows reports whether factor t is one the config lets users log in with.
func (c Config) Allows(t string) bool { return slices.Contains(c.Types, t) }

// Encode is c as it is stored: JSON with names of its own, so that
// renaming a Go field changes nothing stored.
func (c Config) Encode() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("mfa: encode a config: %v", err)) // bools and strings always marshal
	}
	return b
}

// DecodeConfig reads a stored config.
func DecodeConfig(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("mfa: stored config: %w", err)
	}
	return c, nil
}

// TOTP parameters: RFC 6238 with HMAC-SHA1, six digits and 30-second
// steps, what every authenticator app takes from a QR code; a code of the
// step before or after the current one is accepted too, for clock skew.
const (
	Period     = 30 * time.Second
	Digits     = 6
	Skew       = 1
	secretSize = 20 // bytes: 160 bits, as RFC 4226 recommends
)

// TOTPKey is a new TOTP key: its base32 secret and the otpauth:// URI an
// authenticator app reads from a QR code.
type TOTPKey struct {
	Secret string
	URI    string
}

// NewTOTPKey makes a new key for account at issuer.
func NewTOTPKey(issuer, account string) (TOTPKey, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account,
		Period: uint(Period / time.Second), SecretSize: secretSize, Digits: otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader})
	if err != nil {
		return TOTPKey{}, fmt.Errorf("mfa: new TOTP key: %w", err)
	}
	return TOTPKey{Secret: k.Secret(), URI: k.URL()}, nil
}

// Step is the TOTP time step of t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// MatchTOTP returns the time step of the code that secret gives within the
// window around now, if code is one; only steps after the last accepted
// (after) count, so that no code is accepted twice. Every candidate is
// compared, in constant time, whichever matches.
func MatchTOTP(secret, code string, now time.Time, after int64) (int64, bool) {
	if len(code) != Digits {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	var step int64
	found := 0
	cur := Step(now)
	for s := cur - Skew; s <= cur+Skew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*int64(Period/time.Second), 0), opts)
		if err != nil {
			return 0, false // a secret we sealed ourselves; never malformed
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code))
		if eq == 1 && s > after && found == 0 {
			step, found = s, 1
		}
	}
	return step, found == 1
}

// CodeTTL is how long an e-mailed code stays good.
const CodeTTL = 10 * time.Minute

// emailDigits is the length of an e-mailed code.
const emailDigits = 6

// NewEmailCode returns a code of emailDigits digits, uniform, from
// crypto/rand.
func NewEmailCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("mfa: new e-mail code: %w", err)
	}
	return fmt.Sprintf("%0*d", emailDigits, n.Int64()), nil
}
