-- 0001: initial schema, the PostgreSQL twin of the SQLite one. Names are
-- unique case-insensitively through the *_key columns, which hold
-- store.Fold of the name beside it. Text sorts and compares bytewise
-- (COLLATE "C"), as in SQLite. Lists of ids are JSONB arrays. Times are
-- milliseconds since the Unix epoch.

CREATE TABLE meta (
	key   TEXT COLLATE "C" PRIMARY KEY,
	value BIGINT NOT NULL
);

INSERT INTO meta (key, value) VALUES ('next_rid', 1000);

CREATE TABLE roles (
	name            TEXT COLLATE "C" PRIMARY KEY,
	name_key        TEXT COLLATE "C" NOT NULL UNIQUE,
	label           TEXT NOT NULL,
	description     TEXT NOT NULL,
	privileges      JSONB NOT NULL,
	is_user_created BOOLEAN NOT NULL,
	tenant_ids      JSONB NOT NULL,
	created_msecs   BIGINT NOT NULL,
	updated_msecs   BIGINT NOT NULL
);

CREATE TABLE users (
	sid              TEXT COLLATE "C" PRIMARY KEY,
	domain           TEXT NOT NULL,
	domain_key       TEXT COLLATE "C" NOT NULL,
	username         TEXT NOT NULL,
	username_key     TEXT COLLATE "C" NOT NULL,
	description      TEXT NOT NULL,
	email            TEXT NOT NULL,
	email_key        TEXT COLLATE "C" NOT NULL,
	password_hash    TEXT NOT NULL,
	effective_msecs  BIGINT,
	expiry_msecs     BIGINT,
	locked           BOOLEAN NOT NULL,
	locked_reason    TEXT NOT NULL,
	restricted       BOOLEAN NOT NULL,
	allow_smb        BOOLEAN NOT NULL,
	force_pw_change  BOOLEAN NOT NULL,
	s3_access_key_id TEXT NOT NULL,
	s3_account_id    TEXT NOT NULL,
	s3_secret_enc    BYTEA,
	tenant_id        TEXT COLLATE "C" NOT NULL,
	source_ids       JSONB NOT NULL,
	view_ids         JSONB NOT NULL,
	created_msecs    BIGINT NOT NULL,
	updated_msecs    BIGINT NOT NULL,
	last_login_msecs BIGINT NOT NULL,
	UNIQUE (domain_key, username_key)
);

CREATE INDEX users_username_key ON users (username_key);
CREATE INDEX users_email_key ON users (email_key);
CREATE INDEX users_tenant_id ON users (tenant_id);
CREATE INDEX users_created ON users (created_msecs, sid);

CREATE TABLE user_roles (
	user_sid TEXT COLLATE "C" NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	role     TEXT COLLATE "C" NOT NULL REFERENCES roles (name) ON DELETE RESTRICT,
	pos      INTEGER NOT NULL,
	PRIMARY KEY (user_sid, role)
);

CREATE INDEX user_roles_role ON user_roles (role);

CREATE TABLE groups (
	sid           TEXT COLLATE "C" PRIMARY KEY,
	domain        TEXT NOT NULL,
	domain_key    TEXT COLLATE "C" NOT NULL,
	name          TEXT NOT NULL,
	name_key      TEXT COLLATE "C" NOT NULL,
	description   TEXT NOT NULL,
	restricted    BOOLEAN NOT NULL,
	tenant_ids    JSONB NOT NULL,
	source_ids    JSONB NOT NULL,
	view_ids      JSONB NOT NULL,
	created_msecs BIGINT NOT NULL,
	updated_msecs BIGINT NOT NULL,
	UNIQUE (domain_key, name_key)
);

CREATE INDEX groups_name_key ON groups (name_key);
CREATE INDEX groups_created ON groups (created_msecs, sid);

CREATE TABLE group_roles (
	group_sid TEXT COLLATE "C" NOT NULL REFERENCES groups (sid) ON DELETE CASCADE,
	role      TEXT COLLATE "C" NOT NULL REFERENCES roles (name) ON DELETE RESTRICT,
	pos       INTEGER NOT NULL,
	PRIMARY KEY (group_sid, role)
);

CREATE INDEX group_roles_role ON group_roles (role);

CREATE TABLE group_members (
	group_sid TEXT COLLATE "C" NOT NULL REFERENCES groups (sid) ON DELETE CASCADE,
	user_sid  TEXT COLLATE "C" NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	pos       INTEGER NOT NULL,
	PRIMARY KEY (group_sid, user_sid)
);

CREATE INDEX group_members_user_sid ON group_members (user_sid);

CREATE TABLE api_keys (
	id                 TEXT COLLATE "C" PRIMARY KEY,
	user_sid           TEXT COLLATE "C" NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	name               TEXT NOT NULL,
	hash               BYTEA NOT NULL UNIQUE,
	is_active          BOOLEAN NOT NULL,
	expiry_msecs       BIGINT,
	created_by_sid     TEXT NOT NULL,
	created_msecs      BIGINT NOT NULL,
	last_rotated_msecs BIGINT NOT NULL
);

CREATE INDEX api_keys_user_sid ON api_keys (user_sid);

CREATE TABLE sessions (
	hash          BYTEA NOT NULL PRIMARY KEY,
	user_sid      TEXT COLLATE "C" NOT NULL REFERENCES users (sid) ON DELETE CASCADE,
	kind          TEXT NOT NULL,
	created_msecs BIGINT NOT NULL,
	expires_msecs BIGINT NOT NULL
);

CREATE INDEX sessions_user_sid ON sessions (user_sid, expires_msecs);
CREATE INDEX sessions_expires ON sessions (expires_msecs);
