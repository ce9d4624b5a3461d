#!/bin/bash
# Run once by the postgres image when its data volume is first made (docker-compose), or
# by hand as the database's administrator where the platform runs its own PostgreSQL:
#   GATEWAY_DB_PASSWORD=... POSTGRES_USER=platform POSTGRES_DB=platform ./10-gateway-app-role.sh
# The gateway connects as gateway_app: its migrations (run as the owner, through
# POSTGRES_MIGRATIONS_DSN) grant it its tables, and only SELECT and INSERT on the audit log
# (services/gateway/src/gateway/migrations/029_app_role.sql).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="${GATEWAY_DB_PASSWORD:?GATEWAY_DB_PASSWORD is not set}" <<'SQL'
SELECT format('CREATE ROLE gateway_app LOGIN PASSWORD %L', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gateway_app')
\gexec
SQL
