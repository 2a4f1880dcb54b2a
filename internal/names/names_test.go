package names

import (
	"strings"
	"testing"
)

// TestCheck: every example of issues 11 and 19, and more, with the rule
// each breaks ("" when the name is valid).
func TestCheck(t *testing.T) {
	tests := []struct {
		kind Kind
		name string
		want string // in the error; "" for a valid name
	}{
		// Valid names of any script, and the built-in roles.
		{User, "admin", ""},
		{User, "ci-bot", ""},
		{User, "first.last@example.com", ""},
		{User, "a+tag_1", ""},
		{User, "1user", ""},
		{User, "jos\u00e9", ""},                            // NFC
		{User, "Kate", ""},                                 // plain K
		{User, "stra\u00dfe", ""},                          // German ß stays ß
		{User, "\u0130smail", ""},                          // Turkish İ
		{User, "\u0131smail", ""},                          // Turkish dotless ı
		{User, "adm\u0131n", ""},                           // valid alone; the skeleton check refuses it beside "admin"
		{User, "\u0441\u0435\u0440\u0430", ""},             // all-Cyrillic "сера"
		{User, "\u0395\u03bb\u03ad\u03bd\u03b7", ""},       // Greek
		{User, "\u5c71\u7530\u305f\u308d\u3046", ""},       // Han+Hiragana
		{User, "\u7530\u4e2d\u30bf\u30ed\u30a6", ""},       // Han+Katakana
		{User, "tanaka\u592a\u90ce", ""},                   // Latin+Han
		{User, "\u738b\u5c0f\u660e\u3105", ""},             // Han+Bopomofo
		{User, "\uae40\ucca0\uc218", ""},                   // Hangul
		{User, "\u05e9\u05dc\u05d5\u05dd", ""},             // Hebrew
		{User, "\u0939\u093f\u0928\u094d\u0926\u0940", ""}, // Devanagari with marks
		{Group, "Ops Team", ""},
		{Group, "R and D 2", ""},
		{Role, "COHESITY_ADMIN", ""},
		{Role, "COHESITY_VIEWER", ""},
		{Role, "COHESITY_OPERATOR", ""},
		{Role, "COHESITY_DATA_SECURITY", ""},
		{Role, "Backup Operators", ""},

		// Characters outside letters, digits and . _ - @ +.
		{User, `a\b`, `contains '\\' (U+005C): a username may hold letters and digits of any script and . _ - @ +`},
		{User, "*)(uid=*", "contains '*' (U+002A)"},
		{User, "<script>x</script>", "contains '<' (U+003C)"},
		{User, "x/y", "contains '/' (U+002F)"},
		{User, `a"b`, `contains '"' (U+0022)`},
		{User, "a,b", "contains ',' (U+002C)"},
		{User, "a b", "contains ' ' (U+0020)"},
		{User, "a\tb", "(U+0009)"},
		{User, "a:b", "(U+003A)"},
		{User, "a'b", "(U+0027)"},
		{User, "a\u00a0b", "(U+00A0)"}, // no-break space
		{User, "a\u2010b", "(U+2010)"}, // hyphen, not hyphen-minus
		{User, "x\u00b2", "(U+00B2)"},  // superscript two
		{User, "\u2177", "(U+2177)"},   // Roman numeral
		{User, "ab\u20dd", "(U+20DD)"}, // enclosing mark
		{Group, "a,b", "contains ',' (U+002C): a group name may hold letters and digits of any script and . _ - @ +, and single spaces between words"},
		{Group, "ops/dev", "(U+002F)"},
		{Role, "R&D", "(U+0026)"},
		{User, "..", "has no letter or digit"},
		{User, "-", "has no letter or digit"},
		{Group, "- -", "has no letter or digit"},
		{User, "", "username is required"},
		{User, "a\xffb", "not valid UTF-8"},

		// Spaces in group and role names.
		{Group, " ops", "begins or ends with a space"},
		{Group, "ops ", "begins or ends with a space"},
		{Role, "ops  team", "two spaces in a row"},
		{Group, "ops\u3000team", "(U+3000)"}, // ideographic space

		// Invisible characters and bidi controls.
		{User, "admin\u200b", "contains U+200B, an invisible (default-ignorable) character"}, // zero-width space
		{User, "\ufeffadmin", "U+FEFF, an invisible"},                                        // BOM
		{User, "ad\u00admin", "U+00AD, an invisible"},                                        // soft hyphen
		{User, "ad\u200dmin", "U+200D, an invisible"},                                        // zero-width joiner
		{User, "ad\u200cmin", "U+200C, an invisible"},                                        // zero-width non-joiner
		{User, "admin\ufe0f", "U+FE0F, an invisible"},                                        // variation selector
		{User, "\u3164admin", "U+3164, an invisible"},                                        // Hangul filler, a letter
		{Role, "COHESITY_VIEWER\u200b", "U+200B, an invisible"},
		{User, "\u202eadmin", "the bidirectional control U+202E"},       // RLO
		{User, "\u202dadmin", "the bidirectional control U+202D"},       // LRO
		{User, "\u2067admin\u2069", "the bidirectional control U+2067"}, // RLI
		{User, "admin\u200f", "the bidirectional control U+200F"},       // RLM

		// Scripts.
		{User, "\u0430dmin", "mixes the scripts Cyrillic, Latin"}, // Cyrillic а
		{User, "p\u0430yp\u0430l", "mixes the scripts Latin, Cyrillic"},
		{User, "\u0391DMIN", "mixes the scripts Greek, Latin"},         // Greek Α
		{User, "abc\u0664", "mixes the scripts Latin, Arabic"},         // Arabic-Indic digit
		{User, "\u5c71\u7530\uae40", ""},                               // Han+Hangul
		{User, "\u305f\u3105", "mixes the scripts Hiragana, Bopomofo"}, // no such writing

		// Marks and normal form.
		{User, "\u0301abc", "begins with the combining mark U+0301"},
		{Group, "ops \u0301team", "begins with the combining mark U+0301"},
		{User, "jose\u0301", `not in normalized form: send "jos\u00e9"`},          // NFD
		{User, "\u212aate", `not in normalized form: send "Kate"`},                // Kelvin sign
		{User, "\uff4a\uff4f\uff53\uff45", `not in normalized form: send "jose"`}, // fullwidth
		{Group, "\uff2f\uff50\uff53 Team", `not in normalized form: send "Ops Team"`},
		{User, "\ufb01le", "contains '\\ufb01' (U+FB01), which PRECIS (RFC 8265) does not allow"}, // ligature
	}
	for _, tc := range tests {
		err := Check(tc.kind, tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Check(%v, %+q) = %v, want nil", tc.kind, tc.name, err)
		case tc.want != "" && err == nil:
			t.Errorf("Check(%v, %+q) = nil, want an error with %q", tc.kind, tc.name, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("Check(%v, %+q) = %q, want it to contain %q", tc.kind, tc.name, err, tc.want)
		}
	}
}

// TestKey: the comparison key makes canonically equivalent and
// case-different names one, and falls back to strings.ToLower.
func TestKey(t *testing.T) {
	same := [][]string{
		{"kate", "Kate", "KATE", "\u212aate"},    // the Kelvin sign is K
		{"jos\u00e9", "jose\u0301", "JOS\u00c9"}, // NFC, NFD
		{"jose", "\uff4a\uff4f\uff53\uff45"},     // fullwidth
		{"ops team", "Ops Team"},
		{"\u03c3\u03b1\u03c3", "\u03a3\u0391\u03a3"}, // Greek σασ
	}
	for _, set := range same {
		for _, s := range set[1:] {
			if Key(s) != Key(set[0]) {
				t.Errorf("Key(%+q) = %+q, want Key(%+q) = %+q", s, Key(s), set[0], Key(set[0]))
			}
		}
	}
	differ := [][2]string{
		{"stra\u00dfe", "strasse"},
		{"\u0130smail", "ismail"},
		{"\u0131smail", "ismail"},
		{"\u0430dmin", "admin"},
		{"ops team", "opsteam"},
		// RFC 8265 lower-cases without context: Σ is σ, never a final ς.
		{"\u03c3\u03b1\u03c2", "\u03a3\u0391\u03a3"},
	}
	for _, d := range differ {
		if Key(d[0]) == Key(d[1]) {
			t.Errorf("Key(%+q) = Key(%+q) = %+q, want them to differ", d[0], d[1], Key(d[0]))
		}
	}
	// Names the profile refuses key as strings.ToLower, as before the rule.
	for _, s := range []string{"Ops  Team", " Lead", "A\\B", "x\u00b2", "Ops\tTeam", "", "\u00c9quipe  A"} {
		if got, want := Key(s), strings.ToLower(s); got != want {
			t.Errorf("Key(%+q) = %+q, want strings.ToLower's %+q", s, got, want)
		}
	}
}

// TestSkeleton: look-alikes share a skeleton, whatever their case;
// different names do not.
func TestSkeleton(t *testing.T) {
	alike := [][2]string{
		{"\u0430dmin", "admin"},                // Cyrillic а
		{"\u0430dm\u0456n", "admin"},           // Cyrillic а and і
		{"\u0441\u0435\u0440\u0430", "cepa"},   // all-Cyrillic "сера"
		{"\u0410DMIN", "ADMIN"},                // Cyrillic А
		{"\u039a\u0391\u03a4\u0395", "kate"},   // all-Greek capitals, another case
		{"adrnin", "admin"},                    // rn
		{"adm\u0131n", "admin"},                // dotless ı
		{"COHESITY_VlEWER", "COHESITY_VIEWER"}, // l for I
		{"Ilya", "llya"},
		{"0day", "Oday"},
		{"\uff41dmin", "admin"}, // fullwidth
	}
	for _, a := range alike {
		if Skeleton(a[0]) != Skeleton(a[1]) {
			t.Errorf("Skeleton(%+q) = %+q, Skeleton(%+q) = %+q; want them equal", a[0], Skeleton(a[0]), a[1], Skeleton(a[1]))
		}
	}
	differ := [][2]string{
		{"admin", "admins"},
		{"alice", "bob"},
		{"stra\u00dfe", "strasse"},
		{"COHESITY_VIEWER", "COHESITY_ADMIN"},
	}
	for _, d := range differ {
		if Skeleton(d[0]) == Skeleton(d[1]) {
			t.Errorf("Skeleton(%+q) = Skeleton(%+q) = %+q, want them to differ", d[0], d[1], Skeleton(d[0]))
		}
	}
}
