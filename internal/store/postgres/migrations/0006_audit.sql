-- 0006: the audit trail. Entries outlive the users they name, so nothing
-- here references another table. The *_key columns hold store.Fold of
-- what they index; search_key folds the entity's name and id and the
-- details together for substring search. Times are microseconds.

CREATE TABLE audit_log (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time_usecs     BIGINT NOT NULL,
	actor_sid      TEXT COLLATE "C" NOT NULL,
	actor_domain   TEXT COLLATE "C" NOT NULL,
	actor_username TEXT COLLATE "C" NOT NULL,
	actor_domain_key   TEXT COLLATE "C" NOT NULL,
	actor_username_key TEXT COLLATE "C" NOT NULL,
	ip             TEXT COLLATE "C" NOT NULL,
	action         TEXT COLLATE "C" NOT NULL,
	entity_type    TEXT COLLATE "C" NOT NULL,
	entity_id      TEXT COLLATE "C" NOT NULL,
	entity_name    TEXT COLLATE "C" NOT NULL,
	details        TEXT COLLATE "C" NOT NULL,
	search_key     TEXT COLLATE "C" NOT NULL
);

CREATE INDEX audit_log_time ON audit_log (time_usecs, id);
CREATE INDEX audit_log_actor ON audit_log (actor_username_key, time_usecs);
