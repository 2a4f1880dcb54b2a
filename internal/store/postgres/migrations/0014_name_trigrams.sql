-- 0014: trigram indexes of the name keys, for partial-name search
-- (sqlstore/trigram.go): GIN indexes of pg_trgm serve LIKE '%x%' for
-- terms of 3 characters or more.
--
-- pg_trgm is created in schema public, never in the current schema,
-- whose DROP ... CASCADE would take the indexes of every other schema
-- with it. A role that may not create it gets no index: the migration
-- still succeeds, partial names are found by a scan, and every start
-- runs this file again, which builds the indexes once the extension is
-- there, or warns (trigrams.go, ensureTrigrams). So every statement here
-- is idempotent.
--
-- fastupdate stays on, with a pending list of 256 kB rather than 4 MB.
-- New keys wait in the pending list and reach the index in bulk, but a
-- search reads the whole list. Measured at 100,000 users, 1,000 users a
-- transaction (BenchmarkCreateUsers, BenchmarkListUsersFilter/partial),
-- on a loaded 2-core machine: without the index 10,422 users/s and
-- 85 ms; 4 MB list 12,300 users/s (its flushes mostly fell after the
-- run) and 7.1 ms; 256 kB 10,293 users/s and 0.96 ms; fastupdate off
-- 6,170 users/s and 1.3 ms.

DO $$
DECLARE
	s text;
BEGIN
	SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_trgm';
	IF s IS NULL THEN
		BEGIN
			CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
		EXCEPTION WHEN OTHERS THEN
			-- Not allowed, or created by another process meanwhile: read again.
			RAISE NOTICE 'clusteriam: create extension pg_trgm: %', SQLERRM;
		END;
		SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
			WHERE e.extname = 'pg_trgm';
	END IF;
	IF s IS NULL THEN
		RETURN;
	END IF;
	BEGIN
		EXECUTE format('CREATE INDEX IF NOT EXISTS users_username_trgm ON users USING gin (username_key %I.gin_trgm_ops) WITH (gin_pending_list_limit = 256)', s);
		EXECUTE format('CREATE INDEX IF NOT EXISTS groups_name_trgm ON groups USING gin (name_key %I.gin_trgm_ops) WITH (gin_pending_list_limit = 256)', s);
	EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
		-- No usage of the extension's schema: no index, as above.
		RAISE NOTICE 'clusteriam: create the trigram indexes: %', SQLERRM;
	END;
END
$$;
