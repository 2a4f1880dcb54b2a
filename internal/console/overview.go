package console

import "net/http"

// handleOverview is the first page after the log-in.
func (c *console) handleOverview() authedHandler {
	return func(pg *page) error {
		c.render(pg.w, pg.r, http.StatusOK, "overview", pg, nil)
		return nil
	}
}
