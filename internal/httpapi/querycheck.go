package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// checkRequestText answers 400 when the path or the query is not text:
// a query that does not parse (net/http would drop the bad pairs and the
// filter with them, which widens the answer), a name or value that holds
// NUL or is not UTF-8 (no record can match one, and PostgreSQL cannot take
// them), or a list of more than MaxListLen values.
func checkRequestText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := requestTextProblem(r); msg != "" {
			writeErrorStatus(w, http.StatusBadRequest, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func requestTextProblem(r *http.Request) string {
	if !isText(r.URL.Path) {
		return fmt.Sprintf("the path %q holds NUL or is not UTF-8", r.URL.Path)
	}
	if r.URL.RawQuery == "" {
		return "" // most requests: no query, nothing to parse
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return fmt.Sprintf("malformed query string: %v (percent-encode %%, ; and other reserved characters in values)", err)
	}
	raw := rawQueryValues(r.URL.RawQuery)
	for name, vals := range q {
		if !isText(name) {
			return fmt.Sprintf("query parameter name %q holds NUL or is not UTF-8", name)
		}
		for _, v := range vals {
			if !isText(v) {
				return fmt.Sprintf("query parameter %s: the value %q holds NUL or is not UTF-8", name, v)
			}
		}
		// Counted as queryList reads them, so that the bound is on the
		// items a handler sees.
		if n := len(listItems(raw[name])); n > MaxListLen {
			return fmt.Sprintf("query parameter %s lists %d values; at most %d are allowed", name, n, MaxListLen)
		}
	}
	return ""
}

// isText reports whether s is UTF-8 without NUL.
func isText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
