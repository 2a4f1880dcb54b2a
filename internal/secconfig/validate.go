package secconfig

import (
	"fmt"
	"slices"
)

// Bounds of the fields, inclusive. The floor of minLength is ASVS's
// (2.1.1 allows no fewer than 8 characters); the ceilings keep every
// value meaningful and, for times, within ASVS level 2's 12 hours.
var bounds = []struct {
	name     string
	get      func(Config) *int64
	min, max int64
}{
	{"passwordStrength.minLength", func(c Config) *int64 {
		return sub(c.PasswordStrength, func(p *PasswordStrength) *int64 { return p.MinLength })
	}, 8, 128},
	{"passwordReuse.numDisallowedOldPasswords", func(c Config) *int64 {
		return sub(c.PasswordReuse, func(p *PasswordReuse) *int64 { return p.NumDisallowedOldPasswords })
	}, 0, 24},
	{"passwordReuse.numDifferentChars", func(c Config) *int64 {
		return sub(c.PasswordReuse, func(p *PasswordReuse) *int64 { return p.NumDifferentChars })
	}, 0, 128},
	{"passwordLifetime.minLifetimeDays", func(c Config) *int64 {
		return sub(c.PasswordLifetime, func(p *PasswordLifetime) *int64 { return p.MinLifetimeDays })
	}, 0, 365},
	{"passwordLifetime.maxLifetimeDays", func(c Config) *int64 {
		return sub(c.PasswordLifetime, func(p *PasswordLifetime) *int64 { return p.MaxLifetimeDays })
	}, 1, 365},
	{"accountLockout.maxFailedLoginAttempts", func(c Config) *int64 {
		return sub(c.AccountLockout, func(p *AccountLockout) *int64 { return p.MaxFailedLoginAttempts })
	}, 1, 100},
	{"accountLockout.failedLoginLockTimeDurationMins", func(c Config) *int64 {
		return sub(c.AccountLockout, func(p *AccountLockout) *int64 { return p.FailedLoginLockTimeDurationMins })
	}, 1, 1440},
	{"accountLockout.inactivityTimeDays", func(c Config) *int64 {
		return sub(c.AccountLockout, func(p *AccountLockout) *int64 { return p.InactivityTimeDays })
	}, 1, 365},
	{"sessionConfiguration.absoluteTimeout", func(c Config) *int64 {
		return sub(c.SessionConfiguration, func(p *SessionConfiguration) *int64 { return p.AbsoluteTimeout })
	}, 60, 43200},
	{"sessionConfiguration.inactivityTimeout", func(c Config) *int64 {
		return sub(c.SessionConfiguration, func(p *SessionConfiguration) *int64 { return p.InactivityTimeout })
	}, 60, 43200},
	{"sessionConfiguration.sessionLimitPerUser", func(c Config) *int64 {
		return sub(c.SessionConfiguration, func(p *SessionConfiguration) *int64 { return p.SessionLimitPerUser })
	}, 1, 10_000},
	{"sessionConfiguration.sessionLimitSystemWide", func(c Config) *int64 {
		return sub(c.SessionConfiguration, func(p *SessionConfiguration) *int64 { return p.SessionLimitSystemWide })
	}, 1, 10_000_000},
	{"authTokenTimeoutMinutes", func(c Config) *int64 { return c.AuthTokenTimeoutMinutes }, 1, 720},
	{"inactivityTimeoutMSecs", func(c Config) *int64 { return c.InactivityTimeoutMSecs }, 60_000, 86_400_000},
	{"sshConfiguration.sshTimeoutInMins", func(c Config) *int64 {
		return sub(c.SSHConfiguration, func(p *SSHConfiguration) *int64 { return p.SSHTimeoutInMins })
	}, 1, 1440},
}

// Enumerations of the string fields, as the vendor spells them.
var (
	certificateMappings = []string{"CommonName", "EmailAddress", "UserPrincipalName"}
	adMappings          = []string{"SamAccountName", "UserPrincipalName"}
)

// maxMessageLen bounds the banner texts of dataClassification, in bytes.
const maxMessageLen = 1024

func sub[T any](p *T, get func(*T) *int64) *int64 {
	if p == nil {
		return nil
	}
	return get(p)
}

// Validate checks the fields c gives against their ranges; the error
// names the first field out of range and its range.
func Validate(c Config) error {
	for _, b := range bounds {
		if v := b.get(c); v != nil && (*v < b.min || *v > b.max) {
			return fmt.Errorf("%s: %d is out of range: it takes %d to %d", b.name, *v, b.min, b.max)
		}
	}
	if a := c.CertificateBasedAuth; a != nil {
		if a.CertificateMapping != nil && !slices.Contains(certificateMappings, *a.CertificateMapping) {
			return fmt.Errorf("certificateBasedAuth.certificateMapping: %q is not one of %v", *a.CertificateMapping, certificateMappings)
		}
		if a.AdMapping != nil && !slices.Contains(adMappings, *a.AdMapping) {
			return fmt.Errorf("certificateBasedAuth.adMapping: %q is not one of %v", *a.AdMapping, adMappings)
		}
	}
	if d := c.DataClassification; d != nil {
		for name, m := range map[string]*string{"classifiedDataMessage": d.ClassifiedDataMessage, "unclassifiedDataMessage": d.UnclassifiedDataMessage} {
			if m != nil && len(*m) > maxMessageLen {
				return fmt.Errorf("dataClassification.%s is longer than %d bytes", name, maxMessageLen)
			}
		}
	}
	return nil
}
