-- 0011: what the security settings apply to. When each password was set
-- (passwordLifetime; existing ones count from their row's last update),
-- when an administrator last unlocked a user or set its password (the
-- inactivity lock-out starts again there), when each session was last
-- used (the idle timeout; existing ones from their creation), and the
-- former passwords' hashes that passwordReuse needs.

ALTER TABLE users ADD COLUMN password_set_msecs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reactivated_msecs BIGINT NOT NULL DEFAULT 0;
UPDATE users SET password_set_msecs = updated_msecs;

ALTER TABLE sessions ADD COLUMN last_used_msecs BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_used_msecs = created_msecs;
CREATE INDEX sessions_last_used ON sessions (last_used_msecs);

CREATE TABLE password_history (
	user_sid TEXT COLLATE "C" NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	seq      BIGINT NOT NULL,
	hash     TEXT NOT NULL,
	PRIMARY KEY (user_sid, seq)
);
