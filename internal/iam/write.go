package iam

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Every change the service makes is one call of write: a transaction of
// the store, in which the change is authorized (decide, on targets read
// in the transaction), made, and audited. The audit entries commit with
// the change or not at all. Update functions build the new record from
// the one the transaction hands them, never from one read before it:
// TestUpdateFuncsReadNothingOutside checks.

// txn is one write transaction of the service: the store's, and the audit
// entries of the change made in it.
type txn struct {
	store.Tx
	s       *Service
	p       *Principal // nil: the system, or a client not logged in
	entries []store.AuditEntry
}

// audit records that op was done to the entity id named name; the entry
// commits with the change.
func (t *txn) audit(ctx context.Context, op, id, name, details string) {
	t.entries = append(t.entries, t.s.event(ctx, t.p, op, id, name, details))
}

// write runs fn as one audited change by p (op names it in the trail
// when it is refused): in one write transaction, with the entries fn
// records committed alongside. Each entry is logged with its outcome. A
// change refused for the caller's fault (invalid, forbidden, absent,
// conflicting) leaves one Refused entry in the trail, in a transaction
// of its own, so that failed attempts at access control are on record.
func (s *Service) write(ctx context.Context, p *Principal, op string, fn func(t *txn) error) error {
	var entries []store.AuditEntry
	err := s.store.Update(ctx, func(tx store.Tx) error {
		t := &txn{Tx: tx, s: s, p: p}
		if p != nil {
			// A change a principal asks is decided on the records the
			// transaction reads: no other such change may alter them
			// between the reading and the writing (PostgreSQL reads at
			// READ COMMITTED; SQLite's writes are one at a time anyway).
			if err := tx.LockPrincipals(ctx); err != nil {
				return err
			}
		}
		err := fn(t)
		entries = t.entries
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, t.entries...)
	})
	s.logChange(ctx, err, entries...)
	if err != nil && p != nil && refusal(err) {
		s.recordRefusal(ctx, p, op, entries, err)
	}
	return err
}

// refusal reports whether err refuses a request for its own fault.
func refusal(err error) bool {
	switch KindOf(err) {
	case KindInvalid, KindForbidden, KindNotFound, KindConflict:
		return true
	}
	return false
}

// recordRefusal stores one Refused entry for a change of op by p refused
// with err, naming the first entity the change had got to, if any.
func (s *Service) recordRefusal(ctx context.Context, p *Principal, op string, tried []store.AuditEntry, err error) {
	e := s.event(ctx, p, "refused", "", "", op+": "+err.Error())
	if o, ok := auditOps[op]; ok {
		e.EntityType = o.entity
	}
	if len(tried) > 0 {
		e.EntityID, e.EntityName = tried[0].EntityID, tried[0].EntityName
		if len(tried) > 1 {
			e.Details += fmt.Sprintf(" (%d entities)", len(tried))
		}
	}
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
		s.audit.WarnContext(ctx, "record a refused change", "op", op, "error", err)
	}
}

// logChange writes the log line of each of the events, which were tried
// and failed with err or succeeded.
func (s *Service) logChange(ctx context.Context, err error, events ...store.AuditEntry) {
	for _, e := range events {
		attrs := []any{slog.String("audit", e.Action), slog.String("entity_type", e.EntityType),
			slog.String("entity", e.EntityID), slog.String("name", e.EntityName),
			slog.String("actor", e.ActorSID), slog.String("ip", e.IP), slog.String("outcome", "success")}
		if err != nil {
			attrs[len(attrs)-1] = slog.String("outcome", "failure")
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		s.audit.InfoContext(ctx, "change", attrs...)
	}
}

// later runs fn after the answer, with its own deadline; Wait waits for
// it.
func (s *Service) later(what string, fn func(ctx context.Context) error) {
	s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := fn(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.audit.WarnContext(ctx, what, "error", err)
		}
	})
}

// Wait waits for the work the service does after answering (failed
// log-ins being settled). Call it before closing the store.
func (s *Service) Wait() { s.bg.Wait() }

// pending counts the work begun after answering. Unlike a WaitGroup's,
// its Wait may run while requests still begin more: a test waits so while
// its server serves. Its zero value is ready.
type pending struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n falls to 0; nil while none waits
}

// Go runs fn in a goroutine of its own, counted until it returns.
func (p *pending) Go(fn func()) {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	go func() {
		defer p.done()
		fn()
	}()
}

func (p *pending) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n--; p.n == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// Wait returns once no counted work runs.
func (p *pending) Wait() {
	p.mu.Lock()
	if p.n == 0 {
		p.mu.Unlock()
		return
	}
	if p.idle == nil {
		p.idle = make(chan struct{})
	}
	idle := p.idle
	p.mu.Unlock()
	<-idle
}
