package sqlstore

import (
	"encoding/json"
	"strings"
)

// listIn is how queries test membership in a list argument (a JSON array).
const listIn = "IN (SELECT value FROM json_each(?))"

// inOne rewrites each "col IN (SELECT value FROM json_each(?))" whose list
// holds one string into "col = ?" with that string. Most lookups name one
// record; an equality is planned through the index whatever the engine
// knows of the table, where a planner without fresh statistics (say
// PostgreSQL without autovacuum, after a bulk load) may scan it for a
// list. Placeholders are counted as '?' characters: queries written for
// this package carry none inside quoted text.
func inOne(query string, args []any) (string, []any) {
	if !strings.Contains(query, listIn) {
		return query, args
	}
	var b strings.Builder
	out := make([]any, 0, len(args))
	n := 0 // index of the next placeholder's argument
	for i := 0; i < len(query); i++ {
		if strings.HasPrefix(query[i:], listIn) && n < len(args) {
			if one, ok := single(args[n]); ok {
				b.WriteString("= ?")
				out = append(out, one)
				n++
				i += len(listIn) - 1
				continue
			}
		}
		if query[i] == '?' && n < len(args) {
			out = append(out, args[n])
			n++
		}
		b.WriteByte(query[i])
	}
	return b.String(), append(out, args[n:]...)
}

// single returns the one string of a JSON list argument.
func single(arg any) (string, bool) {
	s, ok := arg.(string)
	// `","` appears in a list of strings from jsonList between two of
	// them only (a quote inside one is escaped): a list of many is not
	// decoded to learn it (10,000 sids a page of users' roles).
	if !ok || !strings.HasPrefix(s, `["`) || strings.Contains(s, `","`) {
		return "", false
	}
	var v []string
	if json.Unmarshal([]byte(s), &v) != nil || len(v) != 1 {
		return "", false
	}
	return v[0], true
}
