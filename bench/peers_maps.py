#!/usr/bin/python3
"""Single-precision peers of Darkmap's map operations at every size, beside
the shared peers (../shared/bench), which time the power spectrum at 1024² only
and in float64, and do not time smoothing:

  c. the power spectrum, 40 linear ell bins from 0 to the Nyquist ell, of
     360², 1024², 2048², 4096² maps (0.29' x 360 / n pixels, the 1.74° field):
       pyfftw32.ps_rfft2_prebinned   float32 rfft2 on FFTW (pyFFTW), FFTW_MEASURE
                                     plan and buffers made once per size, 2 threads;
                                     the bin of every half-plane mode and its
                                     multiplicity computed once per size
       scipy32.ps_rfft2_prebinned    the same with scipy.fft.rfft2 (float32 in,
                                     complex64 out, workers=2)
  d. Gaussian smoothing, sigma = 2 px (the demo's --smooth-pixels 2), SciPy's
     'reflect' edges, radius int(4 sigma + 0.5), of the same maps:
       scipy32.gaussian_filter       scipy.ndimage.gaussian_filter on float32
       pyfftw32.gauss_rfft_cached    reflect padding to a 2,3,5,7-smooth size,
                                     float32 rfft2 / irfft2 on FFTW (MEASURE, 2
                                     threads, plans and buffers cached), times the
                                     cached transform of the truncated kernel

Same harness as the shared peers: 1 untimed call, then N timed calls (20 at
360², 10 at 1024², 5 at 2048², 3 at 4096²); rows give median, min and max of
time.perf_counter; `check:` lines compare the float32 results with a float64
reference; the last line is one JSON object {key: median seconds}.

  /usr/bin/python3 bench/peers_maps.py [--no-4096] [--wisdom FILE]

--wisdom keeps FFTW's measured plans in FILE (read before planning, written
after), so that later runs do not measure again, as bench-lensing does.
"""
import argparse
import gc
import json
import pickle
import statistics
import sys
import time

import numpy as np
import pyfftw
import scipy.fft
from scipy.ndimage import gaussian_filter

FIELD_ARCMIN = 360 * 0.29
N_BINS = 40
SIGMA = 2.0
THREADS = 2
RESULTS = {}


def bench(section, name, size, fn, n):
    gc.collect()
    fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    med = statistics.median(ts)
    RESULTS[f'{section}.{name}.{size}'] = med
    print(f'{name:<28s} {size:>10s} {THREADS:>3d} {n:>3d} {med:11.5f} {min(ts):11.5f} {max(ts):11.5f}',
          flush=True)


def header(title):
    print(f'\n## {title}')
    print(f'{"name":<28s} {"size":>10s} {"thr":>3s} {"N":>3s} {"median_s":>11s} {"min_s":>11s} {"max_s":>11s}')


def check(label, value, tol):
    print(f'   check: {label}: {value:.3e} (tol {tol:.0e}) {"ok" if value <= tol else "MISMATCH"}')


class SpectrumBins:
    """Bin index (n_bins for modes outside the range) and multiplicity (1 on
    columns 0 and nx/2, 2 elsewhere) of every rfft2 half-plane mode."""

    def __init__(self, shape, pix_arcmin):
        ny, nx = shape
        pix = np.deg2rad(pix_arcmin / 60.0)
        ell = 2 * np.pi * np.hypot(np.fft.rfftfreq(nx)[None, :], np.fft.fftfreq(ny)[:, None]) / pix
        edges = np.linspace(0.0, np.pi / pix, N_BINS + 1)
        ib = np.digitize(ell, edges) - 1
        ib[(ib < 0) | (ib >= N_BINS)] = N_BINS
        ib[0, 0] = N_BINS                         # the mean is not a mode of the spectrum
        mult = np.full(ell.shape, 2.0, dtype=np.float32)
        mult[:, 0] = 1.0
        if nx % 2 == 0:
            mult[:, -1] = 1.0
        self.ib = ib.ravel()
        self.mult = mult
        self.count = np.maximum(np.bincount(self.ib, mult.ravel(), N_BINS + 1)[:N_BINS], 1)
        self.norm = pix * pix / (nx * ny)

    def cl(self, spectrum):
        power = spectrum.real ** 2
        power += spectrum.imag ** 2
        power *= self.mult
        return np.bincount(self.ib, power.ravel(), N_BINS + 1)[:N_BINS] * self.norm / self.count


class PyfftwSpectrum:
    def __init__(self, shape, pix_arcmin):
        self.real = pyfftw.empty_aligned(shape, dtype='float32')
        self.half = pyfftw.empty_aligned((shape[0], shape[1] // 2 + 1), dtype='complex64')
        self.fft = pyfftw.FFTW(self.real, self.half, axes=(0, 1), flags=('FFTW_MEASURE',),
                               threads=THREADS)
        self.bins = SpectrumBins(shape, pix_arcmin)

    def __call__(self, kappa):
        self.real[...] = kappa
        self.fft.execute()
        return self.bins.cl(self.half)


def scipy_spectrum(bins, kappa):
    return bins.cl(scipy.fft.rfft2(kappa, workers=THREADS))


def smooth_size(n):
    """The smallest 2,3,5,7-smooth size >= n (fast for FFTW)."""
    while True:
        m = n
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


class PyfftwGaussian:
    """Gaussian smoothing as one cached real FFT convolution: the image is
    extended by reflection (radius r on each side, more on the far side up to
    a fast size), so that the circular convolution equals the direct one."""

    def __init__(self, shape, sigma):
        ny, nx = shape
        self.r = int(4 * sigma + 0.5)
        self.shape = shape
        py, px = smooth_size(ny + 2 * self.r), smooth_size(nx + 2 * self.r)
        self.pad = ((self.r, py - ny - self.r), (self.r, px - nx - self.r))
        self.real = pyfftw.empty_aligned((py, px), dtype='float32')
        self.half = pyfftw.empty_aligned((py, px // 2 + 1), dtype='complex64')
        self.fwd = pyfftw.FFTW(self.real, self.half, axes=(0, 1), flags=('FFTW_MEASURE',),
                               threads=THREADS)
        self.bwd = pyfftw.FFTW(self.half, self.real, axes=(0, 1), direction='FFTW_BACKWARD',
                               flags=('FFTW_MEASURE', 'FFTW_DESTROY_INPUT'), threads=THREADS)
        x = np.arange(-self.r, self.r + 1)
        w = np.exp(-0.5 * x * x / (sigma * sigma))
        w /= w.sum()
        kernel = np.zeros((py, px))
        kernel[np.ix_(x % py, x % px)] = np.outer(w, w)
        self.kernel = (np.fft.rfft2(kernel) / (py * px)).astype(np.complex64)

    def __call__(self, image):
        self.real[...] = np.pad(image, self.pad, mode='symmetric')
        self.fwd.execute()
        self.half *= self.kernel
        self.bwd.execute()
        ny, nx = self.shape
        return self.real[self.r:self.r + ny, self.r:self.r + nx].copy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--no-4096', action='store_true', help='skip the 4096² size')
    ap.add_argument('--wisdom', help="FFTW wisdom file (pyFFTW's, pickled)")
    args = ap.parse_args()
    if args.wisdom:
        try:
            with open(args.wisdom, 'rb') as f:
                pyfftw.import_wisdom(pickle.load(f))
        except FileNotFoundError:
            pass
    reps = {360: 20, 1024: 10, 2048: 5, 4096: 3}
    if args.no_4096:
        del reps[4096]
    print('# peers_maps.py', time.strftime('%Y-%m-%d %H:%M:%S %Z'))
    print(f'# numpy {np.__version__}; scipy {scipy.__version__}; pyfftw {pyfftw.__version__}; '
          f'float32 maps; thr = {THREADS} for the FFTs')
    rng = np.random.default_rng(7)
    maps = {s: (0.02 * rng.standard_normal((s, s))).astype(np.float32) for s in reps}

    header(f'c. power spectrum, {N_BINS} linear ell bins, float32')
    for s, n in reps.items():
        size, kappa, pix = f'{s}x{s}', maps[s], FIELD_ARCMIN / s
        t0 = time.perf_counter()
        fftw = PyfftwSpectrum(kappa.shape, pix)
        print(f'   info: FFTW_MEASURE planning for {size}: {time.perf_counter() - t0:.2f} s (not timed)')
        bench('c', 'pyfftw32.ps_rfft2_prebinned', size, lambda: fftw(kappa), n)
        bench('c', 'scipy32.ps_rfft2_prebinned', size, lambda: scipy_spectrum(fftw.bins, kappa), n)
        exact = fftw.bins.cl(np.fft.rfft2(kappa.astype(np.float64)))
        check(f'{size} max rel|pyfftw32 - float64|', np.max(np.abs(fftw(kappa) - exact) / exact), 1e-4)

    header(f'd. Gaussian smoothing, sigma = {SIGMA:g} px, reflect edges, float32')
    for s, n in reps.items():
        size, image = f'{s}x{s}', maps[s]
        fftw = PyfftwGaussian(image.shape, SIGMA)
        bench('d', 'scipy32.gaussian_filter', size, lambda: gaussian_filter(image, SIGMA, mode='reflect'), n)
        bench('d', 'pyfftw32.gauss_rfft_cached', size, lambda: fftw(image), n)
        exact = gaussian_filter(image.astype(np.float64), SIGMA, mode='reflect')
        check(f'{size} max|pyfftw32 - float64| / max|float64|',
              np.abs(fftw(image) - exact).max() / np.abs(exact).max(), 1e-5)
        check(f'{size} max|scipy32 - float64| / max|float64|',
              np.abs(gaussian_filter(image, SIGMA, mode='reflect') - exact).max() / np.abs(exact).max(), 1e-6)

    if args.wisdom:
        with open(args.wisdom, 'wb') as f:
            pickle.dump(pyfftw.export_wisdom(), f)
    print()
    print(json.dumps({k: round(v, 7) for k, v in RESULTS.items()}))


if __name__ == '__main__':
    sys.exit(main())
