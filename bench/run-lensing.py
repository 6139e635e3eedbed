#!/usr/bin/python3
"""Darkmap's classical lensing steps against their peers, in one run.

Runs the peers one after the other (never at once: they share the cores):
the shared folder's bench/peers_lensing.py (which holds bench/ and data/; float64
NumPy, SciPy, pyFFTW) and bench/pyfftw_f32.py (Kaiser-Squires on pyFFTW in
float32, Darkmap's precision), this folder's peers_maps.py (float32 power
spectrum and Gaussian smoothing at every size), then Darkmap's bench-lensing,
then the whole-process chain: darkmap-cli bin + darkmap-cli ks (two processes,
the demo's arguments, tools/setup.sh) against peer_cli.py both (one Python
process that bins, transforms and writes the same files).  It prints for every
figure the ratio fastest peer median / Darkmap median (> 1: Darkmap is faster)
as a Markdown table.  All outputs are kept in the build folder.

On a machine shared with other work, --rounds N runs everything N times and
keeps, for every figure of either side, the lowest of its N medians: a burst of
outside load then spoils one round's figure, not the table.

  /usr/bin/python3 bench/run-lensing.py [--build build] [--shared ../shared]
                                        [--no-4096] [--rounds N] [--reuse-peers]
                                        [--process-runs N]
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_runs import last_json_of_log, load_average, run_logged

ROOT = Path(__file__).resolve().parent.parent

# figure -> (Darkmap implementation, peer implementations, sizes)
SIZES = ['360x360', '1024x1024', '2048x2048', '4096x4096']
COMPARISONS = [
    ('a', 'read catalogue', 'darkmap.read_fits', ['read_fits.astropy'], ['417117']),
    ('a', 'binning', 'darkmap.bin', ['lenspack.bin2d', 'numpy.histogram2d', 'numpy.bincount'],
     ['360x360', '1024x1024']),
    ('b', 'KS', 'darkmap.ks',
     ['lenspack.ks93', 'numpy.ks', 'scipy.ks_w2', 'pyfftw.ks_t2_cached', 'pyfftw32.ks_t2_cached'], SIZES),
    ('b', 'inverse KS', 'darkmap.ks_inv',
     ['lenspack.ks93inv', 'numpy.ks_inv', 'scipy.ks_inv_w2', 'pyfftw.ks_inv_t2_cached',
      'pyfftw32.ks_inv_t2_cached'], SIZES),
    ('b', 'KS, GPU', 'darkmap_gpu.ks',
     ['lenspack.ks93', 'numpy.ks', 'scipy.ks_w2', 'pyfftw.ks_t2_cached', 'pyfftw32.ks_t2_cached'], SIZES),
    ('b', 'inverse KS, GPU', 'darkmap_gpu.ks_inv',
     ['lenspack.ks93inv', 'numpy.ks_inv', 'scipy.ks_inv_w2', 'pyfftw.ks_inv_t2_cached',
      'pyfftw32.ks_inv_t2_cached'], SIZES),
    ('c', 'power spectrum', 'darkmap.ps',
     ['numpy.ps_fft2', 'numpy.ps_rfft2_prebinned', 'pyfftw32.ps_rfft2_prebinned',
      'scipy32.ps_rfft2_prebinned'], SIZES),
    ('d', 'smoothing, 2 px', 'darkmap.smooth', ['scipy32.gaussian_filter', 'pyfftw32.gauss_rfft_cached'],
     SIZES),
    ('p', 'bin + ks, processes', 'darkmap.cli_bin_ks', ['python.peer_cli_both'], ['360x360']),
]


def time_processes(build, shared, runs, rounds_log):
    """Wall time of the demo's chain: darkmap-cli bin then darkmap-cli ks (two
    processes) against peer_cli.py both (one process), alternated, after one
    untimed run of each (file cache warm); returns both medians."""
    cli = build / 'app' / 'darkmap-cli'
    catalog = ROOT / 'data' / 'cosmos' / 'cosmos_shear_schrabback2010.fits'
    peer = shared / 'bench' / 'peer_cli.py'
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        darkmap = [[cli, 'bin', '--catalog', catalog, '--size', '360', '--pixel-arcmin', '0.29',
                    '--out', tmp / 'shear.fits'],
                   [cli, 'ks', '--shear', tmp / 'shear.fits', '--smooth-pixels', '2',
                    '--out', tmp / 'kappa.fits']]
        python = [['/usr/bin/python3', peer, 'both', catalog, tmp / 'peer_shear.fits',
                   tmp / 'peer_kappa.fits']]

        def chain(cmds):
            t0 = time.perf_counter()
            for cmd in cmds:
                subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t0

        times = {'darkmap': [], 'python': []}
        chain(darkmap), chain(python)
        for _ in range(runs):
            times['darkmap'].append(chain(darkmap))
            times['python'].append(chain(python))
    with open(rounds_log, 'w') as out:
        for name, ts in times.items():
            line = f'{name}: ' + ' '.join(f'{t:.3f}' for t in ts) + f' s (median {statistics.median(ts):.3f})'
            print('   ' + line, flush=True)
            out.write(line + '\n')
    return ({'p.darkmap.cli_bin_ks.360x360': statistics.median(times['darkmap'])},
            {'p.python.peer_cli_both.360x360': statistics.median(times['python'])})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=str(ROOT / 'build'), help='meson build folder (default: build)')
    ap.add_argument('--shared', default=os.environ.get('DARKMAP_SHARED', str(ROOT.parent / 'shared')),
                    help='folder holding the peers\' bench/ and data/ (default: ../shared, or $DARKMAP_SHARED)')
    ap.add_argument('--no-4096', action='store_true', help='skip the 4096x4096 sizes (pyfftw_f32.py runs them regardless)')
    ap.add_argument('--rounds', type=int, default=1,
                    help='run peers and Darkmap N times; keep each figure\'s lowest median')
    ap.add_argument('--reuse-peers', action='store_true',
                    help='take the peers\' figures from the last run\'s log instead of running them')
    ap.add_argument('--process-runs', type=int, default=5,
                    help='timed runs of each whole-process chain per round (0: skip that row)')
    args = ap.parse_args()

    build = Path(args.build).resolve()
    shared = Path(args.shared).resolve()
    bench_exe = build / 'bench' / 'bench-lensing'
    if not bench_exe.is_file():
        sys.exit(f'{bench_exe} not found: build the project first (ninja -C {build})')
    extra = ['--no-4096'] if args.no_4096 else []
    # (log name, command, folder it runs in); pyfftw_f32.py always runs 4096²
    peer_runs = [('lensing-peers', ['/usr/bin/python3', shared / 'bench' / 'peers_lensing.py'] + extra, shared),
                 ('lensing-peers-f32', ['/usr/bin/python3', shared / 'bench' / 'pyfftw_f32.py'], shared),
                 ('lensing-peers-maps', ['/usr/bin/python3', ROOT / 'bench' / 'peers_maps.py', '--wisdom',
                                         build / 'bench' / 'pyfftw-wisdom'] + extra, ROOT)]
    if not args.reuse_peers:
        for _, cmd, _ in peer_runs:
            if not Path(cmd[1]).is_file():
                sys.exit(f'{cmd[1]} not found: point --shared at the folder holding bench/ and data/')
    rounds = max(1, args.rounds)
    load = load_average()
    print(f'# run-lensing {time.strftime("%Y-%m-%d %H:%M:%S %Z")} on {platform.node()}, '
          f'{os.cpu_count()} cores, load {load:.2f}', flush=True)
    if load > 1.5:
        print('# warning: the machine is busy (load > 1.5); figures will be slow and noisy', flush=True)

    peer, dm, logs = {}, {}, []
    for i in range(rounds):
        suffix = f'{i or ""}.log'
        if rounds > 1:
            print(f'# round {i + 1} of {rounds}', flush=True)
        this_peer, this_dm = {}, {}
        for name, cmd, cwd in peer_runs:
            log = build / 'bench' / (name + suffix)
            logs.append(log)
            this_peer.update(last_json_of_log(log) if args.reuse_peers else run_logged(cmd, cwd, log))
        print(f'# load before Darkmap\'s part: {load_average():.2f}', flush=True)
        log = build / 'bench' / ('lensing-darkmap' + suffix)
        logs.append(log)
        this_dm.update(run_logged([bench_exe, '--wisdom', build / 'bench' / 'fftw-wisdom'] + extra, build,
                                  log))
        if args.process_runs > 0:
            log = build / 'bench' / ('lensing-processes' + suffix)
            logs.append(log)
            print(f'# whole processes, {args.process_runs} runs each, load {load_average():.2f}', flush=True)
            mine, theirs = time_processes(build, shared, args.process_runs, log)
            this_dm.update(mine)
            this_peer.update(theirs)
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
    print('(logs: ' + ', '.join(str(p) for p in logs) + ')')


if __name__ == '__main__':
    main()
