#!/usr/bin/python3
"""Writes tests/data/nn/unet-small-reference.safetensors: a small Darkmap
U-Net in PyTorch, its output on a fixed input, the L1 loss against a fixed
target, and the gradients of that loss, for checking the C U-Net.

  /usr/bin/python3 tests/nn-io/make-unet-reference.py [OUTPUT]

Needs Debian's python3-torch (1.13) and python3-numpy; no safetensors
package (safetensors_plain.py writes the file).

The network: torch_unet.UNet(in_channels 2, out_channels 1, depth 2,
base_width 8, groups 4, slope 0.2), GroupNorm eps 1e-5, no noise
conditioning; PyTorch's default initialisation after torch.manual_seed(20261127).

File layout (every tensor F32, little-endian, tensors in name order):
  <state_dict name>    every parameter under its state_dict name, e.g.
                       stem.weight [8,2,3,3], enc.0.conv1.weight [8,8,3,3],
                       enc.1.norm2.bias [16], down.1.weight [32,16,3,3],
                       mid.conv1.weight [32,32,3,3], up.0.weight [32,16,2,2]
                       (up.0 / dec.0 is the deepest level),
                       dec.0.skip.weight [16,32,1,1], head.weight [1,8,1,1]
  input      [2,2,32,32]  standard normal draws (after the parameters)
  target     [2,1,32,32]  standard normal draws (after the input)
  output     [2,1,32,32]  the network applied to input
  loss       [1]          mean |output - target| (torch's l1_loss)
  grad.input [2,2,32,32]  d loss / d input
  grad.<name>             d loss / d parameter, same shape as the parameter
__metadata__ (strings): arch "unet", in_channels "2", out_channels "1",
depth "2", base_width "8", groups "4", slope "0.2", noise_features "0"
(the keys dm_unet_config_to_metadata writes), torch_version, and
precision "float64": output, loss and gradients are computed in float64
from the float32 parameters and input, then rounded once to float32, so
they are the exact results to float32 rounding.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_plain  # noqa: E402
from torch_unet import UNet  # noqa: E402

CONFIG = dict(in_channels=2, out_channels=1, depth=2, base_width=8, groups=4, slope=0.2)
SEED = 20261127
BATCH, SIZE = 2, 32


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, '..', 'data', 'nn', 'unet-small-reference.safetensors')
    path = sys.argv[1] if len(sys.argv) > 1 else default

    torch.manual_seed(SEED)
    model = UNet(**CONFIG)
    x32 = torch.randn(BATCH, CONFIG['in_channels'], SIZE, SIZE)
    target32 = torch.randn(BATCH, CONFIG['out_channels'], SIZE, SIZE)
    params32 = {name: t.detach().clone() for name, t in model.state_dict().items()}

    model = model.double()
    x = x32.double().requires_grad_(True)
    output = model(x)
    loss = F.l1_loss(output, target32.double())
    loss.backward()

    tensors = {name: t.numpy() for name, t in params32.items()}
    tensors['input'] = x32.numpy()
    tensors['target'] = target32.numpy()
    tensors['output'] = output.detach().numpy()
    tensors['loss'] = np.array([loss.item()])
    tensors['grad.input'] = x.grad.numpy()
    for name, p in model.named_parameters():
        tensors['grad.' + name] = p.grad.numpy()

    metadata = {'arch': 'unet', 'noise_features': '0', 'torch_version': torch.__version__,
                'precision': 'float64'}
    metadata.update({key: str(value) for key, value in CONFIG.items()})
    safetensors_plain.write(path, tensors, metadata)
    print(f'{path}: {len(tensors)} tensors, loss {loss.item():.9g}')


if __name__ == '__main__':
    main()
