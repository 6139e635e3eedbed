#!/usr/bin/env python3
"""Checks the summary of a posterior file of one or two samples against its
SAMPLES (Python's standard library only: float32 images read by hand).

Usage: check-posterior-samples.py FILE K MEAN
  K     1 or 2, the samples the file must hold
  MEAN  'exact': the primary HDU is the sample (K = 1) or (a + b) / 2 rounded
        once to float32 (K = 2), bit for bit; 'close': within 1e-7 of it,
        relative; 'filter': the mean is a filter, not the samples' mean
With K = 1 the file must hold no STD or SIGNIF and the mean's HISTORY must say
why; with K = 2, STD must be |a - b| / sqrt(2) within 1e-6, relative.
Prints what it checked; exits 1 on the first difference."""
import math
import struct
import sys

BLOCK = 2880


def read_hdus(path):
    """[(header cards, data bytes)] of every HDU of a FITS file of images."""
    with open(path, "rb") as f:
        raw = f.read()
    hdus, at = [], 0
    while at < len(raw):
        cards = []
        while True:
            block = raw[at:at + BLOCK].decode("ascii")
            at += BLOCK
            found = [block[i:i + 80] for i in range(0, BLOCK, 80)]
            cards += found
            if any(c.startswith("END     ") for c in found):
                break
        keys = {c[:8].strip(): c[10:].split("/")[0].strip() for c in cards if c[8:10] == "= "}
        naxis = int(keys["NAXIS"])
        count = math.prod(int(keys["NAXIS%d" % i]) for i in range(1, naxis + 1)) if naxis else 0
        size = abs(int(keys["BITPIX"])) // 8 * count
        hdus.append((cards, keys, raw[at:at + size]))
        at += (size + BLOCK - 1) // BLOCK * BLOCK
    return hdus


def floats(data):
    return struct.unpack(">%df" % (len(data) // 4), data)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    path, k, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    hdus = read_hdus(path)
    by_name = {h[1].get("EXTNAME", "").strip("' "): h for h in hdus[1:]}
    cards, _, mean_bytes = hdus[0]
    samples = by_name.get("SAMPLES")
    if not samples:
        fail("%s has no SAMPLES" % path)
    npix = len(mean_bytes) // 4
    if len(samples[2]) != k * npix * 4:
        fail("%s: SAMPLES holds %d maps, not %d" % (path, len(samples[2]) // 4 // npix, k))
    if not any(floats(mean_bytes)):
        fail("%s: the mean is all zeros" % path)
    a = samples[2][:npix * 4]
    if k == 1:
        if "STD" in by_name or "SIGNIF" in by_name:
            fail("%s: one sample, yet a STD or SIGNIF" % path)
        if not any(c.startswith("HISTORY") and "standard deviation is undefined" in c
                   for c in cards):
            fail("%s: no HISTORY saying why there is no STD" % path)
        if mode == "exact" and mean_bytes != a:
            fail("%s: the mean is not the sample, bit for bit" % path)
        if mode == "close":
            worst = max(abs(m - x) / max(abs(x), 1e-30) for m, x in zip(floats(mean_bytes),
                                                                        floats(a)))
            if worst > 1e-7:
                fail("%s: the mean differs from the sample by %g" % (path, worst))
        print("%s: 1 sample, mean %s, no STD" % (path, mode))
        return
    if "STD" not in by_name:
        fail("%s: two samples and no STD" % path)
    xa, xb = floats(a), floats(samples[2][npix * 4:])
    means = [struct.unpack(">f", struct.pack(">f", (x + y) / 2))[0] for x, y in zip(xa, xb)]
    got = floats(mean_bytes)
    if mode == "exact" and list(got) != means:
        fail("%s: the mean is not (a + b) / 2, bit for bit" % path)
    if mode == "close" and max(abs(g - m) / max(abs(m), 1e-30) for g, m in zip(got, means)) > 1e-7:
        fail("%s: the mean is not (a + b) / 2" % path)
    std = floats(by_name["STD"][2])
    worst = max(abs(s - abs(x - y) / math.sqrt(2)) / max(abs(x - y) / math.sqrt(2), 1e-30)
                for s, x, y in zip(std, xa, xb))
    if worst > 1e-6:
        fail("%s: STD is |a - b| / sqrt(2) only within %g" % (path, worst))
    print("%s: 2 samples, mean %s, STD |a - b| / sqrt(2) within %.2g" % (path, mode, worst))


main()
