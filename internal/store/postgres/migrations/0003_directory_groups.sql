-- 0003: the sids of the cluster groups a directory user was found in at
-- its last log-in; its group-derived roles come from them.

ALTER TABLE users ADD COLUMN directory_groups JSONB NOT NULL DEFAULT '[]';
