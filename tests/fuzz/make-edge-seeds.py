#!/usr/bin/env python3
"""Writes the hand-made edge seeds of the fuzz corpora (tests/fuzz/corpus/):
FITS images of every BITPIX with BSCALE/BZERO/BLANK, NaN and infinities,
odd header cards, cubes and extensions; a FITS cluster table; a training
dataset file of two 8 x 8 tuples; a cube of training maps with non-finite
tiles; tiny safetensors weights files with the metadata of each kind of
model; and the tiny score network's model file (a valid seed) in every
float dtype, with a tensor too many and one too few.  The
valid seeds cut from real files come from darkmap-cli at 8 x 8 pixels (see
corpus/README).  Standard library only:

    python3 tests/fuzz/make-edge-seeds.py tests/fuzz/corpus
"""
import json
import math
import os
import struct
import sys

BLOCK = 2880


def card(key, value=None, comment=None):
    """One 80-character header card; value already formatted (strings
    quoted by the caller)."""
    if value is None:
        text = key.ljust(8) + (comment or "")
    else:
        text = key.ljust(8) + "= " + str(value).rjust(20)
        if comment:
            text += " / " + comment
    return text[:80].ljust(80)


def quoted(text):
    return "'" + text.replace("'", "''").ljust(8) + "'"


def padded(data, fill):
    return data + fill * (-len(data) % BLOCK)


def hdu(cards, data=b""):
    header = "".join(cards) + "END".ljust(80)
    return padded(header.encode("ascii"), b" ") + padded(data, b"\0")


def image_cards(primary, bitpix, shape, extname=None):
    cards = [card("SIMPLE", "T") if primary else card("XTENSION", quoted("IMAGE")),
             card("BITPIX", bitpix), card("NAXIS", len(shape))]
    cards += [card("NAXIS%d" % (i + 1), n) for i, n in enumerate(shape)]
    if primary:
        cards.append(card("EXTEND", "T"))
    else:
        cards += [card("PCOUNT", 0), card("GCOUNT", 1)]
    if extname:
        cards.append(card("EXTNAME", quoted(extname)))
    return cards


def tan_wcs(nx, ny, ra=150.0, dec=2.2, pixel_deg=1.0 / 60.0):
    """The WCS dm_wcs_new_grid makes (RA to the left, centre on the middle)."""
    return [card("CTYPE1", quoted("RA---TAN")), card("CTYPE2", quoted("DEC--TAN")),
            card("CRVAL1", repr(ra)), card("CRVAL2", repr(dec)),
            card("CRPIX1", repr((nx + 1) / 2.0)), card("CRPIX2", repr((ny + 1) / 2.0)),
            card("CDELT1", repr(-pixel_deg)), card("CDELT2", repr(pixel_deg)),
            card("CUNIT1", quoted("deg")), card("CUNIT2", quoted("deg"))]


def pixels(fmt, values):
    return struct.pack(">%d%s" % (len(values), fmt), *values)


def mask_values(n):
    return [1 if (i * 7) % 5 else 0 for i in range(n)]


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def fits_seeds():
    """Images for the image readers: name -> bytes."""
    n = 64
    seeds = {}
    # 16-bit integers with scaling and a blank pixel.
    cards = image_cards(True, 16, (8, 8)) + [card("BSCALE", "0.5"), card("BZERO", "1.0"),
                                             card("BLANK", -32768)]
    seeds["int16-bscale-blank.fits"] = hdu(cards, pixels("h", [-32768] + list(range(n - 1))))
    # An 8-bit 0/1 mask without a WCS.
    seeds["uint8-mask.fits"] = hdu(image_cards(True, 8, (8, 8)), bytes(mask_values(n)))
    # 32-bit integers and 64-bit integers with the map's WCS.
    seeds["int32-wcs.fits"] = hdu(image_cards(True, 32, (8, 8)) + tan_wcs(8, 8),
                                  pixels("i", mask_values(n)))
    seeds["int64.fits"] = hdu(image_cards(True, 64, (8, 8)) + [card("BLANK", -1)],
                              pixels("q", [-1] + mask_values(n - 1)))
    # Float32 with NaN and infinities, and metadata cards of every kind.
    values = [math.nan, math.inf, -math.inf, 0.0] + [float(v) for v in mask_values(n - 4)]
    meta = [card("METHOD", quoted("ks")), card("SMOOTH", "1.5D0", "Fortran exponent"),
            card("NSAMP", 12), card("CALIB", "T"), card("CPLX", "(1.0, 2.0)"),
            card("EMPTY", ""), card("HISTORY", None, "made for the fuzz corpus"),
            card("COMMENT", None, "a comment"),
            card("LONGSTR", quoted("a long string value that continues&")),
            card("CONTINUE", None, "  'on the next card'"),
            card("HUGEINT", 99999999999999999999), card("DATE", quoted("2026-01-01"))]
    seeds["float32-nan-cards.fits"] = hdu(image_cards(True, -32, (8, 8)) + tan_wcs(8, 8) + meta,
                                          pixels("f", values))
    # A float64 cube of 3 planes, 4 x 4.
    seeds["float64-cube.fits"] = hdu(image_cards(True, -64, (4, 4, 3)),
                                     pixels("d", [i * 0.25 for i in range(48)]))
    # An empty primary and the image in a MASK extension, with a SIN WCS.
    sin = [c.replace("TAN", "SIN") for c in tan_wcs(8, 8)]
    seeds["empty-primary-mask-ext.fits"] = (
        hdu(image_cards(True, 8, ())) +
        hdu(image_cards(False, -32, (8, 8), "MASK") + sin,
            pixels("f", [float(v) for v in mask_values(n)])))
    # A header that stops before its data.
    seeds["truncated-data.fits"] = hdu(image_cards(True, -32, (8, 8)))[:BLOCK]
    return seeds


def cluster_table():
    """A FITS binary table of two clusters: NAME, RA, DEC, Z, M500."""
    rows = [(b"XLSS J1", 150.1, 2.2, 0.35, 2.5), (b"XLSS J2", 149.9, 2.4, float("nan"), 1.0)]
    data = b"".join(struct.pack(">8sdddd", *row) for row in rows)
    cards = [card("XTENSION", quoted("BINTABLE")), card("BITPIX", 8), card("NAXIS", 2),
             card("NAXIS1", 40), card("NAXIS2", len(rows)), card("PCOUNT", 0),
             card("GCOUNT", 1), card("TFIELDS", 5)]
    for i, (name, form) in enumerate([("NAME", "8A"), ("RA", "D"), ("DEC", "D"), ("Z", "D"),
                                      ("M500", "D")]):
        cards += [card("TTYPE%d" % (i + 1), quoted(name)), card("TFORM%d" % (i + 1), quoted(form))]
    return hdu(image_cards(True, 8, ())) + hdu(cards, data)


def dataset_file(count=2, side=8):
    """A dataset file (darkmap/dataset.h) of count tuples from index 5."""
    n = side * side
    wcs = tan_wcs(side, side)
    floats = lambda k: pixels("f", [0.01 * (i % 17) for i in range(k * n)])
    primary = image_cards(True, -32, (side, side, count)) + wcs + [
        card("DSFIRST", 5), card("DSCOUNT", count), card("DSSEED", 1)]
    return (hdu(primary, floats(count)) +
            hdu(image_cards(False, -32, (side, side, 2 * count), "SHEAR") + wcs,
                floats(2 * count)) +
            hdu(image_cards(False, -32, (side, side, 2), "NOISE") + wcs, floats(2)) +
            hdu(image_cards(False, -32, (side, side), "MASK") + wcs,
                pixels("f", [float(v) for v in mask_values(n)])))


def tile_cube():
    """Training maps for CosmoGAN: a float32 cube of 2 planes of 16 x 16
    without a WCS, a NaN in the first 8 x 8 tile and an infinity in the
    last one of the second plane."""
    values = [0.001 * ((i * 37) % 101 - 50) for i in range(2 * 16 * 16)]
    values[0] = math.nan
    values[256 + 15 * 16 + 15] = math.inf
    return hdu(image_cards(True, -32, (16, 16, 2)), pixels("f", values))


# How safetensors() stores each dtype: the struct format of one element.
DTYPE_FORMATS = {"F32": "f", "F16": "e", "F64": "d", "BF16": "bf16"}


def packed(values, dtype):
    """values little-endian in dtype (BF16: float32's upper half)."""
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    return struct.pack("<%d%s" % (len(values), DTYPE_FORMATS[dtype]), *values)


def safetensors(tensors, metadata, dtype="F32"):
    """A safetensors file of dtype tensors {name: (shape, values)}."""
    header, blobs, offset = {"__metadata__": metadata}, b"", 0
    for name, (shape, values) in tensors.items():
        blob = packed(values, dtype)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs += blob
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + blobs


def model_seeds():
    weights = {"conv.weight": ([2, 1, 1, 1], [0.5, -0.5]), "conv.bias": ([2], [0.0, 1.0])}
    calibration = {"calibration_level": "0.68", "calibration_factor": "1.43",
                   "calibration_factor95": "1.38", "calibration_mocks": "4",
                   "calibration_samples": "8", "calibration_seed": "7",
                   "calibration_pixels": "4096", "calibration_grid": "32x32 at 0.29"}
    return {
        "unet-hybrid.safetensors": safetensors(weights, {"arch": "unet", "pixel_arcmin": "0.29"}),
        "unet-plain-calibrated.safetensors": safetensors(
            weights, dict(arch="unet", score_plain="true", calibration_sampler="score-hmc",
                          **calibration)),
        "mmgan-calibrated.safetensors": safetensors(
            weights, dict(arch="mmgan", nx="32", ny="32", pixel_arcmin="0.29",
                          calibration_sampler="mmgan", **calibration)),
        "cosmogan.safetensors": safetensors(weights, {"arch": "cosmogan", "size": "64",
                                                      "pixel_arcmin": "0.4"}),
    }


def read_safetensors(path):
    """The F32 tensors {name: (shape, values)} and metadata of a file."""
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        blob = data[8 + size + begin:8 + size + end]
        tensors[name] = (entry["shape"], list(struct.unpack("<%df" % (len(blob) // 4), blob)))
    return tensors, metadata


def weights_variants(model):
    """The model file's tensors in the other float dtypes, with one more
    tensor, and with its last tensor left out: name -> bytes."""
    tensors, metadata = read_safetensors(model)
    stem = os.path.basename(model).replace(".safetensors", "")
    seeds = {"%s-%s.safetensors" % (stem, dtype.lower()): safetensors(tensors, metadata, dtype)
             for dtype in ["F16", "BF16", "F64"]}
    extra = dict(tensors, **{"extra.weight": ([2], [1.0, -1.0])})
    seeds[stem + "-extra-tensor.safetensors"] = safetensors(extra, metadata)
    fewer = dict(list(tensors.items())[:-1])
    seeds[stem + "-missing-tensor.safetensors"] = safetensors(fewer, metadata)
    return seeds


def main():
    corpus = sys.argv[1]
    images = fits_seeds()
    for target in ["fuzz-fits-image", "fuzz-fits-describe", "fuzz-mask", "fuzz-map-tiles",
                   "fuzz-fits-region"]:
        for name, data in images.items():
            write(os.path.join(corpus, target), name, data)
    write(os.path.join(corpus, "fuzz-dataset-file"), "dataset-2-tuples-8x8.fits", dataset_file())
    write(os.path.join(corpus, "fuzz-dataset-file"), "dataset-1-tuple-8x8.fits", dataset_file(1))
    write(os.path.join(corpus, "fuzz-map-tiles"), "cube-16x16x2-non-finite.fits", tile_cube())
    params = os.path.join(corpus, "fuzz-nn-params")
    for name, data in weights_variants(os.path.join(params, "score-hybrid-8x8.safetensors")).items():
        write(params, name, data)
    for target in ["fuzz-cluster-table", "fuzz-fits-describe"]:
        write(os.path.join(corpus, target), "clusters-table.fits", cluster_table())
    for name, data in model_seeds().items():
        write(os.path.join(corpus, "fuzz-model-info"), name, data)
        write(os.path.join(corpus, "fuzz-json"), name.replace(".safetensors", ".json"),
              data[8:8 + struct.unpack("<Q", data[:8])[0]])


main()
