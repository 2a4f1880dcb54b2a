-- 0012: directory domains added through the API (Active Directory
-- domains and LDAP providers). The configuration is iam's JSON; the
-- secret the cluster binds with is sealed. Ids are never reused. A
-- directory user's full name is kept, as its directory has it.

CREATE TABLE directory_domains (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	type          TEXT NOT NULL,
	domain        TEXT NOT NULL,
	domain_key    TEXT NOT NULL UNIQUE,
	tenant_id     TEXT NOT NULL,
	spec          BLOB NOT NULL,
	secret_enc    BLOB,
	created_msecs INTEGER NOT NULL,
	updated_msecs INTEGER NOT NULL
) STRICT;

ALTER TABLE users ADD COLUMN full_name TEXT NOT NULL DEFAULT '';
