"""Checks a HEALPix file written by darkmap-cli against the flat map it came
from, with healpy and astropy (an independent pixelisation and WCS):
  - every pixel centre (healpy.pix2ang) falls on the map's grid (astropy),
    the indices ascend, and with a coverage map (galaxy counts) the grid
    pixel under each centre holds galaxies;
  - pixels finer than twice the grid's: the values match scipy's cubic
    spline at the centres to 1 % of the map's rms away from the edges
    (a half-pixel shift would give 16 %);
  - coarser pixels: each value is the mean of the grid pixels whose centres
    healpy.ang2pix puts in it, and healpy.read_map(partial=True) reads the
    file to the same values.
Usage: check-healpix.py HEALPIX.fits MAP.fits [COVERAGE.fits (its COUNTS,
or primary)]"""
import sys

import healpy as hp
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from scipy import ndimage

healpix_path, map_path = sys.argv[1], sys.argv[2]
coverage_path = sys.argv[3] if len(sys.argv) > 3 else None
header = fits.getheader(healpix_path, 1)
table = fits.getdata(healpix_path, 1)
nside, nest = header["NSIDE"], header["ORDERING"] == "NESTED"
assert header["PIXTYPE"] == "HEALPIX" and header["INDXSCHM"] == "EXPLICIT"
assert header["COORDSYS"] == "C" and header["OBJECT"] == "PARTIAL"
pixels = table["PIXEL"].astype(np.int64)
values = table["KAPPA"].astype(np.float64)
assert np.all(np.diff(pixels) > 0), "pixel indices do not ascend"

image = fits.getdata(map_path, 0).astype(np.float64)
if image.ndim == 3:
    image = image[0]
ny, nx = image.shape
wcs = WCS(fits.getheader(map_path, 0)).celestial
ra, dec = hp.pix2ang(nside, pixels, nest=nest, lonlat=True)
x, y = wcs.world_to_pixel_values(ra, dec)
on_grid = (x >= -0.5) & (x < nx - 0.5) & (y >= -0.5) & (y < ny - 0.5)
assert on_grid.all(), "%d pixel centres off the grid" % (~on_grid).sum()
if coverage_path:
    with fits.open(coverage_path) as hdus:
        counts = (hdus["COUNTS"] if "COUNTS" in hdus else hdus[0]).data
    covered = counts[np.clip(np.rint(y).astype(int), 0, ny - 1),
                     np.clip(np.rint(x).astype(int), 0, nx - 1)] > 0
    assert covered.all(), "%d pixels over grid pixels without galaxies" % (~covered).sum()

grid_pixel_arcmin = np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 60
healpix_arcmin = hp.nside2resol(nside, arcmin=True)
if healpix_arcmin < 2 * grid_pixel_arcmin:
    spline = ndimage.map_coordinates(image, [y, x], order=3, mode="nearest")
    inside = (x > 3) & (x < nx - 4) & (y > 3) & (y < ny - 4)
    rms = np.std(values[inside] - spline[inside]) / np.std(spline[inside])
    print("%s: %d pixels of NSIDE %d, against a cubic spline: rms %.4f of the map's"
          % (healpix_path, len(pixels), nside, rms))
    assert rms < 0.01, rms
else:
    gy, gx = np.mgrid[0:ny, 0:nx]
    gra, gdec = wcs.pixel_to_world_values(gx.ravel(), gy.ravel())
    owner = hp.ang2pix(nside, gra, gdec, nest=nest, lonlat=True)
    mine = np.isin(owner, pixels)
    sums = np.bincount(np.searchsorted(pixels, owner[mine]), weights=image.ravel()[mine],
                       minlength=len(pixels))
    counts = np.bincount(np.searchsorted(pixels, owner[mine]), minlength=len(pixels))
    worst = np.max(np.abs(values - sums / counts)) / np.std(image)
    full = hp.read_map(healpix_path, field=0, partial=True, nest=nest, dtype=np.float64)
    seen = full != hp.UNSEEN
    print("%s: %d pixels of NSIDE %d, against the grid's means: largest difference %.1e of "
          "the map's rms; healpy reads %d pixels" % (healpix_path, len(pixels), nside, worst,
                                                    seen.sum()))
    assert worst < 1e-5, worst
    assert seen.sum() == len(pixels) and np.all(full[pixels] == values)
