-- The gateway's runtime role: it reads and appends the audit log, and can change nothing
-- in it. Where the deployment runs the gateway as the role `gateway_app` (docker-compose
-- and Kubernetes; infra/postgres/init/10-gateway-app-role.sh creates it), migrations run as
-- the schema's owner (POSTGRES_MIGRATIONS_DSN) and the gateway connects as gateway_app,
-- which gets every table of its schema but no UPDATE, DELETE or TRUNCATE on audit_log; not
-- owning the table, it cannot disable the append-only trigger either. Without that role
-- (the embedded stack: one superuser) this changes nothing. Create the role before the
-- first start: a role made later gets these grants only by running this file again.
DO $$
DECLARE
    s text := current_schema();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gateway_app') THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO gateway_app', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I '
                   'TO gateway_app', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO gateway_app', s);
    -- tables of later migrations too
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, '
                   'DELETE ON TABLES TO gateway_app', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES '
                   'TO gateway_app', s);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I.audit_log FROM gateway_app', s);
END;
$$;
