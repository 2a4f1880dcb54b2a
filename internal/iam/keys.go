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

// DefaultMaxAPIKeysPerUser is how many API keys one user may hold unless
// Config says otherwise.
const DefaultMaxAPIKeysPerUser = 100

// APIKeyInput is a create or update body of an API key.
type APIKeyInput struct {
	Name            string
	IsActive        *bool  // nil: true on create, unchanged on update
	ExpiryTimeMsecs *int64 // nil: none on create, unchanged on update
	ClearExpiry     bool   // expiryTimeMsecs: null: no expiry (update)
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

// decideOnUser reads user sid, asks decide whether p may do each of acts
// to it, and returns it as a target.
func (s *Service) decideOnUser(ctx context.Context, r store.Reader, p *Principal, sid string, acts ...Act) (Target, error) {
	u, err := r.GetUser(ctx, sid)
	if err != nil {
		return Target{}, err
	}
	t, err := s.userTarget(ctx, r, u)
	if err != nil {
		return Target{}, err
	}
	for _, act := range acts {
		if err := s.decide(p, act, t); err != nil {
			return Target{}, err
		}
	}
	return t, nil
}

// keyCap is the cap of a credential p mints for user owner: a credential
// carries no more than its minter holds. Minted for oneself, it follows
// one's own privileges, unless one's own are capped; minted by whoever
// holds every privilege, it is not capped.
func (s *Service) keyCap(p *Principal, owner string) []string {
	if p.isSelf(owner) && !p.Capped {
		return nil
	}
	return s.mintCap(p)
}

// narrowCap returns the cap of a credential capped by old when p extends
// it: what both allow (nil: no cap).
func (s *Service) narrowCap(p *Principal, owner string, old []string) []string {
	c := s.keyCap(p, owner)
	switch {
	case c == nil:
		return old
	case old == nil:
		return c
	}
	return slices.DeleteFunc(slices.Clone(old), func(priv string) bool { return !slices.Contains(c, priv) })
}

// CreateAPIKey makes a key for user userSID. The secret is returned once.
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, userSID string, in APIKeyInput) (APIKey, string, error) {
	if err := s.checkKeyInput(in, true); err != nil {
		return APIKey{}, "", s.refused(ctx, p, "create_user_api_key", err)
	}
	id, err := auth.NewID()
	if err != nil {
		return APIKey{}, "", fmt.Errorf("key id: %w", err)
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return APIKey{}, "", fmt.Errorf("key secret: %w", err)
	}
	k := store.APIKey{
		ID: id, UserSID: userSID, Name: in.Name, Hash: hash, IsActive: in.IsActive == nil || *in.IsActive,
		ExpiryTimeMsecs: in.ExpiryTimeMsecs, CreatedBySID: p.User.SID, CreatedMsecs: s.nowMsecs(),
		Cap: s.keyCap(p, userSID),
	}
	err = s.write(ctx, p, "create_user_api_key", func(t *txn) error {
		owner, err := s.decideOnUser(ctx, t, p, userSID, ActMintCredential)
		if err != nil {
			return err
		}
		held, err := t.ListAPIKeys(ctx, store.APIKeyFilter{OwnerSIDs: []string{userSID}})
		if err != nil {
			return err
		}
		if len(held) >= s.maxKeys {
			return invalid("%s holds %d API keys, the most one user may hold; delete one first", owner, len(held))
		}
		t.audit(ctx, "create_user_api_key", id, in.Name, "of user "+userSID)
		return t.CreateAPIKey(ctx, k)
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return APIKey{APIKey: k, IsExpired: false}, secret, nil
}

// GetAPIKey returns one key of a user.
func (s *Service) GetAPIKey(ctx context.Context, p *Principal, userSID, id string) (APIKey, error) {
	if _, err := s.readUser(ctx, s.store, p, userSID, ActReadCredentials); err != nil {
		return APIKey{}, err
	}
	k, err := userKey(ctx, s.store, p, userSID, id)
	if err != nil {
		return APIKey{}, err
	}
	return viewKeys([]store.APIKey{k}, s.nowMsecs())[0], nil
}

// userKey returns key id of user userSID; a key of another user is 404,
// and so is any key of a user p does not reach, before the key is looked
// for: whether such a key exists is no business of p's.
func userKey(ctx context.Context, r store.Reader, p *Principal, userSID, id string) (store.APIKey, error) {
	if !p.isSelf(userSID) {
		u, err := r.GetUser(ctx, userSID)
		if err == nil {
			err = p.inScope(Target{Kind: KindUser, ID: userSID, Tenant: u.TenantID})
		}
		if err != nil {
			return store.APIKey{}, err
		}
	}
	k, err := r.GetAPIKey(ctx, id)
	if err == nil && k.UserSID != userSID {
		err = fmt.Errorf("API key %q of user %q: %w", id, userSID, store.ErrNotFound)
	}
	return k, err
}

// ListUserAPIKeys returns the keys of one user q selects.
func (s *Service) ListUserAPIKeys(ctx context.Context, p *Principal, userSID string, q KeyQuery) ([]APIKey, error) {
	if _, err := s.readUser(ctx, s.store, p, userSID, ActReadCredentials); err != nil {
		return nil, err
	}
	q.OwnerSIDs = []string{userSID}
	return s.listKeys(ctx, q)
}

// ListAllAPIKeys returns every key q selects, of the users of the
// organizations p reaches, to who may list everyone's keys, and the
// caller's own to anyone else.
func (s *Service) ListAllAPIKeys(ctx context.Context, p *Principal, q KeyQuery) ([]APIKey, error) {
	if s.decide(p, ActReadAllCredentials, Target{Kind: KindUser}) != nil {
		if len(q.OwnerSIDs) > 0 && !slices.Contains(q.OwnerSIDs, p.User.SID) {
			return []APIKey{}, nil
		}
		q.OwnerSIDs = []string{p.User.SID}
	}
	keys, err := s.listKeys(ctx, q)
	if err != nil {
		return nil, err
	}
	return keepReachable(ctx, s, p, keys, func(k APIKey) string { return k.UserSID })
}

func (s *Service) listKeys(ctx context.Context, q KeyQuery) ([]APIKey, error) {
	now := s.nowMsecs()
	keys, err := s.store.ListAPIKeys(ctx, store.APIKeyFilter{IDs: q.IDs, OwnerSIDs: q.OwnerSIDs,
		IsActive: q.IsActive, IsExpired: q.IsExpired, NowMsecs: now})
	if err != nil {
		return nil, err
	}
	return viewKeys(keys, now), nil
}

// UpdateAPIKey renames, (de)activates or re-dates a key. Making a key
// usable again or for longer is minting it anew: it takes the same rights
// as making one, and the key's cap narrows to what the caller holds.
func (s *Service) UpdateAPIKey(ctx context.Context, p *Principal, userSID, id string, in APIKeyInput) (APIKey, error) {
	if err := s.checkKeyInput(in, false); err != nil {
		return APIKey{}, s.refused(ctx, p, "update_user_api_key", err)
	}
	details := "of user " + userSID
	if in.IsActive != nil {
		details += fmt.Sprintf("; isActive %t", *in.IsActive)
	}
	return s.changeKey(ctx, p, "update_user_api_key", userSID, id, details,
		func(k store.APIKey) Act {
			if extends(k, in) {
				return ActMintCredential
			}
			return ActRevokeCredential
		},
		func(k *store.APIKey) {
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
		})
}

// extends reports whether in makes key k usable where it was not, or for
// longer.
func extends(k store.APIKey, in APIKeyInput) bool {
	switch {
	case in.IsActive != nil && *in.IsActive && !k.IsActive:
		return true
	case in.ClearExpiry && k.ExpiryTimeMsecs != nil:
		return true
	case in.ExpiryTimeMsecs != nil && k.ExpiryTimeMsecs != nil && *in.ExpiryTimeMsecs > *k.ExpiryTimeMsecs:
		return true
	}
	return false
}

// RotateAPIKey gives key id a new secret, returned once; the old one stops
// working at once.
func (s *Service) RotateAPIKey(ctx context.Context, p *Principal, userSID, id string) (APIKey, string, error) {
	secret, hash, err := auth.NewToken()
	if err != nil {
		return APIKey{}, "", fmt.Errorf("key secret: %w", err)
	}
	k, err := s.changeKey(ctx, p, "rotate_user_api_key", userSID, id, "of user "+userSID,
		func(store.APIKey) Act { return ActMintCredential },
		func(k *store.APIKey) { k.Hash, k.LastRotatedMsecs = hash, s.nowMsecs() })
	if err != nil {
		return APIKey{}, "", err
	}
	return k, secret, nil
}

// changeKey applies change to key id of user userSID, as the act actOf
// names for the key as it stands, in one audited transaction.
func (s *Service) changeKey(ctx context.Context, p *Principal, op, userSID, id, details string,
	actOf func(store.APIKey) Act, change func(*store.APIKey)) (APIKey, error) {
	var out store.APIKey
	err := s.write(ctx, p, op, func(t *txn) error {
		cur, err := userKey(ctx, t, p, userSID, id)
		if err != nil {
			return err
		}
		act := actOf(cur)
		if _, err := s.decideOnUser(ctx, t, p, userSID, act); err != nil {
			return err
		}
		t.audit(ctx, op, id, cur.Name, details)
		out, err = t.UpdateAPIKey(ctx, id, func(k store.APIKey) (store.APIKey, error) {
			if k.UserSID != userSID {
				return k, fmt.Errorf("API key %q of user %q: %w", id, userSID, store.ErrNotFound)
			}
			change(&k)
			if act == ActMintCredential {
				k.Cap = s.narrowCap(p, userSID, k.Cap)
			}
			return k, nil
		})
		return err
	})
	if err != nil {
		return APIKey{}, err
	}
	return viewKeys([]store.APIKey{out}, s.nowMsecs())[0], nil
}

// DeleteAPIKey deletes one key of a user.
func (s *Service) DeleteAPIKey(ctx context.Context, p *Principal, userSID, id string) error {
	return s.write(ctx, p, "delete_user_api_key", func(t *txn) error {
		k, err := userKey(ctx, t, p, userSID, id)
		if err != nil {
			return err
		}
		if _, err := s.decideOnUser(ctx, t, p, userSID, ActRevokeCredential); err != nil {
			return err
		}
		t.audit(ctx, "delete_user_api_key", id, k.Name, "of user "+userSID)
		return t.DeleteAPIKey(ctx, id)
	})
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
	secret, err := newS3Secret()
	if err != nil {
		return "", err
	}
	sealed, err := s.box.Seal([]byte(secret), []byte(sid))
	if err != nil {
		return "", fmt.Errorf("seal s3 secret: %w", err)
	}
	err = s.write(ctx, p, "regenerate_s3_key", func(t *txn) error {
		owner, err := s.decideOnUser(ctx, t, p, sid, ActRegenerateS3Key)
		if err != nil {
			return err
		}
		t.audit(ctx, "regenerate_s3_key", sid, owner.Name, "")
		_, err = t.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
			u.S3SecretEnc, u.UpdatedMsecs = sealed, s.nowMsecs()
			return u, nil
		})
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
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
