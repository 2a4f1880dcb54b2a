package iam

import "context"

// EndOtherSessions ends every session of p's user but the one p came
// with: "log out everywhere else". A principal without a session (an API
// key) ends them all.
func (s *Service) EndOtherSessions(ctx context.Context, p *Principal) error {
	return s.write(ctx, p, "delete_session", func(t *txn) error {
		target, err := s.decideOnUser(ctx, t, p, p.User.SID, ActEndSessions)
		if err != nil {
			return err
		}
		t.audit(ctx, "delete_session", p.User.SID, target.Name, "every other session of the user")
		_, err = t.DeleteSessions(ctx, p.User.SID, p.SessionHash)
		return err
	})
}
