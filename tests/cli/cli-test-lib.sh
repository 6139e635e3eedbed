# What the darkmap-cli end-to-end scripts share; source it after setting
# cli (the executable) and tmp (a scratch folder of this run):
#   fail MESSAGE...    counts a failure
#   expect STATUS OUTFILE PATTERN -- command...
#                      the command's exit status, PATTERN on its stderr or
#                      stdout and, for a failure, that OUTFILE was not
#                      created; and never a temporary file left behind
#   finish NAME        prints the count and exits 0 only without failures
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect() {
  local want=$1 out=$2 pattern=$3; shift 4
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local got=$?
  [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want: $(cat "$tmp/stderr")"
  grep -q -- "$pattern" "$tmp/stderr" "$tmp/stdout" || fail "$*: no '$pattern' in: $(cat "$tmp/stderr")"
  if [ "$want" -ne 0 ] && [ -n "$out" ] && [ -e "$out" ]; then fail "$*: left $out behind"; fi
  if ls "$tmp" | grep -q 'tmp-'; then fail "$*: left a temporary file"; fi
}

finish() {
  echo "$1: $failures failure(s)"
  [ "$failures" -eq 0 ]
  exit $?
}
