-- 0007: credentials minted by one principal for another carry at most the
-- privileges the minter held (NULL: no cap), and log-ins reserve their
-- password check on the account before making it.

ALTER TABLE users ADD COLUMN password_cap JSONB;
ALTER TABLE users ADD COLUMN logins_pending BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN logins_pending_until_msecs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN privilege_cap JSONB;
ALTER TABLE sessions ADD COLUMN privilege_cap JSONB;
