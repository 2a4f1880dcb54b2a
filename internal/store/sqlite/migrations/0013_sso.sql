-- 0013: single sign-on. Identity providers are kept in
-- directory_domains beside directories. A user of a provider's domain
-- holds the roles the provider gave it at its last sign-on. Ids to be
-- used once (SAML requests and assertions) are kept, hashed, until
-- they expire, so that every replica refuses a second use.

ALTER TABLE users ADD COLUMN idp_roles TEXT NOT NULL DEFAULT '[]';

CREATE TABLE sso_once (
	purpose       TEXT NOT NULL,
	key           BLOB NOT NULL,
	expires_msecs INTEGER NOT NULL,
	PRIMARY KEY (purpose, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX sso_once_expires ON sso_once (expires_msecs);
