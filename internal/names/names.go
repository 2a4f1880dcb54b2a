// Package names holds the rule for the names of LOCAL users, groups and
// roles (docs/names.md): which characters they may hold, the comparison
// key under which two names are one (the PRECIS UsernameCaseMapped
// profile of RFC 8265), and the skeleton under which two names look alike
// (the confusables of UTS #39). Names of directory domains, API keys and
// tenants are not its business.
package names

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

// Kind is the kind of record a name belongs to.
type Kind int

// The kinds of names the rule covers. Group and role names may hold
// single spaces between words; usernames may not.
const (
	User Kind = iota + 1
	Group
	Role
)

// String names the kind in messages: "username", "group name", "role name".
func (k Kind) String() string {
	switch k {
	case User:
		return "username"
	case Group:
		return "group name"
	case Role:
		return "role name"
	}
	return fmt.Sprintf("names.Kind(%d)", int(k))
}

// symbols are the characters besides letters and digits a name may hold.
const symbols = "._-@+"

// Check reports whether name may be the name of a new record of kind k.
// Its error is a sentence for the caller saying which rule name breaks,
// with name quoted in ASCII (%+q), so that invisible and look-alike
// characters show as escapes.
func Check(k Kind, name string) error {
	if err := checkRunes(k, name); err != nil {
		return err
	}
	if err := checkSpaces(k, name); err != nil {
		return err
	}
	if err := checkScripts(k, name); err != nil {
		return err
	}
	return checkNormalized(k, name)
}

// checkRunes refuses invisible and bidi-control code points, characters
// outside letters, marks, digits and symbols, a word that begins with a
// combining mark, and a name without a letter or digit.
func checkRunes(k Kind, name string) error {
	if name == "" {
		return fmt.Errorf("%s is required", k)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%s is not valid UTF-8", k)
	}
	alnum, wordStart := false, true
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Bidi_Control, r):
			return fmt.Errorf("%s %+q contains the bidirectional control %U: a name may not reorder how text is shown", k, name, r)
		case isDefaultIgnorable(r):
			return fmt.Errorf("%s %+q contains %U, an invisible (default-ignorable) character: a name may hold only visible characters", k, name, r)
		case r == ' ' && k != User:
		case unicode.In(r, unicode.Mn, unicode.Mc):
			if wordStart {
				return fmt.Errorf("%s %+q has a word that begins with the combining mark %U: a mark must follow a letter", k, name, r)
			}
		case unicode.IsLetter(r) || unicode.Is(unicode.Nd, r):
			alnum = true
		case !strings.ContainsRune(symbols, r):
			return fmt.Errorf("%s %+q contains %+q (%U): %s", k, name, r, r, charsRule(k))
		}
		wordStart = r == ' '
	}
	if !alnum {
		return fmt.Errorf("%s %+q has no letter or digit: %s", k, name, charsRule(k))
	}
	return nil
}

// charsRule states which characters a name of kind k may hold.
func charsRule(k Kind) string {
	rule := "a " + k.String() + " may hold letters and digits of any script and . _ - @ +"
	if k != User {
		rule += ", and single spaces between words"
	}
	return rule
}

// isDefaultIgnorable reports whether r has the Unicode property
// Default_Ignorable_Code_Point (DerivedCoreProperties.txt), which the
// standard library does not carry: format characters, variation
// selectors and the other ignorables, less white space and a few format
// characters meant to be seen.
func isDefaultIgnorable(r rune) bool {
	switch {
	case unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector):
		return true
	case !unicode.Is(unicode.Cf, r), unicode.Is(unicode.White_Space, r),
		unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	case 0xFFF9 <= r && r <= 0xFFFB, 0x13430 <= r && r <= 0x1343F:
		return false
	}
	return true
}

// checkSpaces refuses, in group and role names, spaces that do not stand
// alone between two words. (Usernames have been refused any space.)
func checkSpaces(k Kind, name string) error {
	switch {
	case k == User:
		return nil
	case strings.HasPrefix(name, " ") || strings.HasSuffix(name, " "):
		return fmt.Errorf("%s %+q begins or ends with a space: %s", k, name, charsRule(k))
	case strings.Contains(name, "  "):
		return fmt.Errorf("%s %+q has two spaces in a row: %s", k, name, charsRule(k))
	}
	return nil
}

// checkNormalized refuses a name that the PRECIS UsernameCasePreserved
// profile (RFC 8265) refuses or would change: a name must be sent in the
// form in which it is stored, which is NFC without fullwidth forms. The
// message gives that form.
func checkNormalized(k Kind, name string) error {
	norm, err := enforce(precis.UsernameCasePreserved, name)
	if err != nil {
		for _, r := range name {
			if _, err := precis.UsernameCasePreserved.String(string(r)); err != nil {
				return fmt.Errorf("%s %+q contains %+q (%U), which PRECIS (RFC 8265) does not allow in a username: %s", k, name, r, r, charsRule(k))
			}
		}
		return fmt.Errorf("%s %+q is refused by PRECIS (RFC 8265): %v", k, name, err)
	}
	if norm != name {
		return fmt.Errorf("%s %+q is not in normalized form: send %+q (NFC, without fullwidth or compatibility characters, as PRECIS UsernameCasePreserved gives it)", k, name, norm)
	}
	return nil
}
