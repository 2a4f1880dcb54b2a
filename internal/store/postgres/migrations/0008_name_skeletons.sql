-- 0008: the confusables skeleton (names.Skeleton) of each user, group and
-- role name, indexed, to refuse a new name that looks like another of its
-- kind and domain. The store fills it in, and recomputes the *_key
-- columns with the PRECIS key, after the migrations (rekey.go): SQL
-- cannot compute either.

ALTER TABLE users ADD COLUMN username_skeleton TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN name_skeleton TEXT NOT NULL DEFAULT '';
ALTER TABLE roles ADD COLUMN name_skeleton TEXT NOT NULL DEFAULT '';

CREATE INDEX users_username_skeleton ON users (domain_key, username_skeleton);
CREATE INDEX groups_name_skeleton ON groups (domain_key, name_skeleton);
CREATE INDEX roles_name_skeleton ON roles (name_skeleton);
