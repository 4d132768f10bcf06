#!/usr/bin/env bash
# Back up the red-property database: ops/backup.sh [DEST_DIR] [KEEP_DAYS]
# Needs a role that bypasses row-level security (FORCE RLS filters even the table
# owner, and pg_dump refuses to dump a filtered table): the postgres superuser or a
# dedicated `red_property_backup` role created WITH BYPASSRLS.
# BACKUP_DATABASE_URL defaults to postgresql://postgres@127.0.0.1/red_property.
set -euo pipefail
dest=${1:-/var/backups/red-property}
keep_days=${2:-14}
url=${BACKUP_DATABASE_URL:-postgresql://postgres@127.0.0.1/red_property}
mkdir -p "$dest"
file="$dest/red_property-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --file="$file.partial" "$url"
mv "$file.partial" "$file"          # only complete dumps carry the final name
pg_restore --list "$file" >/dev/null  # the archive is readable
find "$dest" -name 'red_property-*.dump' -mtime +"$keep_days" -delete
echo "$file"
