#!/bin/sh
# Gather the real-page fuzz corpus for tests/crawlers/test_real_pages.py (kept OUTSIDE the
# repository: the pages belong to their sites and to the projects that collected them).
#
#   bench/fetch_page_corpus.sh SOURCES_DIR [OUT_DIR]
#
# SOURCES_DIR holds one git directory per source repository, named owner+name/repo (a bare
# clone or a mirror: `git clone --bare https://github.com/OWNER/NAME SOURCES_DIR/OWNER+NAME/repo`).
# Pages are read from each repository's HEAD with `git show`, nothing is built or run.
# OUT_DIR (default /work/fuzz-pages) gets one folder per source. Then:
#   FRAUDWATCH_PAGE_CORPUS=OUT_DIR .venv/bin/python -m pytest -m external tests/crawlers/test_real_pages.py
set -eu
SRC=${1:?usage: $0 SOURCES_DIR [OUT_DIR]}
OUT=${2:-/work/fuzz-pages}

# owner+name  path-pattern (grep -E on the path at HEAD)
SOURCES='
mozilla+readability ^test/test-pages/[^/]+/source\.html$
scrapinghub+article-extraction-benchmark ^html/[^/]+\.html\.gz$
postlight+parser ^fixtures/[^/]+\.html$
adbar+htmldate ^tests/(test_set|cache)/[^/]+\.html$
codelucas+newspaper ^tests/data/html/[^/]+\.html$
goose3+goose3 ^tests/data/[^/]+/[^/]+\.html$
scrapinghub+extruct ^tests/samples/.+\.html?$
'

echo "$SOURCES" | while read -r repo pattern; do
    [ -n "$repo" ] || continue
    git_dir="$SRC/$repo/repo"
    [ -d "$git_dir" ] || { echo "skip $repo: no $git_dir" >&2; continue; }
    mkdir -p "$OUT/$repo"
    git -C "$git_dir" ls-tree -r --name-only HEAD | grep -E "$pattern" | while read -r path; do
        name=$(echo "$path" | tr '/' '_')
        case "$path" in
            *.gz) git -C "$git_dir" show "HEAD:$path" | gzip -dc > "$OUT/$repo/${name%.gz}" ;;
            *) git -C "$git_dir" show "HEAD:$path" > "$OUT/$repo/$name" ;;
        esac
    done
    echo "$repo: $(ls "$OUT/$repo" | wc -l) pages ($(git -C "$git_dir" rev-parse --short HEAD))"
done
