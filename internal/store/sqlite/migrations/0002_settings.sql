-- 0002: named settings that must be the same for every process serving
-- the database, such as the check value of the S3-secret encryption key.

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
