package sqlstore

import "github.com/clusteriam/clusteriam/internal/store"

// UserNameQuery is the query of the sids of the users whose usernames
// contain one of terms, as listUsers writes it where the dialect's
// trigram index is of kind: the list's (count: broadFilter's, inline).
func UserNameQuery(kind string, terms []string, count bool) (string, []any) {
	w := userWhere(&Dialect{Trigrams: kind}, &where{inline: count, count: count},
		&store.UserFilter{Usernames: terms, MatchPartialNames: true})
	return "SELECT sid FROM users" + w.String(), w.args
}

// UnskeletonedQueries maps each table whose skeletons are kept to the
// query that counts its rows without one, at every opening.
func UnskeletonedQueries() map[string]string {
	qs := map[string]string{}
	for _, t := range keyedTables() {
		if t.skelCol != "" {
			qs[t.table] = t.unskeletonedQuery()
		}
	}
	return qs
}
