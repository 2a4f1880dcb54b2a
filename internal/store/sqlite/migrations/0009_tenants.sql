-- foreign_keys: off
-- 0009: organizations (tenants), and names unique per tenant.
--
-- The first line has sqlstore.Migrate run this migration with foreign
-- keys off: users and groups are rebuilt (SQLite's twelve steps,
-- https://www.sqlite.org/lang_altertable.html#otheralter) to change the
-- UNIQUE constraint that is part of their definition, and dropping the
-- old tables with foreign keys on would delete, by cascade, every role,
-- membership, API key and session that references them. Migrate checks
-- the references (PRAGMA foreign_key_check) before it commits.

-- A tenant's id is its parent's id followed by its suffix and "/". A
-- deleted tenant stays, with status 'Deleted', so that its id is never
-- used again; its name is free again: name_key (store.Fold of the name)
-- is unique among the tenants not deleted inside one parent (parent_id,
-- "" for the top level), so that one organization's names tell nothing of
-- another's. network is a JSON object, NULL
-- when none was given.
CREATE TABLE tenants (
	id                   TEXT PRIMARY KEY,
	parent_id            TEXT NOT NULL,
	name                 TEXT NOT NULL,
	name_key             TEXT NOT NULL,
	description          TEXT NOT NULL,
	status               TEXT NOT NULL,
	is_managed_on_helios INTEGER NOT NULL,
	network              TEXT,
	created_msecs        INTEGER NOT NULL,
	updated_msecs        INTEGER NOT NULL,
	deleted_msecs        INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX tenants_name_key ON tenants (parent_id, name_key) WHERE status <> 'Deleted';

-- Users: unique by name per tenant and domain. The columns are those of
-- 0001 and the later ALTERs, with their defaults.
CREATE TABLE users_new (
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
	directory_groups TEXT NOT NULL DEFAULT '[]',
	failed_logins      INTEGER NOT NULL DEFAULT 0,
	failed_since_msecs INTEGER NOT NULL DEFAULT 0,
	locked_until_msecs INTEGER NOT NULL DEFAULT 0,
	password_cap               TEXT,
	logins_pending             INTEGER NOT NULL DEFAULT 0,
	logins_pending_until_msecs INTEGER NOT NULL DEFAULT 0,
	username_skeleton TEXT NOT NULL DEFAULT '',
	UNIQUE (tenant_id, username_key, domain_key)
) STRICT;

INSERT INTO users_new (sid, domain, domain_key, username, username_key, description, email,
	email_key, password_hash, effective_msecs, expiry_msecs, locked, locked_reason, restricted,
	allow_smb, force_pw_change, s3_access_key_id, s3_account_id, s3_secret_enc, tenant_id,
	source_ids, view_ids, created_msecs, updated_msecs, last_login_msecs, directory_groups,
	failed_logins, failed_since_msecs, locked_until_msecs, password_cap, logins_pending,
	logins_pending_until_msecs, username_skeleton)
SELECT sid, domain, domain_key, username, username_key, description, email,
	email_key, password_hash, effective_msecs, expiry_msecs, locked, locked_reason, restricted,
	allow_smb, force_pw_change, s3_access_key_id, s3_account_id, s3_secret_enc, tenant_id,
	source_ids, view_ids, created_msecs, updated_msecs, last_login_msecs, directory_groups,
	failed_logins, failed_since_msecs, locked_until_msecs, password_cap, logins_pending,
	logins_pending_until_msecs, username_skeleton
FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- The indexes of 0001, 0004 and 0008; the skeletons are looked up per
-- tenant now. users_domain_key serves what the old UNIQUE's index did: a
-- lookup by domain alone.
CREATE INDEX users_username_key ON users (username_key, sid);
CREATE INDEX users_email_key ON users (email_key);
CREATE INDEX users_tenant_id ON users (tenant_id, created_msecs, sid);
CREATE INDEX users_created ON users (created_msecs, sid);
CREATE INDEX users_username_skeleton ON users (tenant_id, domain_key, username_skeleton);
CREATE INDEX users_domain_key ON users (domain_key, username_key);

-- Groups: one owner tenant ('' the cluster) instead of the JSON list
-- tenant_ids, whose strings named no real tenant; unique by name per
-- tenant and domain.
CREATE TABLE groups_new (
	sid           TEXT PRIMARY KEY,
	domain        TEXT NOT NULL,
	domain_key    TEXT NOT NULL,
	name          TEXT NOT NULL,
	name_key      TEXT NOT NULL,
	description   TEXT NOT NULL,
	restricted    INTEGER NOT NULL,
	tenant_id     TEXT NOT NULL DEFAULT '',
	source_ids    TEXT NOT NULL,
	view_ids      TEXT NOT NULL,
	created_msecs INTEGER NOT NULL,
	updated_msecs INTEGER NOT NULL,
	name_skeleton TEXT NOT NULL DEFAULT '',
	UNIQUE (tenant_id, name_key, domain_key)
) STRICT;

INSERT INTO groups_new (sid, domain, domain_key, name, name_key, description, restricted,
	source_ids, view_ids, created_msecs, updated_msecs, name_skeleton)
SELECT sid, domain, domain_key, name, name_key, description, restricted,
	source_ids, view_ids, created_msecs, updated_msecs, name_skeleton
FROM groups;

DROP TABLE groups;
ALTER TABLE groups_new RENAME TO groups;

CREATE INDEX groups_name_key ON groups (name_key, sid);
CREATE INDEX groups_created ON groups (created_msecs, sid);
CREATE INDEX groups_name_skeleton ON groups (tenant_id, domain_key, name_skeleton);
CREATE INDEX groups_tenant_id ON groups (tenant_id);
CREATE INDEX groups_domain_key ON groups (domain_key, name_key);

-- Roles: one owner tenant too; names stay unique across the cluster, so
-- the table keeps its constraints and only its columns change.
ALTER TABLE roles DROP COLUMN tenant_ids;
ALTER TABLE roles ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
CREATE INDEX roles_tenant_id ON roles (tenant_id);

-- The audit trail names the tenant an act was made in ('' the cluster)
-- and, for an impersonation, the actor's own. audit_log_tenant serves a
-- tenant's entries in the order they are listed (time, then id).
ALTER TABLE audit_log ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN tenant_name TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN original_tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN original_tenant_name TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN is_impersonation INTEGER NOT NULL DEFAULT 0;
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, time_usecs, id);
