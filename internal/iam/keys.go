package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
)

// APIKeyInput is a create or update body of an API key.
type APIKeyInput struct {
	Name            string
	IsActive        *bool  // nil: true on create, unchanged on update
	ExpiryTimeMsecs *int64 // nil: none on create, unchanged on update
	ClearExpiry     bool   // expiryTimeMsecs: null: no expiry (update)
}

// mayManageKeysOf: a user manages its own keys; others' need Manage Users,
// and a caller holding every privilege of their owner (checkReach).
func (s *Service) mayManageKeysOf(ctx context.Context, p *Principal, userSID string) error {
	if p.isSelf(userSID) {
		return p.passwordChangeDue() // a key would outlive the password
	}
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return err
	}
	return s.checkReachSID(ctx, p, userSID)
}

func (s *Service) mayViewKeysOf(p *Principal, userSID string) error {
	if p.isSelf(userSID) {
		return nil
	}
	return s.require(p, PrivPrincipalView)
}

func (s *Service) checkKeyInput(in APIKeyInput, create bool) error {
	if err := checkName("name", in.Name); err != nil {
		return err
	}
	if in.ExpiryTimeMsecs != nil && *in.ExpiryTimeMsecs <= s.nowMsecs() && create {
		return invalid("expiryTimeMsecs is in the past")
	}
	if in.ExpiryTimeMsecs != nil && *in.ExpiryTimeMsecs < 0 {
		return invalid("expiryTimeMsecs must not be negative")
	}
	return nil
}

// CreateAPIKey makes a key for user userSID. The secret is returned once.
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, userSID string, in APIKeyInput) (store.APIKey, string, error) {
	ev := s.event(ctx, p, "create_user_api_key", "", in.Name, "of user "+userSID)
	k, secret, err := s.createAPIKey(ctx, p, userSID, in, &ev)
	s.logChange(ctx, err, ev)
	return k, secret, err
}

// createAPIKey makes the key, recording ev, given its id, in its
// transaction.
func (s *Service) createAPIKey(ctx context.Context, p *Principal, userSID string, in APIKeyInput, ev *store.AuditEntry) (store.APIKey, string, error) {
	if err := s.mayManageKeysOf(ctx, p, userSID); err != nil {
		return store.APIKey{}, "", err
	}
	if err := s.checkKeyInput(in, true); err != nil {
		return store.APIKey{}, "", err
	}
	if _, err := s.store.GetUser(ctx, userSID); err != nil {
		return store.APIKey{}, "", err
	}
	id, err := auth.NewID()
	if err != nil {
		return store.APIKey{}, "", fmt.Errorf("key id: %w", err)
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return store.APIKey{}, "", fmt.Errorf("key secret: %w", err)
	}
	k := store.APIKey{
		ID: id, UserSID: userSID, Name: in.Name, Hash: hash, IsActive: in.IsActive == nil || *in.IsActive,
		ExpiryTimeMsecs: in.ExpiryTimeMsecs, CreatedBySID: p.User.SID, CreatedMsecs: s.nowMsecs(),
	}
	ev.EntityID = id
	if err := s.store.CreateAPIKey(store.WithAudit(ctx, *ev), k); err != nil {
		return store.APIKey{}, "", err
	}
	return k, secret, nil
}

// userKey returns key id of user userSID; a key of another user is 404.
func (s *Service) userKey(ctx context.Context, userSID, id string) (store.APIKey, error) {
	k, err := s.store.GetAPIKey(ctx, id)
	if err == nil && k.UserSID != userSID {
		err = fmt.Errorf("API key %q of user %q: %w", id, userSID, store.ErrNotFound)
	}
	return k, err
}

// GetAPIKey returns one key of a user.
func (s *Service) GetAPIKey(ctx context.Context, p *Principal, userSID, id string) (store.APIKey, error) {
	if err := s.mayViewKeysOf(p, userSID); err != nil {
		return store.APIKey{}, err
	}
	return s.userKey(ctx, userSID, id)
}

// ListUserAPIKeys returns the keys of one user matching f.
func (s *Service) ListUserAPIKeys(ctx context.Context, p *Principal, userSID string, f store.APIKeyFilter) ([]store.APIKey, error) {
	if err := s.mayViewKeysOf(p, userSID); err != nil {
		return nil, err
	}
	if _, err := s.store.GetUser(ctx, userSID); err != nil {
		return nil, err
	}
	f.OwnerSIDs, f.NowMsecs = []string{userSID}, s.nowMsecs()
	return s.store.ListAPIKeys(ctx, f)
}

// ListAllAPIKeys returns every key matching f for admins, the caller's
// own otherwise.
func (s *Service) ListAllAPIKeys(ctx context.Context, p *Principal, f store.APIKeyFilter) ([]store.APIKey, error) {
	if !p.Has(PrivPrincipalModify) {
		if len(f.OwnerSIDs) > 0 && !slices.Contains(f.OwnerSIDs, p.User.SID) {
			return []store.APIKey{}, nil
		}
		f.OwnerSIDs = []string{p.User.SID}
	}
	f.NowMsecs = s.nowMsecs()
	return s.store.ListAPIKeys(ctx, f)
}

// UpdateAPIKey renames, (de)activates or re-dates a key.
func (s *Service) UpdateAPIKey(ctx context.Context, p *Principal, userSID, id string, in APIKeyInput) (store.APIKey, error) {
	details := "of user " + userSID
	if in.IsActive != nil {
		details += fmt.Sprintf("; isActive %t", *in.IsActive)
	}
	ev := s.event(ctx, p, "update_user_api_key", id, in.Name, details)
	k, err := s.changeKey(ctx, p, userSID, id, &ev, func(k *store.APIKey) error {
		if err := s.checkKeyInput(in, false); err != nil {
			return err
		}
		k.Name = in.Name
		if in.IsActive != nil {
			k.IsActive = *in.IsActive
		}
		if in.ExpiryTimeMsecs != nil {
			k.ExpiryTimeMsecs = in.ExpiryTimeMsecs
		}
		if in.ClearExpiry {
			k.ExpiryTimeMsecs = nil
		}
		return nil
	})
	s.logChange(ctx, err, ev)
	return k, err
}

// RotateAPIKey gives key id a new secret, returned once; the old one stops
// working at once.
func (s *Service) RotateAPIKey(ctx context.Context, p *Principal, userSID, id string) (store.APIKey, string, error) {
	secret, hash, err := auth.NewToken()
	if err != nil {
		return store.APIKey{}, "", fmt.Errorf("key secret: %w", err)
	}
	ev := s.event(ctx, p, "rotate_user_api_key", id, "", "of user "+userSID)
	k, err := s.changeKey(ctx, p, userSID, id, &ev, func(k *store.APIKey) error {
		k.Hash, k.LastRotatedMsecs = hash, s.nowMsecs()
		return nil
	})
	s.logChange(ctx, err, ev)
	if err != nil {
		return store.APIKey{}, "", err
	}
	return k, secret, nil
}

// changeKey applies fn to key id of user userSID, recording ev, named
// after the key unless it has a name, in the transaction.
func (s *Service) changeKey(ctx context.Context, p *Principal, userSID, id string, ev *store.AuditEntry, fn func(*store.APIKey) error) (store.APIKey, error) {
	if err := s.mayManageKeysOf(ctx, p, userSID); err != nil {
		return store.APIKey{}, err
	}
	if ev.EntityName == "" {
		k, err := s.userKey(ctx, userSID, id)
		if err != nil {
			return store.APIKey{}, err
		}
		ev.EntityName = k.Name
	}
	return s.store.UpdateAPIKey(store.WithAudit(ctx, *ev), id, func(k store.APIKey) (store.APIKey, error) {
		if k.UserSID != userSID {
			return k, fmt.Errorf("API key %q of user %q: %w", id, userSID, store.ErrNotFound)
		}
		return k, fn(&k)
	})
}

// DeleteAPIKey deletes one key of a user.
func (s *Service) DeleteAPIKey(ctx context.Context, p *Principal, userSID, id string) error {
	ev := s.event(ctx, p, "delete_user_api_key", id, "", "of user "+userSID)
	err := s.mayManageKeysOf(ctx, p, userSID)
	if err == nil {
		var k store.APIKey
		if k, err = s.userKey(ctx, userSID, id); err == nil {
			ev.EntityName = k.Name
			err = s.store.DeleteAPIKey(store.WithAudit(ctx, ev), id)
		}
	}
	s.logChange(ctx, err, ev)
	return err
}

func newS3Secret() (string, error) {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("s3 secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// RegenerateS3Key gives user sid a new S3 secret, returned once and kept
// sealed, since S3 request signing needs it back.
func (s *Service) RegenerateS3Key(ctx context.Context, p *Principal, sid string) (string, error) {
	ev := s.event(ctx, p, "regenerate_s3_key", sid, "", "")
	secret, err := s.regenerateS3Key(store.WithAudit(ctx, ev), p, sid)
	s.logChange(ctx, err, ev)
	return secret, err
}

func (s *Service) regenerateS3Key(ctx context.Context, p *Principal, sid string) (string, error) {
	if err := s.require(p, PrivS3KeyModify); err != nil {
		return "", err
	}
	if !p.isSelf(sid) {
		if err := s.require(p, PrivPrincipalModify); err != nil {
			return "", err
		}
		if err := s.checkReachSID(ctx, p, sid); err != nil {
			return "", err
		}
	}
	secret, err := newS3Secret()
	if err != nil {
		return "", err
	}
	sealed, err := s.box.Seal([]byte(secret), []byte(sid))
	if err != nil {
		return "", fmt.Errorf("seal s3 secret: %w", err)
	}
	_, err = s.store.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
		u.S3SecretEnc, u.UpdatedMsecs = sealed, s.nowMsecs()
		return u, nil
	})
	return secret, err
}

// S3Secret opens the S3 secret of user sid, for request signing.
func (s *Service) S3Secret(ctx context.Context, sid string) (string, error) {
	u, err := s.store.GetUser(ctx, sid)
	if err != nil {
		return "", err
	}
	plain, err := s.box.Open(u.S3SecretEnc, []byte(sid))
	if err != nil {
		return "", fmt.Errorf("open s3 secret of %s: %w", sid, err)
	}
	return string(plain), nil
}
