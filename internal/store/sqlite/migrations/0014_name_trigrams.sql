-- 0014: trigram indexes of the name keys, for partial-name search
-- (sqlstore/trigram.go). An FTS5 table with the trigram tokenizer finds
-- the names holding a substring of 3 characters or more without reading
-- every name. The keys are folded already (store.Fold), hence
-- case_sensitive 1: the index must not fold them again.
--
-- The FTS table is contentless (it stores no copy of the keys) and keyed
-- by an id of its own, mapped to the sid by *_name_trgm_ids: the rowid
-- of users and groups, which have no INTEGER PRIMARY KEY, may change
-- on VACUUM. Triggers keep both in step with the table. A later
-- migration that rebuilds users or groups drops these triggers with the
-- old table and must create them again.

CREATE TABLE users_name_trgm_ids (
	id  INTEGER PRIMARY KEY,
	sid TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE users_name_trgm USING fts5(
	name_key, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
INSERT INTO users_name_trgm_ids (sid) SELECT sid FROM users;
INSERT INTO users_name_trgm (rowid, name_key)
	SELECT i.id, t.username_key FROM users t JOIN users_name_trgm_ids i ON i.sid = t.sid;

CREATE TRIGGER users_name_trgm_insert AFTER INSERT ON users BEGIN
	INSERT INTO users_name_trgm_ids (sid) VALUES (new.sid);
	INSERT INTO users_name_trgm (rowid, name_key)
		VALUES ((SELECT id FROM users_name_trgm_ids WHERE sid = new.sid), new.username_key);
END;
CREATE TRIGGER users_name_trgm_delete AFTER DELETE ON users BEGIN
	DELETE FROM users_name_trgm WHERE rowid = (SELECT id FROM users_name_trgm_ids WHERE sid = old.sid);
	DELETE FROM users_name_trgm_ids WHERE sid = old.sid;
END;
CREATE TRIGGER users_name_trgm_update AFTER UPDATE OF sid, username_key ON users
WHEN old.sid IS NOT new.sid OR old.username_key IS NOT new.username_key BEGIN
	DELETE FROM users_name_trgm WHERE rowid = (SELECT id FROM users_name_trgm_ids WHERE sid = old.sid);
	DELETE FROM users_name_trgm_ids WHERE sid = old.sid;
	INSERT INTO users_name_trgm_ids (sid) VALUES (new.sid);
	INSERT INTO users_name_trgm (rowid, name_key)
		VALUES ((SELECT id FROM users_name_trgm_ids WHERE sid = new.sid), new.username_key);
END;

CREATE TABLE groups_name_trgm_ids (
	id  INTEGER PRIMARY KEY,
	sid TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE groups_name_trgm USING fts5(
	name_key, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
INSERT INTO groups_name_trgm_ids (sid) SELECT sid FROM groups;
INSERT INTO groups_name_trgm (rowid, name_key)
	SELECT i.id, t.name_key FROM groups t JOIN groups_name_trgm_ids i ON i.sid = t.sid;

CREATE TRIGGER groups_name_trgm_insert AFTER INSERT ON groups BEGIN
	INSERT INTO groups_name_trgm_ids (sid) VALUES (new.sid);
	INSERT INTO groups_name_trgm (rowid, name_key)
		VALUES ((SELECT id FROM groups_name_trgm_ids WHERE sid = new.sid), new.name_key);
END;
CREATE TRIGGER groups_name_trgm_delete AFTER DELETE ON groups BEGIN
	DELETE FROM groups_name_trgm WHERE rowid = (SELECT id FROM groups_name_trgm_ids WHERE sid = old.sid);
	DELETE FROM groups_name_trgm_ids WHERE sid = old.sid;
END;
CREATE TRIGGER groups_name_trgm_update AFTER UPDATE OF sid, name_key ON groups
WHEN old.sid IS NOT new.sid OR old.name_key IS NOT new.name_key BEGIN
	DELETE FROM groups_name_trgm WHERE rowid = (SELECT id FROM groups_name_trgm_ids WHERE sid = old.sid);
	DELETE FROM groups_name_trgm_ids WHERE sid = old.sid;
	INSERT INTO groups_name_trgm_ids (sid) VALUES (new.sid);
	INSERT INTO groups_name_trgm (rowid, name_key)
		VALUES ((SELECT id FROM groups_name_trgm_ids WHERE sid = new.sid), new.name_key);
END;
