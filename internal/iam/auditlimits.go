package iam

import (
	"context"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// DefaultAuditMaxRows is how many audit entries are kept unless Config
// says otherwise. A failed log-in's entry takes 364 bytes on SQLite with
// its indexes, so a million take a few hundred MB, a busy cluster's year
// (the retention, 365 days, mostly acts first). An entry with every text
// at its bound takes 13.6 KB, so the cap bounds the trail at about 14 GB
// whatever is written; entries a client without credentials can cause
// take at most some 2.5 KB.
const DefaultAuditMaxRows = 1_000_000

// PurgeAudit is the trail's upkeep, once a minute: it records the failed
// log-ins of unknown users counted in minutes that have ended, and
// deletes the oldest entries beyond the cap (Config.AuditMaxRows).
func (s *Service) PurgeAudit(ctx context.Context) error {
	if done := s.floods.take(s.now().UnixMicro(), false); len(done) > 0 {
		s.recordLater(done...)
	}
	if s.auditMaxRows > 0 {
		if _, err := s.store.DeleteAuditBeyond(ctx, s.auditMaxRows); err != nil {
			return fmt.Errorf("purge the oldest audit entries: %w", err)
		}
	}
	return nil
}

// Flush records the failed log-ins of unknown users counted so far,
// without waiting for their minute to end, and waits, as Wait does, for
// the work done after answering. Call it before closing the store.
func (s *Service) Flush() {
	s.bg.Wait() // failures still being looked up reach the count first
	if done := s.floods.take(0, true); len(done) > 0 {
		s.recordLater(done...)
	}
	s.bg.Wait()
}

// EachAuditLog hands fn the audit entries the query selects, newest
// first, one at a time as they are read, and returns how many it selects
// in all. The query is read by read, only once p may read the trail: who
// may not learns nothing of what its parameters would have been told.
func (s *Service) EachAuditLog(ctx context.Context, p *Principal, read func() (AuditQuery, error), fn func(store.AuditEntry) error) (int64, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindAudit}); err != nil {
		return 0, err
	}
	q, err := read()
	if err != nil {
		return 0, err
	}
	ids, none, err := s.scope(ctx, p, q.Scope)
	if err != nil || none {
		return 0, err
	}
	q.AuditFilter.TenantIDs = ids
	return s.store.EachAudit(ctx, q.AuditFilter, fn)
}
