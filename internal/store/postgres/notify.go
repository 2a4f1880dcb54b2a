package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Publish sends payload to every process listening on this database and
// schema (LISTEN/NOTIFY), this one included.
func (s *Store) Publish(ctx context.Context, payload string) error {
	if _, err := s.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", s.channel, payload); err != nil {
		return fmt.Errorf("postgres: notify: %w", err)
	}
	return nil
}

// Listen calls fn with every payload published on this database and schema
// until ctx ends, on a connection of its own that it re-opens when lost.
// It calls up(true) once it listens and up(false) when it stops hearing,
// so that the caller never trusts what it may have missed.
func (s *Store) Listen(ctx context.Context, fn func(payload string), up func(listening bool)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, fn, up)
		up(false)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce listens on one connection until it fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, fn func(string), up func(bool)) error {
	conn, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	up(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
