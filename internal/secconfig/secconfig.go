// Package secconfig holds the cluster's security settings as the vendor's
// SecurityConfig carries them (GET and PUT /v2/security-config): the
// model, its defaults, the sparse merge of an update, and the ranges each
// field takes. Package iam applies the settings.
package secconfig

import (
	"encoding/json"
	"fmt"
)

// Config is the vendor's SecurityConfig. Every field is a pointer: nil is
// "not given" in an update and "off" or "not set" in a stored config, as
// the vendor's clients refuse a response with 0 where a field's range
// starts at 1.
type Config struct {
	PasswordStrength        *PasswordStrength     `json:"passwordStrength,omitempty"`
	PasswordReuse           *PasswordReuse        `json:"passwordReuse,omitempty"`
	PasswordLifetime        *PasswordLifetime     `json:"passwordLifetime,omitempty"`
	AccountLockout          *AccountLockout       `json:"accountLockout,omitempty"`
	DataClassification      *DataClassification   `json:"dataClassification,omitempty"`
	SessionConfiguration    *SessionConfiguration `json:"sessionConfiguration,omitempty"`
	CertificateBasedAuth    *CertificateBasedAuth `json:"certificateBasedAuth,omitempty"`
	AuthTokenTimeoutMinutes *int64                `json:"authTokenTimeoutMinutes,omitempty"`
	InactivityTimeoutMSecs  *int64                `json:"inactivityTimeoutMSecs,omitempty"`
	SSHConfiguration        *SSHConfiguration     `json:"sshConfiguration,omitempty"`
}

// PasswordStrength is what a new password must hold.
type PasswordStrength struct {
	MinLength          *int64 `json:"minLength,omitempty"`
	IncludeUpperLetter *bool  `json:"includeUpperLetter,omitempty"`
	IncludeLowerLetter *bool  `json:"includeLowerLetter,omitempty"`
	IncludeNumber      *bool  `json:"includeNumber,omitempty"`
	IncludeSpecialChar *bool  `json:"includeSpecialChar,omitempty"`
}

// PasswordReuse bounds how a new password may repeat old ones.
type PasswordReuse struct {
	NumDisallowedOldPasswords *int64 `json:"numDisallowedOldPasswords,omitempty"`
	NumDifferentChars         *int64 `json:"numDifferentChars,omitempty"`
}

// PasswordLifetime bounds a password's age, in days.
type PasswordLifetime struct {
	MinLifetimeDays *int64 `json:"minLifetimeDays,omitempty"`
	MaxLifetimeDays *int64 `json:"maxLifetimeDays,omitempty"`
}

// AccountLockout locks accounts after failed log-ins, or unused ones.
type AccountLockout struct {
	MaxFailedLoginAttempts          *int64 `json:"maxFailedLoginAttempts,omitempty"`
	FailedLoginLockTimeDurationMins *int64 `json:"failedLoginLockTimeDurationMins,omitempty"`
	InactivityTimeDays              *int64 `json:"inactivityTimeDays,omitempty"`
}

// DataClassification is the vendor's UI banner; no effect here.
type DataClassification struct {
	IsDataClassified        *bool   `json:"isDataClassified,omitempty"`
	ClassifiedDataMessage   *string `json:"classifiedDataMessage,omitempty"`
	UnclassifiedDataMessage *string `json:"unclassifiedDataMessage,omitempty"`
}

// SessionConfiguration bounds sessions: times in seconds.
type SessionConfiguration struct {
	AbsoluteTimeout        *int64 `json:"absoluteTimeout,omitempty"`
	InactivityTimeout      *int64 `json:"inactivityTimeout,omitempty"`
	LimitSessions          *bool  `json:"limitSessions,omitempty"`
	SessionLimitPerUser    *int64 `json:"sessionLimitPerUser,omitempty"`
	SessionLimitSystemWide *int64 `json:"sessionLimitSystemWide,omitempty"`
}

// CertificateBasedAuth is how the vendor maps certificates to AD users.
type CertificateBasedAuth struct {
	EnableMappingBasedAuthentication *bool   `json:"enableMappingBasedAuthentication,omitempty"`
	CertificateMapping               *string `json:"certificateMapping,omitempty"`
	AdMapping                        *string `json:"adMapping,omitempty"`
}

// SSHConfiguration is the cluster's SSH idle time; no effect here.
type SSHConfiguration struct {
	SSHTimeoutInMins *int64 `json:"sshTimeoutInMins,omitempty"`
}

// Encode is c as it is stored: the vendor's own JSON.
func (c Config) Encode() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("secconfig: encode: %v", err)) // numbers, bools and strings always marshal
	}
	return b
}

// Decode reads a stored config.
func Decode(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("secconfig: stored config: %w", err)
	}
	return c, nil
}

// Merge returns cur with every field upd gives set to upd's value: an
// update is sparse, as both vendor SDKs send only what their caller set,
// and a null (a nil here) leaves a field as it was.
func Merge(cur, upd Config) Config {
	out := cur
	mergeObj(&out.PasswordStrength, upd.PasswordStrength, func(o, u *PasswordStrength) {
		set(&o.MinLength, u.MinLength)
		set(&o.IncludeUpperLetter, u.IncludeUpperLetter)
		set(&o.IncludeLowerLetter, u.IncludeLowerLetter)
		set(&o.IncludeNumber, u.IncludeNumber)
		set(&o.IncludeSpecialChar, u.IncludeSpecialChar)
	})
	mergeObj(&out.PasswordReuse, upd.PasswordReuse, func(o, u *PasswordReuse) {
		set(&o.NumDisallowedOldPasswords, u.NumDisallowedOldPasswords)
		set(&o.NumDifferentChars, u.NumDifferentChars)
	})
	mergeObj(&out.PasswordLifetime, upd.PasswordLifetime, func(o, u *PasswordLifetime) {
		set(&o.MinLifetimeDays, u.MinLifetimeDays)
		set(&o.MaxLifetimeDays, u.MaxLifetimeDays)
	})
	mergeObj(&out.AccountLockout, upd.AccountLockout, func(o, u *AccountLockout) {
		set(&o.MaxFailedLoginAttempts, u.MaxFailedLoginAttempts)
		set(&o.FailedLoginLockTimeDurationMins, u.FailedLoginLockTimeDurationMins)
		set(&o.InactivityTimeDays, u.InactivityTimeDays)
	})
	mergeObj(&out.DataClassification, upd.DataClassification, func(o, u *DataClassification) {
		set(&o.IsDataClassified, u.IsDataClassified)
		set(&o.ClassifiedDataMessage, u.ClassifiedDataMessage)
		set(&o.UnclassifiedDataMessage, u.UnclassifiedDataMessage)
	})
	mergeObj(&out.SessionConfiguration, upd.SessionConfiguration, func(o, u *SessionConfiguration) {
		set(&o.AbsoluteTimeout, u.AbsoluteTimeout)
		set(&o.InactivityTimeout, u.InactivityTimeout)
		set(&o.LimitSessions, u.LimitSessions)
		set(&o.SessionLimitPerUser, u.SessionLimitPerUser)
		set(&o.SessionLimitSystemWide, u.SessionLimitSystemWide)
	})
	mergeObj(&out.CertificateBasedAuth, upd.CertificateBasedAuth, func(o, u *CertificateBasedAuth) {
		set(&o.EnableMappingBasedAuthentication, u.EnableMappingBasedAuthentication)
		set(&o.CertificateMapping, u.CertificateMapping)
		set(&o.AdMapping, u.AdMapping)
	})
	mergeObj(&out.SSHConfiguration, upd.SSHConfiguration, func(o, u *SSHConfiguration) {
		set(&o.SSHTimeoutInMins, u.SSHTimeoutInMins)
	})
	set(&out.AuthTokenTimeoutMinutes, upd.AuthTokenTimeoutMinutes)
	set(&out.InactivityTimeoutMSecs, upd.InactivityTimeoutMSecs)
	return out
}

// mergeObj merges the sub-object upd into *dst with fn, on a copy, so
// that cur's sub-objects are never written through.
func mergeObj[T any](dst **T, upd *T, fn func(o, u *T)) {
	if upd == nil {
		return
	}
	var o T
	if *dst != nil {
		o = **dst
	}
	fn(&o, upd)
	*dst = &o
}

func set[T any](dst **T, v *T) {
	if v != nil {
		x := *v
		*dst = &x
	}
}
