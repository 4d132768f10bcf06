#!/usr/bin/env bash
# Restore a dump into a NEW database: ops/restore.sh DUMP_FILE TARGET_DB
# Run as a superuser (RESTORE_ADMIN_URL, default postgresql://postgres@127.0.0.1/postgres).
# Everything restored belongs to the schema owner role (RESTORE_OWNER, default
# red_property_owner: the role of MIGRATE_DATABASE_URL), as after `red-property db upgrade`,
# so that the next upgrade, run as that role, may alter every table.  The dump's own
# owner names are ignored (backup.sh writes none): pg_restore runs as the owner role
# (--role), which creates the objects and loads the rows (row-level security is only
# enabled after the data, in the dump's last section).
# The roles red_property_app, red_property_bureau_reader and red_property_public_reader
# are cluster-wide: they exist already on the same server; on a new server run
# `red-property db upgrade` against an empty database first, or create them as in
# red_property/core/rls.py.
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 DUMP_FILE TARGET_DB" >&2; exit 2; fi
dump=$1 target=$2
admin=${RESTORE_ADMIN_URL:-postgresql://postgres@127.0.0.1/postgres}
owner=${RESTORE_OWNER:-red_property_owner}
exists=$(psql "$admin" -v ON_ERROR_STOP=1 -Atc "SELECT 1 FROM pg_roles WHERE rolname = '$owner'")
if [ "$exists" != 1 ]; then
  echo "the owner role $owner does not exist: set RESTORE_OWNER to the role of MIGRATE_DATABASE_URL" >&2
  exit 2
fi
# The database (and so, on PostgreSQL 15, its public schema) belongs to the owner too.
psql "$admin" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$target\" OWNER \"$owner\""
pg_restore --exit-on-error --no-owner --role="$owner" --dbname="${admin%/*}/$target" "$dump"
psql "${admin%/*}/$target" -v ON_ERROR_STOP=1 -Atc \
  "SELECT 'tenants: ' || count(*) FROM tenant UNION ALL SELECT 'alembic: ' || version_num FROM alembic_version
   UNION ALL SELECT 'not owned by $owner: ' || count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> '$owner'"
echo "restored into $target, owned by $owner; point DATABASE_URL/MIGRATE_DATABASE_URL at it and restart the services"
