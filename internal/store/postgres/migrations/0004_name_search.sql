-- 0004: the name indexes carry the sid too, so that a substring search
-- (LIKE '%x%', which no b-tree can seek) scans the narrow index instead
-- of the table.

DROP INDEX users_username_key;
CREATE INDEX users_username_key ON users (username_key, sid);
DROP INDEX groups_name_key;
CREATE INDEX groups_name_key ON groups (name_key, sid);
