#!/usr/bin/python3
"""Kaiser-Squires against pyFFTW in float32, timed in pairs close in time.

On a shared virtual machine the speed of two threads changes from minute to
minute (the same call takes 0.8 ms or 1.15 ms at 360x360 for a minute or two at
a time, bench/README.md), which is longer than a call and shorter than
run-lensing.py's rounds: a peer timed in a fast minute and Darkmap in a slow
one (or the reverse) makes the ratio.  This script times the two sides of each
size one right after the other, alternating which goes first, for several
rounds, and reports the ratio of every pair and their median:

  - the peer: the shared pyfftw_f32.py's FFTWKS32 class (complex64, FFTW_MEASURE
    plans, 2 threads, kernel cached), its plans made once per size and kept;
    the same harness as that script (1 warm-up call, N timed, the median);
  - Darkmap: bench-lensing --ks-size N (DmKsPlan, measured plans, 2 threads;
    its wisdom file kept in the build folder, so that plans are measured once).

Ratio = peer median / Darkmap median (> 1: Darkmap is faster), forward
(shear -> kappa) and inverse.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (360, 1024, 2048, 4096)
REPEATS = {360: 20, 1024: 10, 2048: 5, 4096: 3}  # the peer script's and bench-lensing's


def load_peer(shared):
    """FFTWKS32 from the shared peer script: its source up to its own timing loop."""
    path = Path(shared) / 'bench' / 'pyfftw_f32.py'
    source = path.read_text()
    definitions = source[:source.index('res = {}')]
    namespace = {'__file__': str(path), '__name__': 'pyfftw_f32'}
    exec(compile(definitions, str(path), 'exec'), namespace)
    return namespace['FFTWKS32'], namespace['np']


def time_peer(peer, g1, g2, n):
    """Medians (forward, inverse) in seconds, the peer script's harness."""
    medians = []
    for fn in (lambda: peer.ks(g1, g2), lambda: peer.ks_inv(g1, g2)):
        fn()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        medians.append(statistics.median(times))
    return medians


def time_darkmap(bench, size, wisdom):
    """Medians (forward, inverse) in seconds from bench-lensing --ks-size."""
    out = subprocess.run([str(bench), '--ks-size', str(size), '--wisdom', str(wisdom), '--no-gpu'],
                         check=True, capture_output=True, text=True).stdout
    medians = {}
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] in ('darkmap.ks', 'darkmap.ks_inv'):
            medians[fields[0]] = float(fields[4])
    return medians['darkmap.ks'], medians['darkmap.ks_inv']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=str(ROOT / 'build'), help='meson build folder (default: build)')
    ap.add_argument('--shared', default=os.environ.get('DARKMAP_SHARED', str(ROOT.parent / 'shared')),
                    help='the shared folder holding bench/pyfftw_f32.py (default: ../shared)')
    ap.add_argument('--rounds', type=int, default=5, help='pairs per size (default 5)')
    ap.add_argument('--sizes', default=','.join(map(str, SIZES)), help='sizes (default: all four)')
    args = ap.parse_args()
    bench = Path(args.build) / 'bench' / 'bench-lensing'
    wisdom = Path(args.build) / 'bench' / 'fftw-wisdom'
    sizes = [int(s) for s in args.sizes.split(',')]
    FFTWKS32, np = load_peer(args.shared)

    rng = np.random.default_rng(42)
    peers, inputs = {}, {}
    for s in sizes:  # the peer's plans, measured once (untimed)
        inputs[s] = [(0.3 * rng.standard_normal((s, s))).astype(np.float32) for _ in range(2)]
        peers[s] = FFTWKS32((s, s))
        time_darkmap(bench, s, wisdom)  # Darkmap's plans into the wisdom file (untimed)
    print(f'# load average at the start: {os.getloadavg()[0]:.2f}')
    print(f'{"size":>9s} {"round":>5s} {"peer fwd":>9s} {"darkmap fwd":>11s} {"ratio":>6s} '
          f'{"peer inv":>9s} {"darkmap inv":>11s} {"ratio":>6s}')
    ratios = {s: ([], []) for s in sizes}
    for r in range(args.rounds):
        for s in sizes:
            n = REPEATS[s]
            if r % 2 == 0:
                peer = time_peer(peers[s], *inputs[s], n)
                darkmap = time_darkmap(bench, s, wisdom)
            else:
                darkmap = time_darkmap(bench, s, wisdom)
                peer = time_peer(peers[s], *inputs[s], n)
            for k in range(2):
                ratios[s][k].append(peer[k] / darkmap[k])
            print(f'{s:>4d}x{s:<4d} {r + 1:>5d} {peer[0]:9.5f} {darkmap[0]:11.5f} {ratios[s][0][-1]:6.2f} '
                  f'{peer[1]:9.5f} {darkmap[1]:11.5f} {ratios[s][1][-1]:6.2f}', flush=True)
    print(f'# load average at the end: {os.getloadavg()[0]:.2f}')
    print('\n| size | forward: median ratio (range) | inverse: median ratio (range) |')
    print('|---|---|---|')
    for s in sizes:
        cells = [f'{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})' for v in ratios[s]]
        print(f'| {s}x{s} | {cells[0]} | {cells[1]} |')


if __name__ == '__main__':
    sys.exit(main())
