-- 0001: initial schema. Names are unique case-insensitively through the
-- *_key columns, which hold store.Fold of the name beside it. Lists of ids
-- are JSON arrays. Times are milliseconds since the Unix epoch.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;

INSERT INTO meta (key, value) VALUES ('next_rid', 1000);

CREATE TABLE roles (
	name            TEXT PRIMARY KEY,
	name_key        TEXT NOT NULL UNIQUE,
	label           TEXT NOT NULL,
	description     TEXT NOT NULL,
	privileges      TEXT NOT NULL,
	is_user_created INTEGER NOT NULL,
	tenant_ids      TEXT NOT NULL,
	created_msecs   INTEGER NOT NULL,
	updated_msecs   INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	sid              TEXT PRIMARY KEY,
	domain           TEXT NOT NULL,
	domain_key       TEXT NOT NULL,
	username         TEXT NOT NULL,
	username_key     TEXT NOT NULL,
	description      TEXT NOT NULL,
	email            TEXT NOT NULL,
	email_key        TEXT NOT NULL,
	password_hash    TEXT NOT NULL,
	effective_msecs  INTEGER,
	expiry_msecs     INTEGER,
	locked           INTEGER NOT NULL,
	locked_reason    TEXT NOT NULL,
	restricted       INTEGER NOT NULL,
	allow_smb        INTEGER NOT NULL,
	force_pw_change  INTEGER NOT NULL,
	s3_access_key_id TEXT NOT NULL,
	s3_account_id    TEXT NOT NULL,
	s3_secret_enc    BLOB,
	tenant_id        TEXT NOT NULL,
	source_ids       TEXT NOT NULL,
	view_ids         TEXT NOT NULL,
	created_msecs    INTEGER NOT NULL,
	updated_msecs    INTEGER NOT NULL,
	last_login_msecs INTEGER NOT NULL,
	UNIQUE (domain_key, username_key)
) STRICT;

CREATE INDEX users_username_key ON users (username_key);
CREATE INDEX users_email_key ON users (email_key);
CREATE INDEX users_tenant_id ON users (tenant_id);
CREATE INDEX users_created ON users (created_msecs, sid);

CREATE TABLE user_roles (
	user_sid TEXT NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	role     TEXT NOT NULL REFERENCES roles (name) ON DELETE RESTRICT,
	pos      INTEGER NOT NULL,
	PRIMARY KEY (user_sid, role)
) STRICT, WITHOUT ROWID;

CREATE INDEX user_roles_role ON user_roles (role);

CREATE TABLE groups (
	sid           TEXT PRIMARY KEY,
	domain        TEXT NOT NULL,
	domain_key    TEXT NOT NULL,
	name          TEXT NOT NULL,
	name_key      TEXT NOT NULL,
	description   TEXT NOT NULL,
	restricted    INTEGER NOT NULL,
	tenant_ids    TEXT NOT NULL,
	source_ids    TEXT NOT NULL,
	view_ids      TEXT NOT NULL,
	created_msecs INTEGER NOT NULL,
	updated_msecs INTEGER NOT NULL,
	UNIQUE (domain_key, name_key)
) STRICT;

CREATE INDEX groups_name_key ON groups (name_key);
CREATE INDEX groups_created ON groups (created_msecs, sid);

CREATE TABLE group_roles (
	group_sid TEXT NOT NULL REFERENCES groups (sid) ON DELETE CASCADE,
	role      TEXT NOT NULL REFERENCES roles (name) ON DELETE RESTRICT,
	pos       INTEGER NOT NULL,
	PRIMARY KEY (group_sid, role)
) STRICT, WITHOUT ROWID;

CREATE INDEX group_roles_role ON group_roles (role);

CREATE TABLE group_members (
	group_sid TEXT NOT NULL REFERENCES groups (sid) ON DELETE CASCADE,
	user_sid  TEXT NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	pos       INTEGER NOT NULL,
	PRIMARY KEY (group_sid, user_sid)
) STRICT, WITHOUT ROWID;

CREATE INDEX group_members_user_sid ON group_members (user_sid);

CREATE TABLE api_keys (
	id                 TEXT PRIMARY KEY,
	user_sid           TEXT NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	name               TEXT NOT NULL,
	hash               BLOB NOT NULL UNIQUE,
	is_active          INTEGER NOT NULL,
	expiry_msecs       INTEGER,
	created_by_sid     TEXT NOT NULL,
	created_msecs      INTEGER NOT NULL,
	last_rotated_msecs INTEGER NOT NULL
) STRICT;

CREATE INDEX api_keys_user_sid ON api_keys (user_sid);

CREATE TABLE sessions (
	hash          BLOB NOT NULL PRIMARY KEY,
	user_sid      TEXT NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	kind          TEXT NOT NULL,
	created_msecs INTEGER NOT NULL,
	expires_msecs INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_user_sid ON sessions (user_sid, expires_msecs);
CREATE INDEX sessions_expires ON sessions (expires_msecs);
