-- 0010: second factors. One row per user who holds any: the TOTP key in
-- use and one enrolled but not yet confirmed by a code (both sealed), the
-- time step of the last code accepted (no code is accepted twice), and
-- the e-mailed code in flight (a keyed hash) with its sends this hour.

CREATE TABLE user_mfa (
	user_sid                 TEXT PRIMARY KEY REFERENCES users (sid) ON DELETE CASCADE,
	totp_key_id              TEXT NOT NULL DEFAULT '',
	totp_key_name            TEXT NOT NULL DEFAULT '',
	totp_secret              BLOB,
	pending_key_id           TEXT NOT NULL DEFAULT '',
	pending_key_name         TEXT NOT NULL DEFAULT '',
	pending_secret           BLOB,
	pending_created_msecs    INTEGER NOT NULL DEFAULT 0,
	totp_last_step           INTEGER NOT NULL DEFAULT 0,
	email_code_hash          BLOB,
	email_code_expires_msecs INTEGER NOT NULL DEFAULT 0,
	email_sends              INTEGER NOT NULL DEFAULT 0,
	email_sends_since_msecs  INTEGER NOT NULL DEFAULT 0,
	updated_msecs            INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
