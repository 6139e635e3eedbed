#!/usr/bin/python3
"""Start-up of darkmap-cli as a whole process, beside the Python peers' start-up.

Runs `darkmap-cli --version` (the process and its libraries, no work) N times
and reports the median and worst wall time and the largest resident memory
(the kernel's max RSS of each child), beside the same for the peers' start:
`python3 -c "import numpy; import astropy.io.fits"` (what peer_cli.py pays
before it bins a galaxy) and `python3 -c pass`.  Ratio = peer / Darkmap
(> 1: Darkmap starts faster).  Targets: under 30 ms and 20 MB.

  /usr/bin/python3 bench/run-startup.py [--build build] [--runs 20]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from bench_runs import load_average

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB = 0.030, 20.0


def time_process(argv, runs):
    """Median and max wall seconds, and max RSS in MB, of runs runs of argv."""
    walls, rss = [], 0
    for _ in range(runs + 1):  # the first run warms the page cache, untimed
        start = time.perf_counter()
        pid = os.spawnv(os.P_NOWAIT, argv[0], argv)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            sys.exit(f'{" ".join(argv)} failed with status {status}')
        walls.append(wall)
        rss = max(rss, usage.ru_maxrss)
    walls = walls[1:]
    return statistics.median(walls), max(walls), rss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=str(ROOT / 'build'), help='meson build folder (default: build)')
    ap.add_argument('--runs', type=int, default=20, help='timed runs per program (default 20)')
    args = ap.parse_args()
    cli = Path(args.build).resolve() / 'app' / 'darkmap-cli'
    if not cli.exists():
        sys.exit(f'{cli} is missing: build first (ninja -C {args.build})')

    print(f'load average before: {load_average():.2f}')
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(devnull, 1)  # the programs' own output is not wanted
    try:
        rows = [('darkmap-cli --version', time_process([str(cli), '--version'], args.runs)),
                ('python3 + numpy + astropy.io.fits',
                 time_process(['/usr/bin/python3', '-c', 'import numpy; import astropy.io.fits'],
                              args.runs)),
                ('python3 -c pass', time_process(['/usr/bin/python3', '-c', 'pass'], args.runs))]
    finally:
        os.dup2(saved, 1)
    ours = rows[0][1]
    print(f'load average after: {load_average():.2f}; {args.runs} runs each\n')
    print('| process | median (s) | worst (s) | max RSS (MB) | ratio (peer / Darkmap, median) |')
    print('|---|---|---|---|---|')
    for name, (median, worst, rss) in rows:
        ratio = '' if name.startswith('darkmap') else f'{median / ours[0]:.1f}'
        print(f'| {name} | {median:.4f} | {worst:.4f} | {rss:.1f} | {ratio} |')
    ok = ours[0] < TARGET_SECONDS and ours[2] < TARGET_MB
    print(f'\ntarget (under {TARGET_SECONDS * 1000:.0f} ms and {TARGET_MB:.0f} MB): '
          f'{"met" if ok else "NOT met"}')


if __name__ == '__main__':
    main()
