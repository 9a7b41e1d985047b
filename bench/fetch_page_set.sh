#!/bin/sh
# Gather the page-analysis evaluation set for bench/page_eval.py (kept OUTSIDE the
# repository, like the fuzz corpus: the pages belong to their sites, and the phishing pages
# to the kits that were published on GitHub; only their list is in the repository).
#
#   bench/fetch_page_set.sh SOURCES_DIR [OUT_DIR [LABELS_CSV]]
#
# bench/page_set/labels.csv (or LABELS_CSV, e.g. bench/page_set/labels_v2.csv, the second
# set) names every page: id, source repository, commit, path (ARCHIVE.zip!MEMBER for a page
# read from a zip archive in the repository), the URL
# it is judged at, its label and kind. SOURCES_DIR holds one git directory per source
# repository, named owner+name/repo (a bare clone or a mirror:
#   git clone --bare https://github.com/OWNER/NAME SOURCES_DIR/OWNER+NAME/repo
# for silverfoxy/JSCryptoMinerStudy, 2 GB of home pages, a blob-less clone is enough:
#   git clone --bare --filter=blob:none https://github.com/silverfoxy/JSCryptoMinerStudy ...
# `git show` then fetches only the blobs it is asked for). Each page is read at its pinned
# commit with `git show COMMIT:PATH` (gzip-compressed pages are decompressed); nothing is
# built or run. OUT_DIR (default /work/page-set) gets one file per page, ID.html. Then:
#   FRAUDWATCH_PAGE_SET=OUT_DIR .venv/bin/python bench/page_eval.py [--labels LABELS_CSV]
set -eu
SRC=${1:?usage: $0 SOURCES_DIR [OUT_DIR [LABELS_CSV]]}
OUT=${2:-/work/page-set}
LABELS=${3:-$(dirname "$0")/page_set/labels.csv}
mkdir -p "$OUT"

# id<TAB>repo<TAB>commit<TAB>path for every row (paths may hold spaces; the CSV may quote)
python3 -c '
import csv, sys
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")):
    print("\t".join((row["id"], row["repo"], row["commit"], row["path"])))
' "$LABELS" | {
    got=0 missing=0
    while IFS="$(printf '\t')" read -r id repo commit path; do
        git_dir="$SRC/$(echo "$repo" | tr '/' '+')/repo"
        archive=${path%%!*}  # ARCHIVE.zip!MEMBER names a page inside a zip archive (labels_v4.csv)
        if ! git -C "$git_dir" cat-file -e "$commit:$archive" 2>/dev/null; then
            echo "missing $id: $repo $commit:$archive" >&2
            missing=$((missing + 1))
            continue
        fi
        case "$path" in
            *.zip!*) git -C "$git_dir" show "$commit:$archive" | python3 -c '
import io, sys, zipfile
sys.stdout.buffer.write(zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())).read(sys.argv[1]))
' "${path#*!}" > "$OUT/$id.html" ;;
            *.gz) git -C "$git_dir" show "$commit:$path" | gzip -dc > "$OUT/$id.html" ;;
            *) git -C "$git_dir" show "$commit:$path" > "$OUT/$id.html" ;;
        esac
        got=$((got + 1))
    done
    echo "$got pages in $OUT, $missing missing"
}
