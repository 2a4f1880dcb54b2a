package console

import (
	"net/http"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// Overview windows: keys expiring soon, failed log-ins lately.
const (
	expiringWithin = 7 * 24 * time.Hour
	failedSince    = 24 * time.Hour
)

// tile is one count of the overview, a link to the list it counts.
type tile struct {
	Label string
	N     int64
	Path  string
}

// handleOverview is the first page after the log-in: the counts p may
// read, each a link to its list.
func (c *console) handleOverview() authedHandler {
	return func(pg *page) error {
		counts, err := c.svc.Counts(pg.r.Context(), pg.p, iam.CountsQuery{
			KeysWithin: expiringWithin, FailedSince: c.opts.Now().Add(-failedSince)})
		if err != nil {
			return err
		}
		var tiles []tile
		for _, t := range []struct {
			label, path string
			n           *int64
		}{
			{"Users", "/users", counts.Users},
			{"Groups", "/groups", counts.Groups},
			{"Active sessions", "/users", counts.LiveSessions},
			{"API keys expiring within 7 days", "/api-keys?expiring=7d", counts.ExpiringKeys},
			{"Locked accounts", "/users?locked=1", counts.LockedUsers},
			{"Failed log-ins in the last 24 h", "/audit?actions=LoginFailed&since=24h", counts.FailedLogins},
		} {
			if t.n != nil {
				tiles = append(tiles, tile{t.label, *t.n, t.path})
			}
		}
		c.render(pg.w, pg.r, http.StatusOK, "overview", pg, tiles)
		return nil
	}
}
