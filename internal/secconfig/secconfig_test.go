package secconfig

import (
	"strings"
	"testing"
)

func decode(t *testing.T, s string) Config {
	t.Helper()
	c, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMerge(t *testing.T) {
	cur := decode(t, `{"passwordStrength":{"minLength":12,"includeNumber":false},"accountLockout":{"maxFailedLoginAttempts":5},"authTokenTimeoutMinutes":720}`)
	tests := []struct {
		name, upd, want string
	}{
		{"nothing", `{}`, string(cur.Encode())},
		{"nulls change nothing", `{"passwordStrength":{"minLength":null},"authTokenTimeoutMinutes":null,"passwordReuse":null}`, string(cur.Encode())},
		{"one leaf", `{"passwordStrength":{"includeNumber":true}}`,
			`{"passwordStrength":{"minLength":12,"includeNumber":true},"accountLockout":{"maxFailedLoginAttempts":5},"authTokenTimeoutMinutes":720}`},
		{"a new sub-object", `{"passwordReuse":{"numDifferentChars":3}}`,
			`{"passwordStrength":{"minLength":12,"includeNumber":false},"passwordReuse":{"numDifferentChars":3},"accountLockout":{"maxFailedLoginAttempts":5},"authTokenTimeoutMinutes":720}`},
		{"an empty sub-object", `{"accountLockout":{}}`, string(cur.Encode())},
		{"a scalar", `{"inactivityTimeoutMSecs":60000}`,
			`{"passwordStrength":{"minLength":12,"includeNumber":false},"accountLockout":{"maxFailedLoginAttempts":5},"authTokenTimeoutMinutes":720,"inactivityTimeoutMSecs":60000}`},
	}
	before := string(cur.Encode())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Merge(cur, decode(t, tc.upd)).Encode()); got != tc.want {
				t.Errorf("Merge = %s\nwant    %s", got, tc.want)
			}
		})
	}
	if after := string(cur.Encode()); after != before {
		t.Errorf("Merge wrote through to its input: %s", after)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		c, err string // err: "" valid, else a word of the error
	}{
		{`{}`, ""},
		{`{"passwordStrength":{"minLength":8},"passwordLifetime":{"maxLifetimeDays":365},"authTokenTimeoutMinutes":720}`, ""},
		{`{"passwordStrength":{"minLength":7}}`, "passwordStrength.minLength: 7 is out of range: it takes 8 to 128"},
		{`{"passwordStrength":{"minLength":129}}`, "8 to 128"},
		{`{"passwordLifetime":{"maxLifetimeDays":0}}`, "passwordLifetime.maxLifetimeDays"},
		{`{"passwordReuse":{"numDisallowedOldPasswords":24}}`, ""},
		{`{"passwordReuse":{"numDisallowedOldPasswords":25}}`, "passwordReuse.numDisallowedOldPasswords: 25 is out of range: it takes 0 to 24"},
		{`{"accountLockout":{"maxFailedLoginAttempts":1}}`, ""},
		{`{"accountLockout":{"maxFailedLoginAttempts":0}}`, "maxFailedLoginAttempts"},
		{`{"sessionConfiguration":{"absoluteTimeout":43201}}`, "absoluteTimeout"},
		{`{"authTokenTimeoutMinutes":0}`, "authTokenTimeoutMinutes"},
		{`{"certificateBasedAuth":{"certificateMapping":"CommonName","adMapping":"SamAccountName"}}`, ""},
		{`{"certificateBasedAuth":{"adMapping":"samAccountName"}}`, "adMapping"},
		{`{"dataClassification":{"unclassifiedDataMessage":"` + strings.Repeat("x", 1025) + `"}}`, "unclassifiedDataMessage"},
	}
	for _, tc := range tests {
		err := Validate(decode(t, tc.c))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.c, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%.80s: got %v, want an error with %q", tc.c, err, tc.err)
		}
	}
}
