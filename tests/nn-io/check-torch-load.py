#!/usr/bin/python3
"""Darkmap's U-Net weights in PyTorch: runs write-unet-weights (a C program
that builds the small U-Net with dm_unet_new, applies it to a fixed input
and saves weights, input and output with dm_nn_params_save and the
safetensors writer), loads the weights into torch_unet.UNet with
load_state_dict(strict=True), which checks every name and shape, and
compares PyTorch's output on the same input with Darkmap's.

  /usr/bin/python3 tests/nn-io/check-torch-load.py BUILD/tests/write-unet-weights

Exits 0 when they agree to 1e-4, 1 when not, 77 (skipped) without torch or
numpy.  The U-Net's configuration comes from the file's __metadata__
(dm_unet_config_to_metadata)."""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as missing:
    print(f'skipped: {missing}')
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_plain  # noqa: E402
from torch_unet import UNet  # noqa: E402

TOLERANCE = 1e-4


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'unet-small-darkmap.safetensors')
        subprocess.run([sys.argv[1], path], check=True)
        tensors, metadata = safetensors_plain.read(path)

    if metadata.get('arch') != 'unet' or metadata.get('noise_features', '0') != '0':
        print(f'unexpected architecture in the metadata: {metadata}')
        return 1
    model = UNet(in_channels=int(metadata['in_channels']),
                 out_channels=int(metadata['out_channels']),
                 depth=int(metadata['depth']),
                 base_width=int(metadata['base_width']),
                 groups=int(metadata['groups']),
                 slope=float(metadata['slope']))
    x = torch.from_numpy(tensors.pop('input'))
    expected = tensors.pop('output')
    model.load_state_dict({name: torch.from_numpy(t) for name, t in tensors.items()}, strict=True)

    with torch.no_grad():
        output = model.double()(x.double()).numpy()
    if output.shape != expected.shape:
        print(f'output shape {output.shape}, Darkmap wrote {expected.shape}')
        return 1
    difference = float(np.max(np.abs(output - expected)))
    print(f'{len(tensors)} tensors loaded strictly; output {output.shape}, '
          f'largest |PyTorch - Darkmap| = {difference:.3g} (tolerance {TOLERANCE})')
    return 0 if difference <= TOLERANCE else 1


if __name__ == '__main__':
    sys.exit(main())
