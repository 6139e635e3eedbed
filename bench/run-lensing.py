#!/usr/bin/python3
"""Darkmap's classical lensing steps against their peers, in one run.

Runs the peers' benchmark (bench/peers_lensing.py of the shared folder, which
holds bench/ and data/), then Darkmap's bench-lensing, one after the other
(never at once: they share the cores), and prints for every figure the ratio
fastest peer median / Darkmap median (> 1: Darkmap is faster) as a Markdown
table.  Both full outputs are kept in the build folder.

On a machine shared with other work, --rounds N runs the pair N times and keeps,
for every figure of either side, the lowest of its N medians: a burst of
outside load then spoils one round's figure, not the table.

  /usr/bin/python3 bench/run-lensing.py [--build build] [--shared ../shared]
                                        [--no-4096] [--rounds N] [--reuse-peers]
"""
import argparse
import os
import platform
import sys
import time
from pathlib import Path

from bench_runs import last_json_of_log, load_average, run_logged

ROOT = Path(__file__).resolve().parent.parent

# figure -> (Darkmap implementation, peer implementations, sizes)
COMPARISONS = [
    ('a', 'read catalogue', 'darkmap.read_fits', ['read_fits.astropy'], ['417117']),
    ('a', 'binning', 'darkmap.bin', ['lenspack.bin2d', 'numpy.histogram2d', 'numpy.bincount'],
     ['360x360', '1024x1024']),
    ('b', 'KS', 'darkmap.ks', ['lenspack.ks93', 'numpy.ks', 'scipy.ks_w2', 'pyfftw.ks_t2_cached'],
     ['360x360', '1024x1024', '2048x2048', '4096x4096']),
    ('b', 'inverse KS', 'darkmap.ks_inv',
     ['lenspack.ks93inv', 'numpy.ks_inv', 'scipy.ks_inv_w2', 'pyfftw.ks_inv_t2_cached'],
     ['360x360', '1024x1024', '2048x2048', '4096x4096']),
    ('b', 'KS, GPU', 'darkmap_gpu.ks', ['lenspack.ks93', 'numpy.ks', 'scipy.ks_w2', 'pyfftw.ks_t2_cached'],
     ['360x360', '1024x1024', '2048x2048', '4096x4096']),
    ('b', 'inverse KS, GPU', 'darkmap_gpu.ks_inv',
     ['lenspack.ks93inv', 'numpy.ks_inv', 'scipy.ks_inv_w2', 'pyfftw.ks_inv_t2_cached'],
     ['360x360', '1024x1024', '2048x2048', '4096x4096']),
    ('c', 'power spectrum', 'darkmap.ps', ['numpy.ps_fft2', 'numpy.ps_rfft2_prebinned'], ['1024x1024']),
]




def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=str(ROOT / 'build'), help='meson build folder (default: build)')
    ap.add_argument('--shared', default=os.environ.get('DARKMAP_SHARED', str(ROOT.parent / 'shared')),
                    help='folder holding the peers\' bench/ and data/ (default: ../shared, or $DARKMAP_SHARED)')
    ap.add_argument('--no-4096', action='store_true', help='skip the 4096x4096 KS sizes')
    ap.add_argument('--rounds', type=int, default=1,
                    help='run peers and Darkmap N times; keep each figure\'s lowest median')
    ap.add_argument('--reuse-peers', action='store_true',
                    help='take the peers\' figures from the last run\'s log instead of running them')
    args = ap.parse_args()

    build = Path(args.build).resolve()
    shared = Path(args.shared).resolve()
    bench_exe = build / 'bench' / 'bench-lensing'
    peers = shared / 'bench' / 'peers_lensing.py'
    if not bench_exe.is_file():
        sys.exit(f'{bench_exe} not found: build the project first (ninja -C {build})')
    rounds = max(1, args.rounds)
    logs = [(build / 'bench' / f'lensing-peers{i or ""}.log', build / 'bench' / f'lensing-darkmap{i or ""}.log')
            for i in range(rounds)]
    load = load_average()
    print(f'# run-lensing {time.strftime("%Y-%m-%d %H:%M:%S %Z")} on {platform.node()}, '
          f'{os.cpu_count()} cores, load {load:.2f}', flush=True)
    if load > 1.5:
        print('# warning: the machine is busy (load > 1.5); figures will be slow and noisy', flush=True)

    extra = ['--no-4096'] if args.no_4096 else []
    if not args.reuse_peers and not peers.is_file():
        sys.exit(f'{peers} not found: point --shared at the folder holding bench/ and data/')
    peer, dm = {}, {}
    for i, (peers_log, darkmap_log) in enumerate(logs):
        if rounds > 1:
            print(f'# round {i + 1} of {rounds}', flush=True)
        if args.reuse_peers:
            this_peer = last_json_of_log(peers_log)
        else:
            this_peer = run_logged(['/usr/bin/python3', peers] + extra, shared, peers_log)
            print(f'# load before Darkmap\'s part: {load_average():.2f}', flush=True)
        this_dm = run_logged([bench_exe, '--wisdom', build / 'bench' / 'fftw-wisdom'] + extra, build,
                             darkmap_log)
        for into, new in ((peer, this_peer), (dm, this_dm)):
            for key, value in new.items():
                into[key] = min(value, into.get(key, value))

    print()
    best_of = f', lowest median of {rounds} rounds' if rounds > 1 else ''
    print(f'Ratio = fastest peer median / Darkmap median (> 1: Darkmap is faster); '
          f'{time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores{best_of}.')
    print()
    print('| figure | size | Darkmap (s) | fastest peer | peer (s) | ratio |')
    print('|---|---|---|---|---|---|')
    slower = []
    for section, label, mine, peer_names, sizes in COMPARISONS:
        for size in sizes:
            key = f'{section}.{mine}.{size}'
            if key not in dm:
                continue
            found = [(peer[f'{section}.{p}.{size}'], p) for p in peer_names if f'{section}.{p}.{size}' in peer]
            if not found:
                continue
            best, name = min(found)
            ratio = best / dm[key]
            print(f'| {label} | {size} | {dm[key]:.5f} | {name} | {best:.5f} | {ratio:.2f} |')
            if ratio < 1.0:
                slower.append(f'{label} {size}')
    print()
    print('Darkmap is slower than a peer at: ' + ', '.join(slower) if slower
          else 'Darkmap is faster than the fastest peer everywhere.')
    print('(logs: ' + ', '.join(str(p) for pair in logs for p in pair) + ')')


if __name__ == '__main__':
    main()
