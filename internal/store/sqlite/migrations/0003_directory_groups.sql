-- 0003: the sids of the cluster groups a directory user was found in at
-- its last log-in (a JSON array); its group-derived roles come from them.

ALTER TABLE users ADD COLUMN directory_groups TEXT NOT NULL DEFAULT '[]';
