"""The residual U-Net of Darkmap (engine/include/darkmap/nn-modules.h,
DmUNetConfig) in PyTorch, parameterised like the C side; with depth 4, base
width 32, groups 8 and slope 0.2 it is the "UNet4-32" of bench/peers_torch.py,
whose ResBlock and UNet classes these are.  Used by make-unet-reference.py
and check-torch-load.py."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    """h = act(GN(conv3x3(x))); h = GN(conv3x3(h)); out = act(h + skip(x))."""

    def __init__(self, cin, cout, groups, slope):
        super().__init__()
        self.slope = slope
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.norm1 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        h = F.leaky_relu(self.norm1(self.conv1(x)), self.slope)
        h = self.norm2(self.conv2(h))
        return F.leaky_relu(h + self.skip(x), self.slope)


class UNet(nn.Module):
    """Widths w_l = base_width * 2^l for l < depth; the middle block has
    2 w_{depth-1} channels; up.0 / dec.0 is the deepest level."""

    def __init__(self, in_channels, out_channels, depth, base_width, groups, slope):
        super().__init__()
        w = [base_width * 2 ** level for level in range(depth)]
        self.stem = nn.Conv2d(in_channels, w[0], 3, padding=1, bias=True)
        self.enc = nn.ModuleList([ResBlock(c, c, groups, slope) for c in w])
        self.down = nn.ModuleList([nn.Conv2d(c, 2 * c, 3, stride=2, padding=1, bias=True)
                                   for c in w])
        self.mid = ResBlock(2 * w[-1], 2 * w[-1], groups, slope)
        self.up = nn.ModuleList([nn.ConvTranspose2d(2 * c, c, 2, stride=2, bias=True)
                                 for c in reversed(w)])
        self.dec = nn.ModuleList([ResBlock(2 * c, c, groups, slope) for c in reversed(w)])
        self.head = nn.Conv2d(w[0], out_channels, 1, bias=True)

    def forward(self, x):
        h = self.stem(x)
        skips = []
        for enc, down in zip(self.enc, self.down):
            h = enc(h)
            skips.append(h)
            h = down(h)
        h = self.mid(h)
        for up, dec, s in zip(self.up, self.dec, reversed(skips)):
            h = dec(torch.cat([up(h), s], dim=1))
        return self.head(h)
