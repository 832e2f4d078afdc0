#!/bin/sh
# Seed the fuzz corpora with Haven's own fixtures and, when present, the public sample
# invoices in ../shared/testdata (not committed here; see MANIFEST.md there for licences).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
testdata=${HAVEN_TESTDATA:-$here/../../../../shared/testdata/invoices}
for t in validate validate_doc transform; do
  mkdir -p "$here/corpus/$t"
  cp "$here"/../tests/fixtures/*.xml "$here/corpus/$t/"
  if [ -d "$testdata" ]; then
    find "$testdata" -type f \( -iname '*.xml' -o -iname '*.pdf' \) | while read -r f; do
      cp "$f" "$here/corpus/$t/$(echo "$f" | cksum | cut -d' ' -f1)-$(basename "$f" | tr ' ' _)"
    done
  fi
done
echo "corpora: $(ls "$here/corpus/validate_doc" | wc -l) files per target"
