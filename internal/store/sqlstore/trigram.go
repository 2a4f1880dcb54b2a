package sqlstore

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The trigram indexes that serve partial-name search (migration 0014).
// A term of 3 characters or more is looked up in the index, and each
// candidate is then tested exactly (instr), so that what matches is the
// same, byte for byte, as the scan: the folded key contains the folded
// term, every character standing for itself. A shorter term has no
// trigram; it, and every term beside it, is tested on each row, which a
// page bounds (see listUsers).

// Trigram index kinds, for Dialect.Trigrams.
const (
	// TrigramFTS5 is SQLite's: a contentless FTS5 table with the trigram
	// tokenizer, TABLE_name_trgm, whose rowids TABLE_name_trgm_ids maps
	// to sids.
	TrigramFTS5 = "fts5"
	// TrigramPG is PostgreSQL's: a GIN index (pg_trgm's gin_trgm_ops)
	// on the key, which serves LIKE '%term%'. Without pg_trgm the same
	// LIKE is a scan.
	TrigramPG = "pg_trgm"
)

// trigramCountCap bounds the candidates a count of matches (broadFilter)
// reads from the index: one more than it counts to. Past that the terms
// are broad, and a page is found sooner by testing rows in order. The
// index's candidates are nearly all matches (a phrase of trigrams is a
// substring), so a count of the first few, untested, misjudges none in
// practice; and if it did, only the plan, not the answer, would suffer.
const trigramCountCap = broadMatches + 1

// addContains adds a condition true when col of table contains any of
// substrs, taken literally. instr (strpos in PostgreSQL) needs no
// escaping and is cheaper than LIKE; one bound argument each is far
// cheaper than a join against a JSON list per row. Where the dialect has a
// trigram index and every term is long enough, the index picks the
// candidates (see trigramContains).
func (w *where) addContains(d *Dialect, table, col string, substrs []string) {
	conds := make([]string, len(substrs))
	args := make([]any, len(substrs))
	for i, s := range substrs {
		conds[i], args[i] = "instr("+col+", ?) > 0", s
	}
	cond, drives := anyOf(conds), false
	if indexable(substrs) {
		cond, args, drives = trigramContains(d.Trigrams, w, table, col, substrs, cond, args)
	}
	w.args = append(w.args, args...)
	if w.inline || w.inlineNames || drives {
		w.conds = append(w.conds, "("+cond+")")
		return
	}
	// The subquery lets the engine read the narrow (col, sid) index
	// instead of the table.
	w.conds = append(w.conds, "sid IN (SELECT sid FROM "+table+" WHERE "+cond+")")
}

// trigramContains rewrites exact, the scan's condition (with args) for
// substrs, to use the trigram index of kind, and reports whether the
// condition drives the plan by itself (it selects sids from the index).
// A page read row by row in order (w.inline and w.paged: the terms are
// broad) keeps the scan.
func trigramContains(kind string, w *where, table, col string, substrs []string, exact string, args []any) (string, []any, bool) {
	switch kind {
	case TrigramPG:
		conds := make([]string, len(substrs))
		likes := make([]any, len(substrs))
		for i, s := range substrs {
			conds[i], likes[i] = col+" LIKE ? ESCAPE '!'", "%"+escapeLike(s)+"%"
		}
		return anyOf(conds), likes, false
	case TrigramFTS5:
		if w.inline && w.paged {
			return exact, args, false
		}
		fts := table + "_name_trgm"
		cand := "SELECT i.sid FROM " + fts + " JOIN " + fts + "_ids i ON i.id = " + fts + ".rowid WHERE " + fts + " MATCH ?"
		if w.count {
			// A count that picks a plan (broadFilter): the candidates
			// are close enough to the matches, and testing each would
			// cost more than the count saves.
			cand += " LIMIT " + strconv.Itoa(trigramCountCap)
			return "sid IN (" + cand + ")", []any{ftsPhrases(substrs)}, true
		}
		return "sid IN (" + cand + ") AND (" + exact + ")", append([]any{ftsPhrases(substrs)}, args...), true
	}
	return exact, args, false
}

// indexable reports whether every term is long enough for a trigram
// index, counted in characters.
func indexable(substrs []string) bool {
	for _, s := range substrs {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) < store.MinTrigramTerm {
			return false
		}
	}
	return len(substrs) > 0
}

// escapeLike escapes s for LIKE ... ESCAPE '!': %, _ and ! match
// themselves.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// ftsPhrases is an FTS5 query matching any of terms as a phrase: in
// double quotes, inside which only a double quote (doubled) is special.
func ftsPhrases(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(q, " OR ")
}
