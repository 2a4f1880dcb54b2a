package jwtrust

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// maxKeysBytes is the largest JWKS document read.
const maxKeysBytes = 1 << 20

// fetchTimeout bounds one fetch of a JWKS or of issuer metadata.
const fetchTimeout = 10 * time.Second

// KeySet is the cached JWKS of one key URL, shared by every trust that names
// it. It fetches when its keys are older than the poll interval or a token
// names an unknown kid, never more than once per MinFetchInterval by itself;
// callers that miss while a fetch runs wait for that fetch.
type KeySet struct {
	url    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger

	mu        sync.Mutex
	poll      time.Duration
	keys      map[string]jose.JSONWebKey
	fetchedAt time.Time     // last successful fetch
	triedAt   time.Time     // last fetch started
	running   chan struct{} // closed when the running fetch ends
}

// key returns the key named kid, fetching first when the cache is stale or
// misses and a fetch is allowed now.
func (k *KeySet) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	for waited := false; ; waited = true {
		k.mu.Lock()
		now := k.now()
		key, found := k.keys[kid]
		stale := k.fetchedAt.IsZero() || now.Sub(k.fetchedAt) >= k.poll
		if found && !stale {
			k.mu.Unlock()
			return key, nil
		}
		if running := k.running; running != nil && !waited {
			k.mu.Unlock()
			select {
			case <-running:
				continue
			case <-ctx.Done():
				return jose.JSONWebKey{}, ctx.Err()
			}
		}
		due := k.triedAt.IsZero() || now.Sub(k.triedAt) >= MinFetchInterval
		if waited || !due || k.running != nil {
			k.mu.Unlock()
			if found {
				return key, nil // stale but still the issuer's latest we know
			}
			return jose.JSONWebKey{}, fmt.Errorf("%w %q (next fetch allowed %s after the last)", ErrUnknownKey, kid, MinFetchInterval)
		}
		running := k.start(now)
		k.mu.Unlock()
		k.fetch(ctx, running)
	}
}

// Refresh fetches the keys now, whatever the time of the last fetch. It is
// the administrator's RefreshPublicKeys.
func (k *KeySet) Refresh(ctx context.Context) error {
	k.mu.Lock()
	if running := k.running; running != nil {
		k.mu.Unlock()
		select {
		case <-running:
		case <-ctx.Done():
			return ctx.Err()
		}
		k.mu.Lock()
	}
	running := k.start(k.now())
	k.mu.Unlock()
	return k.fetch(ctx, running)
}

// start marks a fetch as running; k.mu is held.
func (k *KeySet) start(now time.Time) chan struct{} {
	k.triedAt = now
	k.running = make(chan struct{})
	return k.running
}

// fetch gets the JWKS and stores its usable keys. It runs detached from the
// caller's cancellation, because other callers may be waiting for it.
func (k *KeySet) fetch(ctx context.Context, running chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	keys, err := k.get(ctx)
	k.mu.Lock()
	if err == nil {
		k.keys = keys
		k.fetchedAt = k.now()
	}
	k.running = nil
	close(running)
	k.mu.Unlock()
	if err != nil {
		k.log.WarnContext(ctx, "jwt keys fetch failed", "url", k.url, "err", err)
		return fmt.Errorf("%w: %w", ErrKeysFetch, err)
	}
	k.log.InfoContext(ctx, "jwt keys fetched", "url", k.url, "keys", len(keys))
	return nil
}

func (k *KeySet) get(ctx context.Context) (map[string]jose.JSONWebKey, error) {
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, k.client, k.url, &set); err != nil {
		return nil, err
	}
	keys := make(map[string]jose.JSONWebKey)
	for _, key := range set.Keys {
		if key.KeyID == "" || (key.Use != "" && key.Use != "sig") || !usable(key.Key) {
			continue
		}
		keys[key.KeyID] = key.Public()
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no usable signing key", k.url)
	}
	return keys, nil
}

// usable says whether a public key is of a kind and size the allow-list
// verifies: RSA of 2048 bits or more, ECDSA on P-256, Ed25519.
func usable(key any) bool {
	switch key := key.(type) {
	case *rsa.PublicKey:
		return key.N.BitLen() >= 2048
	case *rsa.PrivateKey:
		return key.N.BitLen() >= 2048
	case *ecdsa.PublicKey:
		return key.Curve == elliptic.P256()
	case *ecdsa.PrivateKey:
		return key.Curve == elliptic.P256()
	case ed25519.PublicKey, ed25519.PrivateKey:
		return true
	}
	return false
}

// getJSON GETs url and decodes its JSON body, refusing anything but a 200
// of at most maxKeysBytes.
func getJSON(ctx context.Context, client *http.Client, url string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeysBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if len(body) > maxKeysBytes {
		return fmt.Errorf("GET %s: body larger than %d bytes", url, maxKeysBytes)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
