#!/usr/bin/python3
"""PyTorch's peak resident memory for one UNet4-32 figure alone in its
process: the memory peer of `bench-nn --only`.

Takes the network from ../shared/bench/peers_torch.py (class UNet) and runs
one figure as that script does, one untimed warm-up then --runs timed runs:
  infer   inference (eval, inference_mode), batch --batch
  infer1  inference, batch 1
  train   training step: zero_grad(set_to_none=True), L1 loss, backward,
          Adam (lr 1e-4), batch --batch
and prints the process's maximum resident set (getrusage) after the model,
the optimiser and the inputs are made (the base) and after the figure (the
peak).  --malloc tuned re-runs the script with the GLIBC_TUNABLES setting of
peers_torch.py --tuned-malloc (glibc keeps freed memory mapped, its fastest
setting for the network); default leaves glibc's allocator as it is.

The last line is one JSON object with the peers' keys: {key: median s,
key.max_rss_mib, key.base_rss_mib}, keys suffixed +tuned_malloc under
--malloc tuned.

usage: peer_torch_memory.py --peers PATH/peers_torch.py --figure infer|infer1|train
                            [--malloc tuned|default] [--batch 8] [--threads 2] [--runs 1]
"""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time


def load_peers(path):
    spec = importlib.util.spec_from_file_location('peers_torch', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--peers', required=True, help='the shared bench/peers_torch.py')
    ap.add_argument('--figure', required=True, choices=('infer', 'infer1', 'train'))
    ap.add_argument('--malloc', default='tuned', choices=('tuned', 'default'))
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--runs', type=int, default=1)
    args = ap.parse_args()

    peers = load_peers(args.peers)
    tuned = peers.TUNED_MALLOC
    if args.malloc == 'tuned' and os.environ.get('GLIBC_TUNABLES') != tuned:
        os.environ['GLIBC_TUNABLES'] = tuned
        os.execv(sys.executable, [sys.executable] + sys.argv)
    if args.malloc == 'default' and os.environ.get('GLIBC_TUNABLES'):
        del os.environ['GLIBC_TUNABLES']
        os.execv(sys.executable, [sys.executable] + sys.argv)

    torch = peers.torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    batch = 1 if args.figure == 'infer1' else args.batch
    model = peers.UNet(2, 1)
    x = torch.randn(batch, 2, peers.RES, peers.RES)
    target = torch.randn(batch, 1, peers.RES, peers.RES)
    if args.figure == 'train':
        key = f'unet.train_step_b{batch}'
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)

        def run():
            opt.zero_grad(set_to_none=True)
            loss = peers.F.l1_loss(model(x), target)
            loss.backward()
            opt.step()
    else:
        key = f'unet.infer_b{batch}'
        model.eval()

        def run():
            with torch.inference_mode():
                model(x)

    base = max_rss_mib()
    run()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    peak = max_rss_mib()
    print(f'# peer_torch_memory: {key}, torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'GLIBC_TUNABLES={os.environ.get("GLIBC_TUNABLES", "")!r}')
    print(f'{key}: median {statistics.median(times):.4f} s over {args.runs} runs; '
          f'max RSS {base:.0f} MiB before the figure, {peak:.0f} MiB after it')
    suffix = '+tuned_malloc' if args.malloc == 'tuned' else ''
    print(json.dumps({key + suffix: round(statistics.median(times), 5),
                      f'{key}.max_rss_mib{suffix}': round(peak, 1),
                      f'{key}.base_rss_mib{suffix}': round(base, 1)}))


if __name__ == '__main__':
    main()
