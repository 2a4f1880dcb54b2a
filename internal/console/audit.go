package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Paging of the audit page: the default and the largest count, within
// get_audit_logs' own bounds.
const (
	defaultAuditCount = 50
	maxAuditCount     = 1000
)

// auditForm is the audit page's filters, as typed.
type auditForm struct {
	Actions, EntityTypes       []string
	Username, Domain, Search   string
	Since, Until               string
	Start, Count               int
	AllActions, AllEntityTypes []string
}

// auditView is one page of the trail.
type auditView struct {
	auditForm
	Entries    []store.AuditEntry
	Total      int64
	Prev, Next string // links to the pages around, "" when none
	StreamURL  string // the live tail with the same filters
	Error      string
}

// handleAudit shows one page of the entries the filters select.
func (c *console) handleAudit() authedHandler {
	return func(pg *page) error {
		actions, types, err := c.svc.AuditVocabulary(pg.p)
		if err != nil {
			return err
		}
		v := auditView{auditForm: readAuditForm(pg.r.URL.Query())}
		v.AllActions, v.AllEntityTypes = actions, types
		q, err := c.auditQuery(v.auditForm)
		if err == nil {
			v.Total, err = c.svc.EachAuditLog(pg.r.Context(), pg.p, func() (iam.AuditQuery, error) { return q, nil },
				func(e store.AuditEntry) error { v.Entries = append(v.Entries, e); return nil })
		}
		if status, msg, ok := c.refusal(pg.r, err); ok {
			v.Error = msg
			c.render(pg.w, pg.r, status, "audit", pg, v)
			return nil
		} else if err != nil {
			return err
		}
		v.Prev, v.Next = auditPages(pg.r.URL.Query(), v.Start, v.Count, v.Total)
		v.StreamURL = "/audit/stream?" + streamQuery(pg.r.URL.Query())
		c.render(pg.w, pg.r, http.StatusOK, "audit", pg, v)
		return nil
	}
}

// readAuditForm reads the filters from the URL's query. Lists come as
// repeated fields or comma-separated, as get_audit_logs takes them.
func readAuditForm(q url.Values) auditForm {
	f := auditForm{Actions: splitList(q["actions"]), EntityTypes: splitList(q["entityTypes"]),
		Username: strings.TrimSpace(q.Get("username")), Domain: strings.TrimSpace(q.Get("domain")),
		Search: q.Get("search"), Since: q.Get("since"), Until: q.Get("until"), Count: defaultAuditCount}
	if n, err := strconv.Atoi(q.Get("startIndex")); err == nil && n > 0 {
		f.Start = n
	}
	if n, err := strconv.Atoi(q.Get("count")); err == nil && n > 0 {
		f.Count = min(n, maxAuditCount)
	}
	return f
}

// splitList splits comma-separated values and drops empty ones.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// auditQuery is the service's query of f. Unknown actions or entity
// types are left to the service to refuse, as the API's are.
func (c *console) auditQuery(f auditForm) (iam.AuditQuery, error) {
	q := iam.AuditQuery{AuditFilter: store.AuditFilter{Actions: f.Actions, EntityTypes: f.EntityTypes,
		Search: f.Search, Offset: f.Start, Limit: f.Count}}
	if f.Username != "" {
		q.ActorUsernames = []string{f.Username}
	}
	if f.Domain != "" {
		q.ActorDomains = []string{f.Domain}
	}
	now := c.opts.Now()
	var err error
	if q.StartUsecs, err = readWhen("since", f.Since, now); err != nil {
		return q, err
	}
	if q.EndUsecs, err = readWhen("until", f.Until, now); err != nil {
		return q, err
	}
	if q.EndUsecs != 0 && q.EndUsecs < q.StartUsecs {
		return q, &iam.Error{Kind: iam.KindInvalid, Msg: "until is before since"}
	}
	return q, checkVocabulary(f)
}

// checkVocabulary refuses actions and entity types the trail does not
// record, as get_audit_logs does.
func checkVocabulary(f auditForm) error {
	for _, l := range []struct {
		what      string
		got, know []string
	}{{"action", f.Actions, iam.AuditActions()}, {"entity type", f.EntityTypes, iam.AuditEntityTypes()}} {
		for _, g := range l.got {
			if !slices.Contains(l.know, g) {
				return &iam.Error{Kind: iam.KindInvalid, Msg: "unknown " + l.what + " " + strconv.Quote(g)}
			}
		}
	}
	return nil
}

// readWhen reads a time filter: a duration back from now ("24h", "30m"),
// or a date and time in UTC ("2026-11-30T10:00", as datetime-local gives
// it, or RFC 3339). "" is 0, no bound.
func readWhen(what, s string, now time.Time) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d).UnixMicro(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), nil
		}
	}
	return 0, &iam.Error{Kind: iam.KindInvalid, Msg: what + " must be a time such as 2026-11-30T10:00 (UTC) or a span back from now such as 24h"}
}

// auditPages are the links to the previous and next pages, "" at the
// ends.
func auditPages(q url.Values, start, count int, total int64) (prev, next string) {
	link := func(at int) string {
		q := cloneValues(q)
		q.Set("startIndex", strconv.Itoa(at))
		q.Set("count", strconv.Itoa(count))
		return "/audit?" + q.Encode()
	}
	if start > 0 {
		prev = link(max(0, start-count))
	}
	if int64(start+count) < total {
		next = link(start + count)
	}
	return prev, next
}

// streamQuery is the page's query without its paging: the live tail's.
func streamQuery(q url.Values) string {
	q = cloneValues(q)
	q.Del("startIndex")
	q.Del("count")
	q.Del("done")
	return q.Encode()
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
