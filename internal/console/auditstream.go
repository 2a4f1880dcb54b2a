package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The live tail polls the trail: the store announces no audit writes, and
// the trail is written in the background after a change answers.
const (
	tailEvery = time.Second
	// tailSlack is how far back each poll looks before the newest entry
	// seen: entries are dated when made but may commit a little later,
	// out of order.
	tailSlack = 10 * time.Second
	tailBatch = 500 // entries a poll reads at most
	// tailPing keeps proxies from closing a quiet stream and finds a
	// client gone.
	tailPing = 15 * time.Second
)

// tailEntry is what an event of the live tail carries: the audit page's
// columns, as text for console.js to place with textContent.
type tailEntry struct {
	ID         int64  `json:"id"`
	Time       string `json:"time"`
	User       string `json:"user"`
	Action     string `json:"action"`
	EntityType string `json:"entityType"`
	EntityName string `json:"entityName"`
	Details    string `json:"details"`
	IP         string `json:"ip"`
}

func toTailEntry(e store.AuditEntry) tailEntry {
	user := e.ActorUsername
	if e.ActorDomain != "" {
		user = e.ActorDomain + `\` + user
	}
	return tailEntry{ID: e.ID, Time: time.UnixMicro(e.TimeUsecs).UTC().Format(time.RFC3339), User: user,
		Action: e.Action, EntityType: e.EntityType, EntityName: e.EntityName, Details: e.Details, IP: e.IP}
}

// handleAuditStream sends the entries written from now on that the
// page's filters select, as Server-Sent Events, until the client goes,
// or the session ends or loses the right to read the trail: each poll
// authenticates the session again and asks the service, which decides.
func (c *console) handleAuditStream() authedHandler {
	return func(pg *page) error {
		f := readAuditForm(pg.r.URL.Query())
		f.Start, f.Count = 0, tailBatch
		q, err := c.auditQuery(f)
		if err != nil {
			return err
		}
		t := &tail{c: c, pg: pg, q: q, seen: map[int64]int64{}}
		// The first read decides, before the 200, and sets where the
		// tail begins: after what is there now.
		if err := t.poll(pg.r.Context(), false); err != nil {
			return err
		}
		rc := http.NewResponseController(pg.w)
		_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout is for pages, not streams
		h := pg.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("X-Accel-Buffering", "no")
		pg.w.WriteHeader(http.StatusOK)
		fmt.Fprint(pg.w, "retry: 5000\n\n")
		if rc.Flush() != nil {
			return nil
		}
		t.run(pg.r.Context(), rc)
		return nil
	}
}

// tail is one live tail's state.
type tail struct {
	c      *console
	pg     *page
	q      iam.AuditQuery
	seen   map[int64]int64 // entry id -> its time, for the slack window
	newest int64           // the time of the newest entry seen, µs
	out    []store.AuditEntry
}

// run polls until the client goes or the session ends.
func (t *tail) run(ctx context.Context, rc *http.ResponseController) {
	tick := time.NewTicker(tailEvery)
	defer tick.Stop()
	lastWrite := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.c.opts.Stopping:
			t.send(rc, "end", "The server is stopping; follow again in a moment.")
			return
		case <-tick.C:
		}
		// Rechecked, not used: watching the trail does not keep an
		// unattended session alive, and a privilege taken away applies.
		p, err := t.c.svc.Recheck(ctx, iam.Credential{Kind: iam.CredSession, Secret: t.pg.secret})
		if err != nil {
			t.send(rc, "end", "Your session has ended: log in again to follow the trail.")
			return
		}
		t.pg.p = p
		if err := t.poll(ctx, true); err != nil {
			t.send(rc, "end", "The trail could not be read: "+messageOf(err))
			return
		}
		for _, e := range t.out {
			b, _ := json.Marshal(toTailEntry(e))
			if !t.send(rc, "audit", string(b)) {
				return
			}
			lastWrite = time.Now()
		}
		if time.Since(lastWrite) >= tailPing {
			if _, err := fmt.Fprint(t.pg.w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
			lastWrite = time.Now()
		}
	}
}

// poll reads the entries since the newest seen, less the slack, and
// keeps in t.out, oldest first, those not seen before (all of them are
// only marked seen when send is false).
func (t *tail) poll(ctx context.Context, send bool) error {
	q := t.q
	if t.newest != 0 {
		q.StartUsecs = max(q.StartUsecs, t.newest-tailSlack.Microseconds())
	}
	t.out = t.out[:0]
	_, err := t.c.svc.EachAuditLog(ctx, t.pg.p, func() (iam.AuditQuery, error) { return q, nil },
		func(e store.AuditEntry) error {
			if _, ok := t.seen[e.ID]; ok {
				return nil
			}
			t.seen[e.ID] = e.TimeUsecs
			t.newest = max(t.newest, e.TimeUsecs)
			if send {
				t.out = append(t.out, e)
			}
			return nil
		})
	for i, j := 0, len(t.out)-1; i < j; i, j = i+1, j-1 {
		t.out[i], t.out[j] = t.out[j], t.out[i]
	}
	for id, at := range t.seen {
		if at < t.newest-2*tailSlack.Microseconds() {
			delete(t.seen, id)
		}
	}
	return err
}

// send writes one event; false when the client is gone.
func (t *tail) send(rc *http.ResponseController, event, data string) bool {
	if _, err := fmt.Fprintf(t.pg.w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return false
	}
	return rc.Flush() == nil
}
