package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/store/sqlite"
)

// Environment variables read when the matching flag is not given.
const (
	envDatabase      = "CLUSTERIAM_DATABASE"
	envSecretKey     = "CLUSTERIAM_SECRET_KEY" // the key itself, base64
	envSecretKeyFile = "CLUSTERIAM_SECRET_KEY_FILE"
	envSMTPURL       = "CLUSTERIAM_SMTP_URL"
)

// database is a parsed --database URL.
type database struct {
	postgres bool
	target   string // the SQLite file, or the PostgreSQL DSN
}

// String names the database for people, without its password.
func (d database) String() string {
	if !d.postgres {
		return d.target
	}
	u, err := url.Parse(d.target)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// parseDatabase reads a --database URL: sqlite:///path/file.db or
// postgres://user:pass@host:port/db?sslmode=...; "" is the SQLite file
// clusteriam.db in the data dir.
func parseDatabase(raw, dataDir string) (database, error) {
	if raw == "" {
		return database{target: filepath.Join(dataDir, "clusteriam.db")}, nil
	}
	if path, ok := strings.CutPrefix(raw, "sqlite://"); ok {
		if path == "" {
			return database{}, errors.New("--database sqlite:// names no file: use sqlite:///path/file.db")
		}
		return database{target: path}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's message would repeat the URL, password and all.
		return database{}, errors.New("--database is not a valid URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return database{}, fmt.Errorf("--database scheme %q: want sqlite:// or postgres://", u.Scheme)
	}
	return database{postgres: true, target: raw}, nil
}

// openStore opens the database cfg names, flag first, then environment.
func openStore(ctx context.Context, cfg serveConfig, getenv func(string) string) (store.Store, database, error) {
	raw := cfg.database
	if raw == "" {
		raw = getenv(envDatabase)
	}
	db, err := parseDatabase(raw, cfg.dataDir)
	if err != nil {
		return nil, db, err
	}
	if db.postgres {
		st, err := postgres.Open(ctx, db.target, postgres.Options{MaxConns: cfg.databaseMaxConns})
		return st, db, err
	}
	release, err := lockStore(db.target)
	if err != nil {
		return nil, db, err
	}
	st, err := sqlite.Open(ctx, db.target)
	if err != nil {
		release()
		return nil, db, err
	}
	return unlockOnClose{st, release}, db, nil
}

// unlockOnClose is an SQLite store that lets its lock go when it closes.
type unlockOnClose struct {
	*sqlite.Store
	release func()
}

func (u unlockOnClose) Close() error {
	defer u.release()
	return u.Store.Close()
}

// loadSecretKey returns the key that seals S3 secrets: from
// --secret-key-file, else CLUSTERIAM_SECRET_KEY_FILE, else
// CLUSTERIAM_SECRET_KEY. With SQLite and none of them, a key kept in the
// data dir is made on first start. With PostgreSQL one must be given, so
// that every replica has the same.
func loadSecretKey(cfg serveConfig, db database, getenv func(string) string) ([]byte, error) {
	file := cfg.secretKeyFile
	if file == "" {
		file = getenv(envSecretKeyFile)
	}
	text := getenv(envSecretKey)
	switch {
	case file != "" && text != "":
		return nil, fmt.Errorf("give the S3-secret key once: a key file or %s, not both", envSecretKey)
	case file != "":
		return auth.LoadKey(file)
	case text != "":
		key, err := auth.ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envSecretKey, err)
		}
		return key, nil
	case db.postgres:
		return nil, fmt.Errorf("with PostgreSQL every replica needs the same S3-secret key: "+
			"give --secret-key-file (or %s, or %s as base64); make one with: "+
			"head -c 32 /dev/urandom > secret.key && chmod 600 secret.key", envSecretKeyFile, envSecretKey)
	default:
		return auth.LoadOrCreateKey(filepath.Join(cfg.dataDir, "s3-secret.key"))
	}
}
