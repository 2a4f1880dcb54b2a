-- 0015: an index of the users, and one of the groups, that have no
-- skeleton yet: rows from before 0008, or written since by a replica
-- still running an older binary. The store looks for them at every
-- opening (rekey.go). The skeleton indexes of 0009 lead with the tenant
-- and the domain, so that look-up read the whole of them to find none,
-- and the start grew with the store: most of it at 1M users (issue 17).
-- Partial, these hold only the rows still to re-key, none once the
-- store has re-keyed them: an insert adds nothing to them.

CREATE INDEX users_unskeletoned ON users (username_skeleton) WHERE username_skeleton = '';
CREATE INDEX groups_unskeletoned ON groups (name_skeleton) WHERE name_skeleton = '';
