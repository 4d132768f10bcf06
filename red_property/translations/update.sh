#!/usr/bin/env bash
# Refresh the English catalog after UI strings change (msgids are the Chinese text):
#   bash red_property/translations/update.sh   then translate the new entries in
#   red_property/translations/en/LC_MESSAGES/messages.po and run it again to compile.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=red_property/translations
uv run pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  --project red-property -o "$dir/messages.pot" red_property
if [ -f "$dir/en/LC_MESSAGES/messages.po" ]; then
  uv run pybabel update -i "$dir/messages.pot" -d "$dir" -l en --no-fuzzy-matching --ignore-obsolete
else
  uv run pybabel init -i "$dir/messages.pot" -d "$dir" -l en
fi
uv run pybabel compile -d "$dir" --statistics
