#!/usr/bin/python3
"""Darkmap's network engine against PyTorch on the reference U-Net, in one run.

Times: runs the PyTorch peer (bench/peers_torch.py of the shared folder, with
--tuned-malloc so that PyTorch, like Darkmap's caching allocator, keeps its
memory mapped), then Darkmap's bench-nn, one after the other (never at once:
they share the cores).

Memory: then runs each figure again alone in its own process, so that the
process's peak resident set (getrusage) is that figure's: Darkmap's
bench-nn --only, and PyTorch's bench/peer_torch_memory.py with the same
tuned allocator and with glibc's default one.  Darkmap's engine also counts
its own peak (dm_nn_memory_peak: the bytes of blocks in use at most).

Prints for every figure, as a Markdown table, the ratios PyTorch / Darkmap
of the median times (> 1: Darkmap is faster) and of the peak resident sets
(> 1: Darkmap needs less memory).  Every output is kept in the build
folder's bench/.

  /usr/bin/python3 bench/run-nn.py [--build build] [--shared ../shared]
                                   [--threads 2] [--batch 8] [--reuse-peer]
                                   [--no-memory]
"""
import argparse
import os
import platform
import sys
import time
from pathlib import Path

from bench_runs import last_json_of_log, load_average, run_logged

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ('infer', 'infer1', 'train')


def figure_key(figure, batch):
    return {'infer': f'unet.infer_b{batch}', 'infer1': 'unet.infer_b1',
            'train': f'unet.train_step_b{batch}'}[figure]


def measure_memory(args, build, shared, bench_exe):
    """Each figure alone in a process: Darkmap's figures, then PyTorch's
    (tuned and default allocator); returns {figure: {column: MiB}}."""
    peer = ROOT / 'bench' / 'peer_torch_memory.py'
    logs = build / 'bench'
    memory = {}
    for figure in FIGURES:
        key = figure_key(figure, args.batch)
        darkmap = run_logged([bench_exe, '--only', figure, '--runs', 1, '--threads', args.threads,
                              '--batch', args.batch], build, logs / f'nn-memory-darkmap-{figure}.log')
        row = {'darkmap_rss': darkmap[f'{key}.max_rss_mib'],
               'darkmap_engine': darkmap[f'{key}.engine_peak_mib']}
        for malloc in ('tuned', 'default'):
            log = logs / f'nn-memory-peer-torch-{figure}-{malloc}.log'
            if args.reuse_peer:
                torch = last_json_of_log(log)
            else:
                torch = run_logged(['/usr/bin/python3', peer, '--peers', shared / 'bench' / 'peers_torch.py',
                                    '--figure', figure, '--malloc', malloc, '--runs', 1,
                                    '--threads', args.threads, '--batch', args.batch], shared, log)
            suffix = '+tuned_malloc' if malloc == 'tuned' else ''
            row[f'torch_{malloc}'] = torch[f'{key}.max_rss_mib{suffix}']
        memory[figure] = row
    return memory


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=str(ROOT / 'build'), help='meson build folder (default: build)')
    ap.add_argument('--shared', default=os.environ.get('DARKMAP_SHARED', str(ROOT.parent / 'shared')),
                    help='folder holding the peers\' bench/ (default: ../shared, or $DARKMAP_SHARED)')
    ap.add_argument('--threads', type=int, default=2, help='threads on both sides (default 2)')
    ap.add_argument('--batch', type=int, default=8, help='batch size (default 8)')
    ap.add_argument('--reuse-peer', action='store_true',
                    help='take PyTorch\'s figures from the last run\'s logs instead of running it')
    ap.add_argument('--no-memory', action='store_true',
                    help='times only: skip the runs that measure each figure\'s peak memory')
    args = ap.parse_args()

    build = Path(args.build).resolve()
    shared = Path(args.shared).resolve()
    bench_exe = build / 'bench' / 'bench-nn'
    peer = shared / 'bench' / 'peers_torch.py'
    if not bench_exe.is_file():
        sys.exit(f'{bench_exe} not found: build the project first (ninja -C {build})')
    peer_log = build / 'bench' / 'nn-peer-torch.log'
    darkmap_log = build / 'bench' / 'nn-darkmap.log'
    load = load_average()
    print(f'# run-nn {time.strftime("%Y-%m-%d %H:%M:%S %Z")} on {platform.node()}, '
          f'{os.cpu_count()} cores, load {load:.2f}', flush=True)
    if load > 1.5:
        print('# warning: the machine is busy (load > 1.5); figures will be slow and noisy', flush=True)

    if args.reuse_peer:
        torch = last_json_of_log(peer_log)
    else:
        if not peer.is_file():
            sys.exit(f'{peer} not found: point --shared at the folder holding bench/')
        torch = run_logged(['/usr/bin/python3', peer, '--tuned-malloc', '--threads', args.threads,
                            '--batch', args.batch], shared, peer_log)
        print(f'# load before Darkmap\'s part: {load_average():.2f}', flush=True)
    darkmap = run_logged([bench_exe, '--threads', args.threads, '--batch', args.batch], build,
                         darkmap_log)
    memory = None
    if not args.no_memory:
        print(f'# load before the memory runs: {load_average():.2f}', flush=True)
        memory = measure_memory(args, build, shared, bench_exe)

    print()
    print(f'Ratios = PyTorch / Darkmap (> 1: Darkmap is faster, or needs less memory); '
          f'{time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores, {args.threads} threads, '
          f'load {load_average():.2f}.')
    print('Allocators: Darkmap, its caching allocator (blocks kept for reuse until the context '
          'is freed) over glibc\'s default malloc; PyTorch, glibc malloc with '
          'GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 '
          '(peers_torch.py --tuned-malloc: freed memory stays mapped, its fastest setting) for '
          'the times, and for memory also glibc\'s default.  Memory: the peak resident set of a '
          'process running that figure alone (one warm-up and one run), in MiB; Darkmap\'s '
          'engine peak is the bytes of its blocks in use at most.')
    print()
    if memory:
        print('| figure | Darkmap (s) | PyTorch (s) | time ratio | Darkmap engine peak | '
              'Darkmap peak RSS | PyTorch peak RSS, tuned | memory ratio | '
              'PyTorch peak RSS, default malloc | memory ratio |')
        print('|---|---|---|---|---|---|---|---|---|---|')
    else:
        print('| figure | Darkmap (s) | PyTorch (s) | time ratio |')
        print('|---|---|---|---|')
    for figure, label in (('infer', f'UNet4-32 inference, batch {args.batch}'),
                          ('infer1', 'UNet4-32 inference, batch 1'),
                          ('train', f'UNet4-32 training step, batch {args.batch}')):
        key = figure_key(figure, args.batch)
        theirs = torch.get(key + '+tuned_malloc', torch.get(key))
        if key not in darkmap or theirs is None:
            continue
        row = f'| {label} | {darkmap[key]:.3f} | {theirs:.3f} | {theirs / darkmap[key]:.2f} |'
        if memory:
            m = memory[figure]
            row += (f' {m["darkmap_engine"]:.0f} | {m["darkmap_rss"]:.0f} | {m["torch_tuned"]:.0f} | '
                    f'{m["torch_tuned"] / m["darkmap_rss"]:.2f} | {m["torch_default"]:.0f} | '
                    f'{m["torch_default"] / m["darkmap_rss"]:.2f} |')
        print(row)
    print()
    print(f'(logs: {peer_log}, {darkmap_log}'
          + (f', {build / "bench"}/nn-memory-*.log)' if memory else ')'))


if __name__ == '__main__':
    main()
