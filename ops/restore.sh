#!/usr/bin/env bash
# Restore a dump into a NEW database: ops/restore.sh DUMP_FILE TARGET_DB
# Run as a superuser (RESTORE_ADMIN_URL, default postgresql://postgres@127.0.0.1/postgres).
# The roles red_property_app and red_property_bureau_reader are cluster-wide: they
# exist already on the same server; on a new server run `red-property db upgrade`
# against an empty database first, or create them as in red_property/core/rls.py.
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 DUMP_FILE TARGET_DB" >&2; exit 2; fi
dump=$1 target=$2
admin=${RESTORE_ADMIN_URL:-postgresql://postgres@127.0.0.1/postgres}
psql "$admin" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$target\""
pg_restore --exit-on-error --no-owner --dbname="${admin%/*}/$target" "$dump"
psql "${admin%/*}/$target" -v ON_ERROR_STOP=1 -Atc \
  "SELECT 'tenants: ' || count(*) FROM tenant UNION ALL SELECT 'alembic: ' || version_num FROM alembic_version"
echo "restored into $target; point DATABASE_URL/MIGRATE_DATABASE_URL at it and restart the services"
