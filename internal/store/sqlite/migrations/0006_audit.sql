-- 0006: the audit trail. Entries outlive the users they name, so nothing
-- here references another table. The *_key columns hold store.Fold of
-- what they index; search_key folds the entity's name and id and the
-- details together for substring search. Times are microseconds.

CREATE TABLE audit_log (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	time_usecs     INTEGER NOT NULL,
	actor_sid      TEXT NOT NULL,
	actor_domain   TEXT NOT NULL,
	actor_username TEXT NOT NULL,
	actor_domain_key   TEXT NOT NULL,
	actor_username_key TEXT NOT NULL,
	ip             TEXT NOT NULL,
	action         TEXT NOT NULL,
	entity_type    TEXT NOT NULL,
	entity_id      TEXT NOT NULL,
	entity_name    TEXT NOT NULL,
	details        TEXT NOT NULL,
	search_key     TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_time ON audit_log (time_usecs, id);
CREATE INDEX audit_log_actor ON audit_log (actor_username_key, time_usecs);
