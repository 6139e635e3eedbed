#!/usr/bin/env bash
# Darkmap set-up on Debian 12: installs what is missing, builds, then
#   tools/setup.sh demo   reconstructs the bundled COSMOS field (Kaiser-Squires)
#   tools/setup.sh test   runs every test, plainly and under ASan/UBSan, and
#                         ends with the line "N passed, N failed, N skipped"
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in demo|test) ;; *) echo "usage: tools/setup.sh demo|test" >&2; exit 2 ;; esac

packages=(gcc pkg-config meson ninja-build python3 libcfitsio-dev wcslib-dev libfftw3-dev libchealpix-dev
          libdnnl-dev libopenblas-dev gettext
          libgtk-4-dev libwebp-dev xvfb xauth desktop-file-utils appstream)
# The tests also check that PyTorch reads the network weights Darkmap writes,
# and healpy (with astropy and scipy) its HEALPix maps, fuzz every file reader
# briefly with libFuzzer (clang), and run the mosaic over MPI ranks (Open MPI).
if [ "$mode" = test ]; then
  packages+=(python3-torch python3-healpy python3-astropy python3-scipy clang
             libclang-rt-14-dev llvm libopenmpi-dev openmpi-bin)
fi

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The CUDA toolkit, when installed in its usual place, enables the GPU paths.
[ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"

build() {  # build DIR [meson options...]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dwerror=true "$@"
  fi
  ninja -C "$dir"
}

install_missing

if [ "$mode" = demo ]; then
  build build
  mkdir -p demo
  cli=build/app/darkmap-cli
  "$cli" bin --catalog data/cosmos/cosmos_shear_schrabback2010.fits --size 360 \
    --pixel-arcmin 0.29 --out demo/cosmos_shear.fits
  "$cli" ks --shear demo/cosmos_shear.fits --smooth-pixels 2 --out demo/cosmos_kappa_ks.fits
  "$cli" pspec --map demo/cosmos_kappa_ks.fits --bins 15 --log \
    --theory data/theory/ktng_cl_theory.csv --out demo/cosmos_kappa_spectrum.csv
  "$cli" info demo/cosmos_kappa_ks.fits
  echo "The COSMOS convergence map is in demo/cosmos_kappa_ks.fits (open it in DS9)."
  if [ -x build/app/darkmap ]; then
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
      GSETTINGS_SCHEMA_DIR=build/data build/app/darkmap --demo
    else
      echo "No display: start the application on the same field with"
      echo "  GSETTINGS_SCHEMA_DIR=build/data build/app/darkmap --demo"
    fi
  fi
  exit 0
fi

# test: a plain build and an ASan/UBSan build, each running the whole suite,
# then the tests whose work crosses threads under ThreadSanitizer, and a few
# seconds of libFuzzer on every file reader.
status=0
build build-test
meson test -C build-test --print-errorlogs || status=1
build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dcuda=disabled
meson test -C build-asan --print-errorlogs || status=1
build build-tsan -Db_sanitize=thread -Db_lundef=false -Dcuda=disabled
meson test -C build-tsan --suite threads --print-errorlogs || status=1
CC=clang build build-fuzz -Dfuzz=true -Dcuda=disabled -Dgui=disabled
meson test -C build-fuzz --suite fuzz --print-errorlogs || status=1
python3 tools/test-summary.py build-test/meson-logs/testlog.junit.xml \
  build-asan/meson-logs/testlog.junit.xml build-tsan/meson-logs/testlog.junit.xml \
  build-fuzz/meson-logs/testlog.junit.xml
exit $status
