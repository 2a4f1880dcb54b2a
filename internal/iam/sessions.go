package iam

import (
	"context"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// DeleteSessions revokes the sessions of user sid, or of every user when
// sid is empty (except the caller's own session). A caller may always end
// its own sessions; others' take Manage Users and reach, and everyone's
// takes every privilege.
func (s *Service) DeleteSessions(ctx context.Context, p *Principal, sid string) error {
	return s.write(ctx, p, "delete_session", func(t *txn) error {
		target, what := Target{Kind: KindUser}, "every session but the caller's"
		var keep []byte
		var err error
		if sid == "" {
			// The caller ends everyone's sessions but keeps working.
			keep = p.SessionHash
			err = s.decide(p, ActEndSessions, target)
		} else {
			target, err = s.decideOnUser(ctx, t, p, sid, ActEndSessions)
			what = "every session of the user"
		}
		if err != nil {
			return err
		}
		t.audit(ctx, "delete_session", sid, target.Name, what)
		_, err = t.DeleteSessions(ctx, sid, keep)
		return err
	})
}

// Logout ends the session or access token p logged in with, and no other.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if p.SessionHash == nil {
		return invalid("only a session or an access token can be logged out of, not an API key or an identity provider's token")
	}
	return s.endOwn(ctx, p, "logout", "this session", func(t *txn) error {
		_, err := t.DeleteSession(ctx, p.User.SID, p.SessionHash)
		return err
	})
}

// EndOtherSessions ends every session of p's user but the one p came
// with: "log out everywhere else". A principal without a session (an API
// key) ends them all.
func (s *Service) EndOtherSessions(ctx context.Context, p *Principal) error {
	return s.endOwn(ctx, p, "delete_session", "every other session of the user", func(t *txn) error {
		_, err := t.DeleteSessions(ctx, p.User.SID, p.SessionHash)
		return err
	})
}

// endOwn ends sessions of p's own, as del deletes them, decided as
// ending one's own sessions and audited as op, what.
func (s *Service) endOwn(ctx context.Context, p *Principal, op, what string, del func(t *txn) error) error {
	return s.write(ctx, p, op, func(t *txn) error {
		target, err := s.decideOnUser(ctx, t, p, p.User.SID, ActEndSessions)
		if err != nil {
			return err
		}
		t.audit(ctx, op, p.User.SID, target.Name, what)
		return del(t)
	})
}

// RevokeCredentials ends every credential of user sid in one act: its
// sessions and access tokens are deleted and its API keys deactivated
// (an administrator, or the user, may reactivate a key later). The
// password and the S3 secret stay; change them apart.
func (s *Service) RevokeCredentials(ctx context.Context, p *Principal, sid string) error {
	return s.write(ctx, p, "revoke_credentials", func(t *txn) error {
		target, err := s.decideOnUser(ctx, t, p, sid, ActEndSessions, ActRevokeCredential)
		if err != nil {
			return err
		}
		keys, err := t.ListAPIKeys(ctx, store.APIKeyFilter{OwnerSIDs: []string{sid}})
		if err != nil {
			return err
		}
		var keep []byte
		if p.isSelf(sid) {
			keep = p.SessionHash // the caller keeps working, as on a password change
		}
		n, err := t.DeleteSessions(ctx, sid, keep)
		if err != nil {
			return err
		}
		active := 0
		for _, k := range keys {
			if !k.IsActive {
				continue
			}
			active++
			if _, err := t.UpdateAPIKey(ctx, k.ID, func(k store.APIKey) (store.APIKey, error) {
				k.IsActive = false
				return k, nil
			}); err != nil {
				return err
			}
		}
		t.audit(ctx, "revoke_credentials", sid, target.Name,
			fmt.Sprintf("%d sessions ended, %d API keys deactivated", n, active))
		return nil
	})
}

// SessionCounts returns the live sessions per user, for sids or for all.
// Users of organizations p does not reach are left out.
func (s *Service) SessionCounts(ctx context.Context, p *Principal, sids []string) ([]store.SessionCount, error) {
	if len(sids) == 1 && p.isSelf(sids[0]) {
		if err := s.decide(p, ActReadCredentials, p.selfTarget()); err != nil {
			return nil, err
		}
	} else if err := s.decide(p, ActReadCredentials, Target{Kind: KindUser}); err != nil {
		return nil, err
	}
	now := s.nowMsecs()
	counts, err := s.store.CountLiveSessions(ctx, sids, now, idleOf(s.policyNow()).usedAfter(now))
	if err != nil {
		return nil, err
	}
	return keepReachable(ctx, s, p, counts, func(c store.SessionCount) string { return c.UserSID })
}

// Purge is the upkeep of every minute: it deletes the sessions past their
// lifetime or their idle timeout and the audit entries past their
// retention, and keeps the audit trail within its cap (PurgeAudit).
func (s *Service) Purge(ctx context.Context) error {
	now := s.nowMsecs()
	if _, err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		return fmt.Errorf("purge expired sessions: %w", err)
	}
	if _, err := s.store.DeleteExpiredOnce(ctx, now); err != nil {
		return fmt.Errorf("purge expired single-use ids: %w", err)
	}
	if cut := idleOf(s.policyNow()).usedAfter(now); cut != 0 {
		if _, err := s.store.DeleteIdleSessions(ctx, cut); err != nil {
			return fmt.Errorf("purge idle sessions: %w", err)
		}
	}
	if s.auditRetention > 0 {
		if _, err := s.store.DeleteAuditBefore(ctx, s.now().Add(-s.auditRetention).UnixMicro()); err != nil {
			return fmt.Errorf("purge old audit entries: %w", err)
		}
	}
	return s.PurgeAudit(ctx)
}
