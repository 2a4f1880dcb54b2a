-- 0002: named settings that must be the same for every replica, such as
-- the check value of the S3-secret encryption key.

CREATE TABLE settings (
	name  TEXT COLLATE "C" PRIMARY KEY,
	value BYTEA NOT NULL
);
