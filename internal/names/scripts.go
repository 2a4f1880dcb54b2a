package names

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// mixes are the sets of scripts one name may draw on together, as the
// "highly restrictive" level of UTS #39 §5.2 allows: Japanese, Chinese
// and Korean writing, each with Latin. Any one script alone is allowed
// too, and Common and Inherited characters (digits, symbols, combining
// marks) go with every script.
var mixes = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// checkScripts refuses a name that mixes scripts beyond those mixes. The
// script of a character is its Unicode Script property; the standard
// library has no Script_Extensions, so a character shared by scripts
// counts as its Script value says (Common for most).
func checkScripts(k Kind, name string) error {
	var used []string
	last := ""
	for _, r := range name {
		last = scriptOf(r, last)
		if last != "Common" && last != "Inherited" && !slices.Contains(used, last) {
			used = append(used, last)
		}
	}
	if len(used) <= 1 {
		return nil
	}
	for _, mix := range mixes {
		if !slices.ContainsFunc(used, func(s string) bool { return !slices.Contains(mix, s) }) {
			return nil
		}
	}
	return fmt.Errorf("%s %+q mixes the scripts %s: a name is written in one script, "+
		"or in Latin, Han, Hiragana and Katakana (Japanese), Latin, Han and Bopomofo (Chinese) "+
		"or Latin, Han and Hangul (Korean)", k, name, strings.Join(used, ", "))
}

// scriptOf returns the name of the script of r. last, the script of the
// previous character, is tried first: a name is mostly in one script.
func scriptOf(r rune, last string) string {
	if r < 0x80 {
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return "Common"
	}
	for _, name := range []string{last, "Common", "Inherited"} {
		if t := unicode.Scripts[name]; t != nil && unicode.Is(t, r) {
			return name
		}
	}
	for name, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return name
		}
	}
	return "Unknown"
}
