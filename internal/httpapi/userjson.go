package httpapi

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The User model is the answer of the hottest request, GET
// /v2/users/{sid}: writeJSON encodes it by hand rather than by reflection.
// The bytes are json.Marshal's, field for field (TestUserJSONSameBytes
// and FuzzUserJSON compare them); a field added to userParams must be
// added here too.

// jsonAppender is a wire model that encodes itself as json.Marshal would.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
	jsonSizeHint() int
}

// appendJSON appends u as json.Marshal encodes it.
func (u userParams) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if u.Description != "" {
		b = appendJSONString(append(b, `"description":`...), u.Description)
		b = append(b, ',')
	}
	b = appendOptInt(b, `"effectiveTimeMsecs":`, u.EffectiveTimeMsecs)
	b = appendOptInt(b, `"expiryTimeMsecs":`, u.ExpiryTimeMsecs)
	b = strconv.AppendBool(append(b, `"locked":`...), u.Locked)
	b = strconv.AppendBool(append(b, `,"restricted":`...), u.Restricted)
	b = appendJSONStrings(append(b, `,"roles":`...), u.Roles)
	b = strconv.AppendInt(append(b, `,"createdTimeMsecs":`...), u.CreatedTimeMsecs, 10)
	b = appendJSONString(append(b, `,"domain":`...), u.Domain)
	b = strconv.AppendBool(append(b, `,"forcePasswordChange":`...), u.ForcePasswordChange)
	b = append(b, ',')
	b = appendOptInt(b, `"lastLoginTimeMsecs":`, u.LastLoginTimeMsecs)
	b = strconv.AppendInt(append(b, `"lastUpdatedTimeMsecs":`...), u.LastUpdatedTimeMsecs, 10)
	if l := u.LocalUserParams; l != nil {
		b = append(b, `,"localUserParams":{`...)
		if l.Email != "" {
			b = appendJSONString(append(b, `"email":`...), l.Email)
		}
		b = append(b, '}')
	}
	b = appendJSONString(append(b, `,"lockedReason":`...), u.LockedReason)
	b = appendJSONStrings(append(b, `,"otherGroups":`...), u.OtherGroups)
	if s := u.S3AccountParams; s != nil {
		b = append(b, `,"s3AccountParams":{`...)
		sep := ""
		if s.S3AccessKeyID != "" {
			b = appendJSONString(append(b, `"s3AccessKeyId":`...), s.S3AccessKeyID)
			sep = ","
		}
		if s.S3AccountID != "" {
			b = appendJSONString(append(append(b, sep...), `"s3AccountId":`...), s.S3AccountID)
		}
		b = append(b, '}')
	}
	b = appendJSONString(append(b, `,"sid":`...), u.SID)
	if u.TenantID != "" {
		b = appendJSONString(append(b, `,"tenantId":`...), u.TenantID)
	}
	b = appendJSONString(append(b, `,"username":`...), u.Username)
	return append(b, '}')
}

// jsonSizeHint is about the length of u's JSON, for its buffer: the
// names and punctuation, the numbers, and the strings unescaped.
func (u userParams) jsonSizeHint() int {
	n := 384 + len(u.Description) + len(u.Domain) + len(u.LockedReason) + len(u.SID) + len(u.TenantID) + len(u.Username)
	for _, s := range u.Roles {
		n += len(s) + 3
	}
	for _, s := range u.OtherGroups {
		n += len(s) + 3
	}
	if u.LocalUserParams != nil {
		n += len(u.LocalUserParams.Email)
	}
	if u.S3AccountParams != nil {
		n += len(u.S3AccountParams.S3AccessKeyID) + len(u.S3AccountParams.S3AccountID)
	}
	return n
}

// appendOptInt appends name and *v, and a comma, unless v is nil
// (omitempty).
func appendOptInt(b []byte, name string, v *int64) []byte {
	if v == nil {
		return b
	}
	return append(strconv.AppendInt(append(b, name...), *v, 10), ',')
}

// appendJSONStrings appends ss as json.Marshal does: null when nil.
func appendJSONStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s quoted. A string of printable ASCII that
// json.Marshal leaves as it is (no quote, backslash or <, >, & it escapes
// for HTML) is copied; any other is left to json.Marshal itself, so that
// escapes, invalid UTF-8 and U+2028 come out exactly as it writes them.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil { // a string always encodes
				panic(err)
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
