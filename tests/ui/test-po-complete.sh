#!/usr/bin/env bash
# Every translatable string of the application (po/POTFILES.in) has a French
# translation in po/fr.po: none missing, none fuzzy, and the catalogue
# compiles with msgfmt's checks.  Exits 77 without the gettext tools.
set -euo pipefail
root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tool in xgettext msgmerge msgfmt; do
  command -v "$tool" >/dev/null || { echo "$tool not found"; exit 77; }
done
cd "$root"
sed '/^#/d;/^$/d' po/POTFILES.in > "$tmp/files"
# Every source with a translatable string must be listed.
unlisted=$(grep -l -E '[^a-z_]N?_\("|translatable="yes"' app/*.c ui/*.c resources/*.ui \
             resources/gtk/*.ui | grep -v -x -F -f "$tmp/files" || true)
if [ -n "$unlisted" ]; then
  echo "translatable strings in files missing from po/POTFILES.in:" $unlisted
  exit 1
fi
xgettext --files-from="$tmp/files" --from-code=UTF-8 --keyword=_ --keyword=N_ \
  --keyword=C_:1c,2 --keyword=NC_:1c,2 --add-comments -o "$tmp/darkmap.pot"
msgmerge --quiet --no-fuzzy-matching -o "$tmp/fr.po" po/fr.po "$tmp/darkmap.pot"
stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/fr.po" 2>&1)
echo "fr: $stats"
case "$stats" in
  *untranslated*|*fuzzy*) echo "po/fr.po is incomplete: run xgettext and msgmerge, then translate"; exit 1 ;;
esac
