#!/usr/bin/python3
"""Darkmap's network engine against PyTorch on the reference U-Net, in one run.

Runs the PyTorch peer (bench/peers_torch.py of the shared folder, with
--tuned-malloc so that PyTorch, like Darkmap's caching allocator, keeps its
memory mapped), then Darkmap's bench-nn, one after the other (never at once:
they share the cores), and prints for every figure the ratio
PyTorch median / Darkmap median (> 1: Darkmap is faster) as a Markdown
table.  Both full outputs are kept in the build folder.

  /usr/bin/python3 bench/run-nn.py [--build build] [--shared ../shared]
                                   [--threads 2] [--batch 8] [--reuse-peer]
"""
import argparse
import os
import platform
import sys
import time
from pathlib import Path

from bench_runs import last_json_of_log, load_average, run_logged

ROOT = Path(__file__).resolve().parent.parent




def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=str(ROOT / 'build'), help='meson build folder (default: build)')
    ap.add_argument('--shared', default=os.environ.get('DARKMAP_SHARED', str(ROOT.parent / 'shared')),
                    help='folder holding the peers\' bench/ (default: ../shared, or $DARKMAP_SHARED)')
    ap.add_argument('--threads', type=int, default=2, help='threads on both sides (default 2)')
    ap.add_argument('--batch', type=int, default=8, help='batch size (default 8)')
    ap.add_argument('--reuse-peer', action='store_true',
                    help='take PyTorch\'s figures from the last run\'s log instead of running it')
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

    print()
    print(f'Ratio = PyTorch median / Darkmap median (> 1: Darkmap is faster); '
          f'{time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores, {args.threads} threads.')
    print()
    print('| figure | Darkmap (s) | PyTorch (s) | ratio |')
    print('|---|---|---|---|')
    for key, label in ((f'unet.infer_b{args.batch}', f'UNet4-32 inference, batch {args.batch}'),
                       ('unet.infer_b1', 'UNet4-32 inference, batch 1'),
                       (f'unet.train_step_b{args.batch}', f'UNet4-32 training step, batch {args.batch}')):
        theirs = torch.get(key + '+tuned_malloc', torch.get(key))
        if key not in darkmap or theirs is None:
            continue
        print(f'| {label} | {darkmap[key]:.3f} | {theirs:.3f} | {theirs / darkmap[key]:.2f} |')
    print()
    print(f'(logs: {peer_log}, {darkmap_log})')


if __name__ == '__main__':
    main()
