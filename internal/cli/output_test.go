package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPrintFormats(t *testing.T) {
	v := map[string]any{"createdTimeMsecs": int64(1796038890088), "ratio": 0.5, "name": "alice", "uri": "otpauth://totp/x?a=1&b=2", "roles": []string{"A"}}
	for _, tc := range []struct {
		output string
		want   []string
	}{
		{"yaml", []string{"createdTimeMsecs: 1796038890088\n", "ratio: 0.5\n", "name: alice\n", "roles:\n    - A\n"}},
		{"json", []string{`"createdTimeMsecs": 1796038890088`, `"ratio": 0.5`, `a=1&b=2`}},
		{"table", []string{"NAME   ROLES\nalice  A\n"}},
	} {
		var out bytes.Buffer
		a := &app{env: Env{Stdout: &out}, output: tc.output}
		if err := a.print(v, []string{"NAME", "ROLES"}, func() [][]string { return [][]string{{"alice", "A"}} }); err != nil {
			t.Fatalf("%s: %v", tc.output, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("-o %s: %q lacks %q", tc.output, out.String(), w)
			}
		}
	}
	a := &app{env: Env{Stdout: &bytes.Buffer{}}, output: "xml"}
	if err := a.print(v, nil, nil); err == nil {
		t.Error("-o xml printed")
	}
}

func TestAgo(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	for _, tc := range []struct {
		msecs int64
		want  string
	}{
		{0, "never"},
		{now.UnixMilli() - 10_000, "just now"},
		{now.Add(-5 * time.Minute).UnixMilli(), "5m ago"},
		{now.Add(-3 * time.Hour).UnixMilli(), "3h ago"},
		{now.Add(-72 * time.Hour).UnixMilli(), "3d ago"},
		{now.Add(2 * time.Hour).UnixMilli(), "in 2h"},
	} {
		if got := ago(tc.msecs, now); got != tc.want {
			t.Errorf("ago(%d) = %q, want %q", tc.msecs, got, tc.want)
		}
	}
}
