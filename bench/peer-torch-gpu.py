#!/usr/bin/env python3
"""UNet4-32 on a CUDA GPU with PyTorch eager: the peer of `bench-nn --device cuda`.

Takes the network definition from ../shared/bench/peers_torch.py (class UNet,
the reference "UNet4-32"), so both sides run exactly the same network.
Inference (eval, inference_mode) and one training step (L1 loss, backward,
Adam lr 1e-4, zero_grad(set_to_none=True)) at 256², batch 8 by default,
float32 with TF32 tensor cores allowed (PyTorch's cuDNN default; matmuls set
to allow it too, as Darkmap's CUDA backend does).  cuDNN algorithms are
PyTorch's default heuristic choice unless --cudnn-benchmark asks for its
timing-based search.  Times are CUDA-event medians after warm-up.  The last
line is one JSON object {key: median s}.

usage: peer-torch-gpu.py --peers PATH/peers_torch.py [--batch 8] [--repeat 20]
                         [--cudnn-benchmark]
"""
import argparse
import importlib.util
import json
import statistics

import torch
import torch.nn.functional as F


def load_unet(path):
    spec = importlib.util.spec_from_file_location('peers_torch', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UNet, module.RES


def time_cuda(fn, repeat, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--peers', required=True, help='path of peers_torch.py')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--in-ch', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=20)
    ap.add_argument('--cudnn-benchmark', action='store_true',
                    help='let cuDNN time its algorithms (torch.backends.cudnn.benchmark)')
    args = ap.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    torch.manual_seed(0)
    UNet, res = load_unet(args.peers)
    dev = torch.device('cuda')
    model = UNet(args.in_ch, 1).to(dev)
    x = torch.randn(args.batch, args.in_ch, res, res, device=dev)
    y = torch.randn(args.batch, 1, res, res, device=dev)

    model.eval()

    def infer():
        with torch.inference_mode():
            model(x)
    t_inf = time_cuda(infer, args.repeat)

    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.l1_loss(model(x), y)
        loss.backward()
        opt.step()
    t_train = time_cuda(train_step, args.repeat)

    b = args.batch
    print(f'# torch {torch.__version__}, {torch.cuda.get_device_name()}, '
          f'cuDNN {torch.backends.cudnn.version()}, benchmark {args.cudnn_benchmark}')
    print(f'unet.infer_b{b}      {t_inf:.5f} s  ({b / t_inf:.1f} samples/s)')
    print(f'unet.train_step_b{b} {t_train:.5f} s  ({b / t_train:.1f} samples/s)')
    sfx = '+cudnn_benchmark' if args.cudnn_benchmark else ''
    print(json.dumps({f'torch_gpu.unet.infer_b{b}{sfx}': round(t_inf, 6),
                      f'torch_gpu.unet.train_step_b{b}{sfx}': round(t_train, 6)}))


if __name__ == '__main__':
    main()
