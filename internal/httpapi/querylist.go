package httpapi

import (
	"net/url"
	"strings"
)

// The two vendor SDKs put a list parameter on the wire differently, and
// only the raw query tells their commas apart:
//
//   - the Python SDK escapes each item (a comma in it becomes %2C) and
//     joins the items with a literal comma: ["a,b", "c"] is names=a%2Cb,c;
//   - the Go SDK joins the items with a comma and then escapes the whole
//     value, separators included: ["a", "b"] is names=a%2Cb, and so is
//     ["a,b"], which it cannot tell from it.
//
// So a value that holds a literal comma is split on its literal commas
// only, each item unescaped after (a %2C stays in its item); a parameter
// given once without a literal comma is unescaped first and split on its
// commas after, as the Go SDK means it. A repeated key (sids=a&sids=b)
// gives one item per value (and more for its literal commas), never
// splitting on an escaped comma. The one form left ambiguous, a single
// item holding an escaped comma, is read as the Go SDK's list, since that
// SDK can send no other; a client may mark it as one item with a trailing
// literal comma (names=a%2Cb,) or by repeating the key.

// rawQueryValues returns the raw (still escaped) values of each query
// parameter, in order, keyed by the unescaped name.
func rawQueryValues(rawQuery string) map[string][]string {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k = unescape(k)
		out[k] = append(out[k], v)
	}
	return out
}

// listItems returns the items of a list parameter given its raw values
// (see above), trimmed of spaces, empty ones left out.
func listItems(raws []string) []string {
	var out []string
	add := func(item string) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	for _, raw := range raws {
		if len(raws) == 1 && !strings.Contains(raw, ",") {
			for item := range strings.SplitSeq(unescape(raw), ",") {
				add(item)
			}
			continue
		}
		for item := range strings.SplitSeq(raw, ",") {
			add(unescape(item))
		}
	}
	return out
}

// unescape decodes one query component. checkRequestText has refused a
// query with a bad escape before any handler runs, and splitting on a
// literal comma cannot cut an escape in two, so the error branch is only
// a fallback.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
