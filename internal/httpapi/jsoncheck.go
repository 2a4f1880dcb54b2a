package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxListLen is the most values one JSON array of a request body, or one
// list parameter of a query, may hold. No list of this API needs more
// (bulk requests take at most iam.MaxBulk entries), and bounding them
// bounds the work a single request can ask for.
const MaxListLen = 1000

// maxJSONDepth is the deepest nesting a body may have: this API's go four
// levels deep, and the check keeps a frame per level.
const maxJSONDepth = 64

// jsonFrame is one open object or array of the body being checked.
type jsonFrame struct {
	object   bool
	keyStart int             // where the object's keys start in the key stack
	keySet   map[string]bool // past maxScanKeys keys, all of them, case-folded
	key      []byte          // the object's current key
	n        int             // the array's index
}

// maxScanKeys is how many keys an object may have before they go in a
// map: objects of this API are small, and a scan is cheaper.
const maxScanKeys = 16

// checkJSONText refuses what encoding/json accepts silently but no client
// of this API means: a NUL character in a string (PostgreSQL cannot store
// one and no field needs one), a lone UTF-16 surrogate escape (decoded as
// U+FFFD, so the name stored would not be the name sent), a key given twice
// in one object (the last would win unseen; keys are compared without
// regard to case, as encoding/json matches them to fields), an array of
// more than MaxListLen values and nesting deeper than maxJSONDepth. body
// is valid UTF-8 and valid JSON.
func checkJSONText(body []byte) error {
	var (
		stack   []jsonFrame
		keys    [][]byte // the keys of the open objects, innermost last
		wantKey bool
	)
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			if len(stack) == maxJSONDepth {
				// The path's first levels say which field; the rest is noise.
				return badRequest("%s: nesting deeper than the maximum depth of %d", jsonPath(stack[:3], "request body"), maxJSONDepth)
			}
			stack = append(stack, jsonFrame{object: body[i] == '{', keyStart: len(keys)})
			wantKey = body[i] == '{'
		case '}', ']':
			keys = keys[:stack[len(stack)-1].keyStart]
			stack = stack[:len(stack)-1]
			wantKey = false
		case ',':
			top := &stack[len(stack)-1]
			if top.object {
				wantKey = true
				break
			}
			if top.n++; top.n >= MaxListLen {
				return badRequest("%s holds more than %d values; at most %d are allowed", jsonPath(stack[:len(stack)-1], "the request body"), MaxListLen, MaxListLen)
			}
		case '"':
			end, err := checkJSONString(body, i)
			if err != nil {
				return badRequest("%s: %v", jsonPath(stack, "request body"), err)
			}
			if wantKey {
				top := &stack[len(stack)-1]
				if keys, err = addKey(top, keys, body[i:end+1]); err != nil {
					return badRequest("%s: %v", jsonPath(stack[:len(stack)-1], "request body"), err)
				}
				wantKey = false
			}
			i = end
		}
	}
	return nil
}

// addKey records the key quoted (a valid JSON string) of object f, whose
// keys so far are keys[f.keyStart:], and returns keys. bytes.EqualFold is
// the folding encoding/json matches field names with.
func addKey(f *jsonFrame, keys [][]byte, quoted []byte) ([][]byte, error) {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(quoted, &s); err != nil {
			return keys, fmt.Errorf("key %s: %w", quoted, err)
		}
		key = []byte(s)
	}
	dup := false
	switch mine := keys[f.keyStart:]; {
	case f.keySet != nil:
		k := foldKey(string(key))
		dup = f.keySet[k]
		f.keySet[k] = true
	case len(mine) < maxScanKeys:
		for _, k := range mine {
			dup = dup || bytes.EqualFold(k, key)
		}
		keys = append(keys, key)
	default:
		f.keySet = make(map[string]bool, 2*maxScanKeys)
		for _, k := range append(mine, key) {
			fk := foldKey(string(k))
			dup = dup || f.keySet[fk]
			f.keySet[fk] = true
		}
	}
	if dup {
		return keys, fmt.Errorf("duplicate key %q (keys are matched without regard to case)", key)
	}
	f.key = key
	return keys, nil
}

// foldKey maps every rune to the smallest of its case-fold orbit, so that
// two keys fold alike exactly when strings.EqualFold holds, as for the
// field names encoding/json matches ("K", "k" and the Kelvin sign alike).
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}

// checkJSONString checks the escapes of the string that starts at body[i]
// and returns the index of its closing quote.
func checkJSONString(body []byte, i int) (int, error) {
	for j := i + 1; j < len(body); j++ {
		switch body[j] {
		case '"':
			return j, nil
		case '\\':
			j++
			if body[j] != 'u' {
				continue
			}
			r := hex4(body[j+1:])
			j += 4
			switch {
			case r == 0:
				return 0, fmt.Errorf("the control character NUL (\\u0000) is not allowed")
			case r >= 0xDC00 && r <= 0xDFFF:
				return 0, fmt.Errorf("a lone UTF-16 low surrogate (\\u%04x) is not a character", r)
			case r >= 0xD800 && r <= 0xDBFF:
				if j+6 < len(body) && body[j+1] == '\\' && body[j+2] == 'u' {
					if lo := hex4(body[j+3:]); lo >= 0xDC00 && lo <= 0xDFFF {
						j += 6
						continue
					}
				}
				return 0, fmt.Errorf("a lone UTF-16 high surrogate (\\u%04x) is not a character; a surrogate pair must follow it with a low surrogate", r)
			}
		}
	}
	return len(body), nil // unreachable for valid JSON
}

func hex4(b []byte) rune {
	v, _ := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(v)
}

// jsonPath names where in the body the innermost open value of stack is,
// as in localUserParams.email or [0].roles[3]; top when it is the body.
func jsonPath(stack []jsonFrame, top string) string {
	var b strings.Builder
	for _, f := range stack {
		switch {
		case f.object && len(f.key) > 0:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.Write(f.key)
		case !f.object:
			fmt.Fprintf(&b, "[%d]", f.n)
		}
	}
	if b.Len() == 0 {
		return top
	}
	return b.String()
}

// firstInvalidUTF8 returns the offset of the first byte of b that is not
// part of valid UTF-8, or -1.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}
