"""Checks darkmap-cli healpix --from against healpy: writes full-sky maps
with healpy.write_map (RING and NESTED, double values in rows of 1024,
some pixels UNSEEN), projects each onto a map's grid with darkmap-cli, and
compares every grid pixel with healpy's own nearest-pixel value at its
centre (astropy's WCS): the same value, and MASK 0 exactly where healpy's
pixel is UNSEEN.
Usage: check-healpix-from.py DARKMAP_CLI MAP.fits SCRATCH_DIR"""
import os
import subprocess
import sys

import healpy as hp
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

cli, map_path, scratch = sys.argv[1:4]
nside = 256
theta, phi = hp.pix2ang(nside, np.arange(hp.nside2npix(nside)))
sky = np.sin(np.pi / 2 - theta) + 0.1 * np.cos(3 * phi)
sky[(np.arange(sky.size) % 5) == 0] = hp.UNSEEN

header = fits.getheader(map_path, 0)
wcs = WCS(header).celestial
ny, nx = header["NAXIS2"], header["NAXIS1"]
gy, gx = np.mgrid[0:ny, 0:nx]
ra, dec = wcs.pixel_to_world_values(gx.ravel(), gy.ravel())
failed = False
for nest in (False, True):
    healpix_path = os.path.join(scratch, "full-sky-%s.fits" % ("nested" if nest else "ring"))
    out = os.path.join(scratch, "from-%s.fits" % ("nested" if nest else "ring"))
    hp.write_map(healpix_path, hp.reorder(sky, r2n=True) if nest else sky, nest=nest,
                 overwrite=True, dtype=np.float64)
    subprocess.run([cli, "healpix", "--from", healpix_path, "--like", map_path, "--out", out],
                   check=True, capture_output=True)
    image = fits.getdata(out, 0).ravel()
    mask = fits.getdata(out, "MASK").ravel()
    expected = sky[hp.ang2pix(nside, ra, dec, lonlat=True)]
    seen = expected != hp.UNSEEN
    wrong = np.sum(mask != seen) + np.sum(image[seen] != expected[seen].astype(np.float32))
    wrong += np.sum(image[~seen] != 0)
    print("%s: %d grid pixels, %d under UNSEEN, %d wrong" % (os.path.basename(healpix_path),
                                                            image.size, np.sum(~seen), wrong))
    failed |= wrong != 0 or seen.all() or not seen.any()
sys.exit(1 if failed else 0)
