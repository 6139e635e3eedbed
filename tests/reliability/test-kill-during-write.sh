#!/usr/bin/env bash
# A process killed (SIGKILL) while it writes an output leaves the previous
# file byte for byte and no other file; the same write without the kill
# replaces it.  The kill lands at a chosen point through the LD_PRELOAD shim
# kill-during-write.c (see there): after the N-th write to the output's
# folder, just before the finished file is linked into it or renamed over
# the target.  Where the file system has no unnamed files (simulated by the
# shim), a kill leaves one temporary "<file>.tmp-<pid>-XXXXXX" of the dead
# process, and the next write to that file removes it.
#   test-kill-during-write.sh SHIM DARKMAP_CLI DATA_DIR SCRATCH_DIR GROUP [HELPER]
# GROUP: cli (bin, ks, posterior, checkpoint), export (a figure; HELPER is
# export-figure) or settings (the GSettings keyfile; HELPER is
# write-settings).
set -u
shim=$1 cli=$2 data=$3 tmp=$4/kill-$5-$$ group=$5 helper=${6:-}
. "$(dirname "$0")/../cli/cli-test-lib.sh"
keep=$tmp/keep

# Under AddressSanitizer the preloaded shim comes before ASan's runtime,
# which then must not insist on coming first.
asan_options="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

# Copies the folder's files aside, as the state a kill must leave.
snapshot() { rm -rf "$keep" && cp -a "$1" "$keep"; }

# The names in folder $1 that the snapshot does not hold.
extras() { comm -13 <(ls -A "$keep") <(ls -A "$1"); }

# Fails unless every file of the snapshot is in folder $1, byte for byte.
check_unchanged() {
  local name
  for name in $(ls -A "$keep"); do
    cmp -s "$keep/$name" "$1/$name" || fail "$2: $name was changed or removed"
  done
}

# kill_case LABEL FILE POINT FS -- COMMAND...
#   COMMAND rewrites FILE (whose folder holds the previous version); it is
#   killed at POINT (write:N, link or rename), then run again without a
#   kill.  FS: unnamed (this file system) or named (O_TMPFILE refused).
kill_case() {
  local label=$1 file=$2 point=$3 fs=$4; shift 5
  local dir base extra status pid
  dir=$(dirname "$file") base=$(basename "$file")
  snapshot "$dir"
  local settings=(LD_PRELOAD="$shim" ASAN_OPTIONS="$asan_options")
  [ "$fs" = named ] && settings+=(DARKMAP_KILL_NO_TMPFILE=1)
  env "${settings[@]}" DARKMAP_KILL_DIR="$dir" DARKMAP_KILL_AT="$point" "$@" \
    >"$tmp/stdout" 2>"$tmp/stderr" &
  pid=$!
  wait "$pid"
  status=$?
  [ "$status" -eq 137 ] || fail "$label: exited $status, not killed: $(tail -2 "$tmp/stderr")"
  grep -q "kill-during-write: SIGKILL at ${point/:/ }\$" "$tmp/stderr" ||
    fail "$label: the kill did not land at $point: $(tail -2 "$tmp/stderr")"
  check_unchanged "$dir" "$label"
  extra=$(extras "$dir")
  if [ "$fs" = named ] || [ "$point" = rename ]; then
    [[ "$extra" =~ ^"$base".tmp-$pid-[A-Za-z0-9]{6}$ ]] ||
      fail "$label: left '$extra', not one temporary of process $pid"
  else
    [ -z "$extra" ] || fail "$label: left $extra"
  fi
  echo "$label: killed at $point, $base intact${extra:+, left $extra}"
  # The same write without a kill: the new file, and no temporary left.
  env "${settings[@]}" "$@" >"$tmp/stdout" 2>"$tmp/stderr" ||
    fail "$label: the write without a kill failed: $(tail -2 "$tmp/stderr")"
  cmp -s "$file" "$keep/$base" && fail "$label: $base was not rewritten"
  extra=$(extras "$dir")
  [ -z "$extra" ] || fail "$label: the next write left $extra"
}

case $group in
cli)
  catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
  theory=$data/theory/ktng_cl_theory.csv
  out=$tmp/out
  mkdir -p "$out" "$tmp/in"
  grid=(--catalog "$catalog" --size 48 --pixel-arcmin 2)
  "$cli" bin "${grid[@]}" --out "$tmp/in/shear.fits" 2>/dev/null || fail "bin failed"

  # Binned shear: killed mid-write, before linking, in the named instant
  # before the rename, and mid-write without unnamed files.
  "$cli" bin "${grid[@]}" --out "$out/shear.fits" 2>/dev/null || fail "bin failed"
  kill_case "bin" "$out/shear.fits" write:2 unnamed -- \
    "$cli" bin --catalog "$catalog" --size 40 --pixel-arcmin 2 --out "$out/shear.fits"
  kill_case "bin" "$out/shear.fits" link unnamed -- \
    "$cli" bin --catalog "$catalog" --size 44 --pixel-arcmin 2 --out "$out/shear.fits"
  kill_case "bin" "$out/shear.fits" rename unnamed -- \
    "$cli" bin --catalog "$catalog" --size 36 --pixel-arcmin 2 --out "$out/shear.fits"
  kill_case "bin (no unnamed files)" "$out/shear.fits" write:2 named -- \
    "$cli" bin --catalog "$catalog" --size 32 --pixel-arcmin 2 --out "$out/shear.fits"

  # Kaiser-Squires.
  "$cli" ks --shear "$tmp/in/shear.fits" --out "$out/kappa.fits" 2>/dev/null || fail "ks failed"
  kill_case "ks" "$out/kappa.fits" write:1 unnamed -- \
    "$cli" ks --shear "$tmp/in/shear.fits" --smooth-pixels 2 --out "$out/kappa.fits"

  # A posterior: Wiener samples, mean, std and significance.
  wiener=(--shear "$tmp/in/shear.fits" --theory "$theory" --samples 3)
  "$cli" wiener "${wiener[@]}" --seed 1 --out "$out/posterior.fits" 2>/dev/null ||
    fail "wiener failed"
  kill_case "posterior" "$out/posterior.fits" write:3 unnamed -- \
    "$cli" wiener "${wiener[@]}" --seed 2 --out "$out/posterior.fits"
  kill_case "posterior (no unnamed files)" "$out/posterior.fits" write:3 named -- \
    "$cli" wiener "${wiener[@]}" --seed 3 --out "$out/posterior.fits"

  # A training's checkpoint: resumed at step 2 with a checkpoint after
  # every step, the first write is step 3's checkpoint (length, header,
  # tensors); the model and its card, written at the end, stay as well.
  mkdir -p "$tmp/model"
  score=(--theory "$theory" --size 32 --width 8 --checkpoint-every 1
         --out "$tmp/model/score.safetensors")
  "$cli" train-score "${score[@]}" --steps 2 >/dev/null 2>&1 || fail "train-score failed"
  [ -f "$tmp/model/score.checkpoint.safetensors" ] || fail "train-score wrote no checkpoint"
  kill_case "checkpoint" "$tmp/model/score.checkpoint.safetensors" write:3 unnamed -- \
    "$cli" train-score "${score[@]}" --steps 5 --resume
  ;;
export)
  mkdir -p "$tmp/figures"
  for figure in figure.png figure.pdf; do
    "$helper" "$tmp/figures/$figure" 1 2>"$tmp/stderr"
    status=$?
    [ "$status" -eq 77 ] && { cat "$tmp/stderr"; exit 77; }
    [ "$status" -eq 0 ] || fail "export-figure $figure failed: $(cat "$tmp/stderr")"
    kill_case "export $figure" "$tmp/figures/$figure" write:2 unnamed -- \
      "$helper" "$tmp/figures/$figure" 3
  done
  ;;
settings)
  # GLib writes the keyfile itself (GSettings' keyfile backend); the
  # previous keyfile survives a kill in the middle of that write, and what
  # GLib leaves beside it is reported.
  export GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME=$tmp/config
  settings_dir=$XDG_CONFIG_HOME/glib-2.0/settings
  "$helper" 100 || fail "write-settings failed"
  [ -f "$settings_dir/keyfile" ] || fail "no keyfile in $settings_dir"
  snapshot "$settings_dir"
  env LD_PRELOAD="$shim" ASAN_OPTIONS="$asan_options" DARKMAP_KILL_DIR="$settings_dir" \
    DARKMAP_KILL_AT=write:1 "$helper" 200 2>"$tmp/stderr"
  status=$?
  [ "$status" -eq 137 ] || fail "settings: exited $status, not killed: $(cat "$tmp/stderr")"
  grep -q "kill-during-write: SIGKILL at write 1$" "$tmp/stderr" ||
    fail "settings: the kill did not land in the keyfile's write"
  check_unchanged "$settings_dir" settings
  echo "settings: killed in the keyfile's write, keyfile intact; GLib left: $(extras "$settings_dir" | tr '\n' ' ')"
  "$helper" 300 || fail "write-settings failed"
  grep -q "^grid-size=300$" "$settings_dir/keyfile" || fail "settings: 300 was not stored"
  ;;
*)
  fail "unknown group $group"
  ;;
esac
finish "test-kill-during-write $group"
