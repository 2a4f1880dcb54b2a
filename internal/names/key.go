package names

import (
	"strings"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// KeyVersion identifies what Key and Skeleton compute, which changes with
// the Unicode version of x/text's tables: a store keeps it beside the keys
// and skeletons it computed, and computes them again when it changes.
const KeyVersion = "key: PRECIS UsernameCaseMapped, Unicode " + precis.UnicodeVersion +
	"; skeleton: UTS #39 confusables 13.0.0, NFD " + norm.Version +
	", lower case " + cases.UnicodeVersion + ", width " + width.UnicodeVersion + "; rev 1"

// Key is the comparison key of a name: two names are one user (group,
// role) exactly when their keys are equal. It is the name under the PRECIS
// UsernameCaseMapped profile of RFC 8265 (fullwidth forms narrowed, lower
// case, NFC), word by word where the name has single spaces (the
// "userparts" of RFC 8265 §3.1). A string the profile refuses, such as a
// name stored before the rule, keys as strings.ToLower, as every name did
// before, so that it keeps working.
func Key(s string) string {
	if isASCII(s) {
		// The profile maps ASCII as strings.ToLower does, or refuses it
		// (control characters, empty words), when the fallback is ToLower.
		return strings.ToLower(s)
	}
	if k, err := enforce(precis.UsernameCaseMapped, s); err == nil {
		return k
	}
	return strings.ToLower(s)
}

// Skeleton is the confusables skeleton of a name (UTS #39 §4): two names
// whose skeletons are equal look alike, as "admin" and "аdmin" (with a
// Cyrillic а) do. It is taken of the name itself, fullwidth forms
// narrowed, and lower-cased after: lower-casing first would lose the
// likeness of I and l, and lower-casing after finds the likeness of names
// that differ in case too ("АDMIN" in Cyrillic and "admin").
func Skeleton(s string) string {
	return cases.Lower(language.Und).String(confusables.Skeleton(width.Fold.String(s)))
}

// enforce applies profile p to each word of s between single spaces.
func enforce(p *precis.Profile, s string) (string, error) {
	words := strings.Split(s, " ")
	for i, w := range words {
		out, err := p.String(w)
		if err != nil {
			return "", err
		}
		words[i] = out
	}
	return strings.Join(words, " "), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
