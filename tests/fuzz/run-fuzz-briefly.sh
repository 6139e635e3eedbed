#!/bin/sh
# Runs one libFuzzer target for a few seconds on a copy of its seed corpus:
#   run-fuzz-briefly.sh TARGET CORPUS_DIR DICT|'' MAX_LEN [SECONDS]
# The corpus is copied to a temporary folder (the tree is never written);
# the run fails on a crash, a leak, a sanitizer report, an input slower than
# 10 s or more than 2 GB of memory.  On failure the temporary folder, with
# the crash-<hash> input that caused it, is kept and named.
set -eu
target=$1 corpus=$2 dict=$3 max_len=$4 seconds=${5:-6}

work=$(mktemp -d "${TMPDIR:-/tmp}/darkmap-fuzz-run-XXXXXX")
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"

# allocator_may_return_null: a corrupt FITS header can make cfitsio ask for
# terabytes; the reader must then report DM_ERROR_NO_MEMORY.
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
set -- -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/" -print_final_stats=1
[ -n "$dict" ] && set -- "$@" -dict="$dict"
if "$target" "$@" "$work/corpus"; then
  rm -rf "$work"
else
  status=$?
  echo "$(basename "$target") failed (exit $status); its input is kept in $work" >&2
  exit 1
fi
