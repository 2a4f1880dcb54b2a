-- 0009: organizations (tenants), and names unique per tenant; the
-- PostgreSQL twin of the SQLite migration, which must rebuild tables
-- where this one alters them.

-- A tenant's id is its parent's id followed by its suffix and "/". A
-- deleted tenant stays, with status 'Deleted', so that its id is never
-- used again; its name is free again: name_key (store.Fold of the name)
-- is unique among the tenants not deleted inside one parent (parent_id,
-- "" for the top level), so that one organization's names tell nothing of
-- another's. network is a JSON object, NULL
-- when none was given.
CREATE TABLE tenants (
	id                   TEXT COLLATE "C" PRIMARY KEY,
	parent_id            TEXT COLLATE "C" NOT NULL,
	name                 TEXT NOT NULL,
	name_key             TEXT COLLATE "C" NOT NULL,
	description          TEXT NOT NULL,
	status               TEXT COLLATE "C" NOT NULL,
	is_managed_on_helios BOOLEAN NOT NULL,
	network              TEXT,
	created_msecs        BIGINT NOT NULL,
	updated_msecs        BIGINT NOT NULL,
	deleted_msecs        BIGINT NOT NULL
);

CREATE UNIQUE INDEX tenants_name_key ON tenants (parent_id, name_key) WHERE status <> 'Deleted';

-- Users: unique by name per tenant and domain. users_domain_key serves
-- what the old constraint's index did: a lookup by domain alone. The
-- skeletons are looked up per tenant now.
ALTER TABLE users DROP CONSTRAINT users_domain_key_username_key_key;
ALTER TABLE users ADD CONSTRAINT users_tenant_id_username_key_domain_key_key
	UNIQUE (tenant_id, username_key, domain_key);
CREATE INDEX users_domain_key ON users (domain_key, username_key);
DROP INDEX users_username_skeleton;
CREATE INDEX users_username_skeleton ON users (tenant_id, domain_key, username_skeleton);
-- One organization's users in list order, without a sort.
DROP INDEX users_tenant_id;
CREATE INDEX users_tenant_id ON users (tenant_id, created_msecs, sid);

-- Groups: one owner tenant ('' the cluster) instead of the JSON list
-- tenant_ids, whose strings named no real tenant; unique by name per
-- tenant and domain.
ALTER TABLE groups DROP COLUMN tenant_ids;
ALTER TABLE groups ADD COLUMN tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE groups DROP CONSTRAINT groups_domain_key_name_key_key;
ALTER TABLE groups ADD CONSTRAINT groups_tenant_id_name_key_domain_key_key
	UNIQUE (tenant_id, name_key, domain_key);
CREATE INDEX groups_tenant_id ON groups (tenant_id);
CREATE INDEX groups_domain_key ON groups (domain_key, name_key);
DROP INDEX groups_name_skeleton;
CREATE INDEX groups_name_skeleton ON groups (tenant_id, domain_key, name_skeleton);

-- Roles: one owner tenant too; names stay unique across the cluster.
ALTER TABLE roles DROP COLUMN tenant_ids;
ALTER TABLE roles ADD COLUMN tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX roles_tenant_id ON roles (tenant_id);

-- The audit trail names the tenant an act was made in ('' the cluster)
-- and, for an impersonation, the actor's own. audit_log_tenant serves a
-- tenant's entries in the order they are listed (time, then id).
ALTER TABLE audit_log ADD COLUMN tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN tenant_name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN original_tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN original_tenant_name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN is_impersonation BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, time_usecs, id);
