-- 0005: the account lock-out after repeated failed log-ins: how many
-- failed since when, and until when a lock they caused lasts.

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_since_msecs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until_msecs INTEGER NOT NULL DEFAULT 0;
