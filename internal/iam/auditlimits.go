package iam

import (
	"context"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// DefaultAuditMaxRows is how many audit entries are kept unless Config
// says otherwise. An entry takes about 0.3 to 0.5 KB with its indexes, so
// a million is a few hundred MB: a busy cluster's year of changes fits
// (the retention, 365 days, acts first), while a flood that fills it
// leaves the disk a bound, even of entries at their largest (about 6 KB
// of text each, some 6 GB).
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

// EachAuditLog hands fn the audit entries f selects, newest first, one at
// a time as they are read, and returns how many f selects in all.
func (s *Service) EachAuditLog(ctx context.Context, p *Principal, f store.AuditFilter, fn func(store.AuditEntry) error) (int64, error) {
	if err := s.MayReadAudit(p); err != nil {
		return 0, err
	}
	return s.store.EachAudit(ctx, f, fn)
}
