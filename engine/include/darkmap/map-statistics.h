/* The statistics that judge a convergence map, and the comparison of two sets of maps.
 *
 * One map (dm_map_stats): the one-point PDF, peak and minimum counts by height, the three
 * Minkowski functionals V0, V1, V2 over thresholds, and the map's mean, sigma0, sigma1,
 * sigma2, all inside a mask.  Two sets (dm_map_stats_compare, dm_ks_two_sample): per-bin
 * means and scatters, a chi² of the difference of the means with the sets' pooled
 * covariance, and the two-sample Kolmogorov-Smirnov test on raw pixel values.  The power
 * spectrum is darkmap/pspec.h.
 *
 * Grid and pixels.  A map is ny × nx floats, map[y * nx + x] (darkmap/map.h; one plane of a
 * DmMap is dm_map_plane).  A pixel is *inside* when the mask is > 0 there (NULL mask: every
 * pixel), its value is finite and, on the S/N scale, the noise there is finite and > 0.
 * A pixel is *interior* when every pixel its derivatives read is inside: its 3 × 3 square
 * and the pixels two steps away along x and y (so never within 2 pixels of the grid's
 * border: maps are not taken as periodic).  Pixels outside never enter any statistic:
 *  - mean, sigma0, the PDF and V0 use every inside pixel;
 *  - sigma1, sigma2, V1, V2, peaks and minima use interior pixels only, whose
 *    differences read inside pixels alone: a mask edge neither makes peaks nor steep
 *    gradients, and a hole in the mask only removes area.
 * Derivatives, converted from pixels to degrees, all from the central difference
 * D_x f = (f[x+1] − f[x−1]) / 2: the gradient (D_x f, D_y f) and the Hessian D_x D_x f =
 * (f[x+2] − 2 f[x] + f[x−2]) / 4, D_x D_y f, D_y D_y f.  With one operator the lattice
 * keeps the continuum's identity <f D_xx f> = −<(D_x f)²>, so that the Gaussian V1 and V2
 * below hold on the grid with sigma1 as measured here, whatever the field's smoothing (for
 * spectra symmetric in x and y).  sigma2 takes the 3-point Laplacian
 * f[x+1] + f[x−1] + f[y+1] + f[y−1] − 4 f, the closest to the continuous one.  A peak is an interior pixel strictly above its 8 neighbours, a minimum one strictly
 * below them.  Grid peaks match the continuous field's when the map is smooth over a few
 * pixels: for Gaussian-smoothed fields the counts fall short of Bond & Efstathiou's by 5 %
 * at a smoothing sigma of 2 pixels, 1.8 % at 3, and by less than 0.5 % at 5.
 *
 * Heights.  Every statistic is of the height h of a pixel, on one of three scales:
 *  - DM_STATS_NU:    h = (kappa − mean) / sigma0, mean and sigma0 of the map inside;
 *  - DM_STATS_KAPPA: h = kappa;
 *  - DM_STATS_SNR:   h = kappa / noise (a noise std map of the map's shape): the S/N map,
 *                    whose peaks are the usual "peaks by S/N" (with uniform noise they are
 *                    the kappa map's peaks).
 * Thresholds t_i = lo + i (hi − lo) / (n − 1), i = 0 … n − 1, and bin i is the interval
 * [t_i − Δ/2, t_i + Δ/2), Δ = (hi − lo) / (n − 1): the PDF, the peak and minimum
 * histograms and the windows of V1 and V2 share this one axis.
 *
 * Minkowski functionals (the per-pixel estimators of Kratochvil et al. 2012 and Lim & Simon
 * 2012, with the delta function a window of width Δ; A the inside area for V0, the interior
 * area for V1 and V2, in deg²):
 *   V0(t) = fraction of inside pixels with h > t;
 *   V1(t) = 1 / (4 A) Σ_{h in bin} |∇h| / Δ × pixel area                (per degree)
 *   V2(t) = 1 / (2 π A) Σ_{h in bin} (2 h_x h_y h_xy − h_x² h_yy − h_y² h_xx)
 *                                      / (h_x² + h_y²) / Δ × pixel area  (per deg²)
 * V0 is the area fraction of the excursion set h > t, 4 V1 its boundary length per area
 * and V2 its Euler characteristic per area (positive where it is made of isolated blobs).
 * They do not depend on the scale of h once t follows it (V(t) for kappa thresholds equals
 * V(nu) at nu = (t − mean) / sigma0, up to the width of the window). */
#ifndef DARKMAP_MAP_STATISTICS_H
#define DARKMAP_MAP_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of thresholds accepted. */
#define DM_MAP_STATS_MAX_THRESHOLDS 4096

typedef enum {
  DM_STATS_NU,     /* h = (kappa − mean) / sigma0 */
  DM_STATS_KAPPA,  /* h = kappa */
  DM_STATS_SNR,    /* h = kappa / noise; needs the noise map */
} DmStatsScale;

typedef struct {
  DmStatsScale scale;  /* default DM_STATS_NU */
  int n_thresholds;    /* >= 2; default 33 */
  double lo, hi;       /* first and last threshold in h units, lo < hi; default −4, 4
                          (Δ = 0.25).  On the kappa scale set them to kappa values. */
} DmMapStatsOptions;

/* Defaults: nu scale, 33 thresholds from −4 to 4. */
void dm_map_stats_options_init(DmMapStatsOptions *options);

/* The statistics of one map.  Every array is owned and n long, indexed like threshold. */
typedef struct {
  DmMapStatsOptions options;  /* as used */
  int n;                      /* = options.n_thresholds */
  double bin_width;           /* Δ, in h units */
  double *threshold;          /* t_i, in h units */
  double *pdf;                /* inside pixels with h in bin i / (n_inside Δ): a density per
                                 unit of h (the fraction beyond the bins is left out) */
  double *peaks;              /* number of peaks with h in bin i (divide by
                                 interior_area_deg2 for peaks per deg²) */
  double *minima;             /* number of minima with h in bin i */
  double *v0;                 /* fraction, dimensionless */
  double *v1;                 /* per degree */
  double *v2;                 /* per deg² */
  long n_peaks, n_minima;     /* at every height, those outside the bins included */
  /* Moments of the field thresholded: kappa on the nu and kappa scales, kappa / noise on
   * the S/N scale; the Gaussian predictions below take them as they are. */
  double mean;                /* mean inside */
  double sigma0;              /* std inside (population: divides by n_inside) */
  double sigma1;              /* sqrt <|∇f|²> over interior pixels, per degree */
  double sigma2;              /* sqrt <(∇²f)²> over interior pixels, per deg² */
  long n_inside, n_interior;  /* pixels */
  double pixel_arcmin;        /* pixel side used */
  double area_deg2;           /* n_inside pixels */
  double interior_area_deg2;  /* n_interior pixels */
} DmMapStats;

/* Statistics of one map: map ny × nx; mask ny × nx or NULL (every pixel observed); noise
 * ny × nx (std of kappa per pixel, same units as map) or NULL, read only on the S/N scale;
 * pixel_arcmin > 0 the pixel side; options NULL for the defaults.  Fails with
 * DM_ERROR_INVALID_ARGUMENT (bad size, pixel side or options, S/N scale without noise),
 * DM_ERROR_NO_DATA (fewer than 2 inside pixels, no interior pixel, or sigma0 = 0 on the nu
 * scale) or DM_ERROR_NO_MEMORY.  The caller frees the result with dm_map_stats_free. */
DmMapStats *dm_map_stats(const float *map, const float *mask, const float *noise, int nx,
                         int ny, double pixel_arcmin, const DmMapStatsOptions *options,
                         DmError **error);
void dm_map_stats_free(DmMapStats *stats);

/* The statistics as vectors, to compare sets of maps or write tables. */
typedef enum {
  DM_STAT_PDF,
  DM_STAT_PEAKS,
  DM_STAT_MINIMA,
  DM_STAT_V0,
  DM_STAT_V1,
  DM_STAT_V2,
  DM_STAT_COUNT,  /* number of kinds */
} DmStatKind;

/* The n values of one kind (a pointer into stats, not a copy). */
const double *dm_map_stats_values(const DmMapStats *stats, DmStatKind kind);

/* A stable lower-case name: "pdf", "peaks", "minima", "v0", "v1", "v2". */
const char *dm_stat_kind_name(DmStatKind kind);

/* Gaussian expectations (Tomita 1986; Matsubara 2003, 2010), for a homogeneous isotropic
 * Gaussian field of std sigma0, gradient std sigma1 = sqrt <|∇f|²> (both components) and
 * sigma2 = sqrt <(∇²f)²>, at the height nu = (f − mean) / sigma0.  With tau =
 * sigma1 / (sqrt 2 sigma0):
 *   V0 = erfc(nu / sqrt 2) / 2
 *   V1 = tau exp(−nu² / 2) / 8                        (units of sigma1 / sigma0: per degree
 *   V2 = tau² nu exp(−nu² / 2) / (2 pi)^(3/2)          and per deg² with DmMapStats' sigmas)
 * v[0], v[1], v[2] receive them.  On the kappa scale, evaluate at nu = (t − mean) / sigma0. */
void dm_gaussian_minkowski(double nu, double sigma0, double sigma1, double v[3]);

/* Peaks of a 2D Gaussian field per unit area and per unit nu at height nu (Bond &
 * Efstathiou 1987, eq. 4.7; Bardeen et al. 1986 in 2D):
 *   n_pk(nu) = exp(−nu²/2) / ((2 pi)^(3/2) theta*²) G(gamma, gamma nu),
 *   theta*² = 2 sigma1² / sigma2², gamma = sigma1² / (sigma0 sigma2) (0 < gamma < 1),
 *   G(g, x) = (x² − g²) [1 − erfc(x / sqrt(2 (1 − g²))) / 2]
 *           + x (1 − g²) exp(−x² / (2 (1 − g²))) / sqrt(2 pi (1 − g²))
 *           + exp(−x² / (3 − 2 g²)) / sqrt(3 − 2 g²)
 *             × [1 − erfc(x / sqrt(2 (1 − g²) (3 − 2 g²))) / 2].
 * Its integral over nu is the total peak density sigma2² / (8 sqrt 3 pi sigma1²).  Minima
 * at nu have the density of peaks at −nu.  Area in the units of sigma1² / sigma2² (deg²
 * with DmMapStats' sigmas); per unit kappa, divide by sigma0.  NaN when gamma is not in
 * (0, 1) (no field has gamma >= 1). */
double dm_gaussian_peak_density(double nu, double sigma0, double sigma1, double sigma2);

/* Two sets of statistic vectors: a is n_a × n (row r the vector of map r), b is n_b × n
 * (typically a = samples or emulated maps, b = the reference set or the truth).
 *   mean_a, mean_b: per-bin means; std_a, std_b: per-bin sample std (n − 1; 0 for a set
 *   of one);
 *   chi2: Hotelling's two-sample T² = d^T S^+ d / (1/n_a + 1/n_b), d = mean_a − mean_b,
 *   S the pooled covariance ((n_a − 1) S_a + (n_b − 1) S_b) / (n_a + n_b − 2): the chi²
 *   of d with the covariance of the difference of the means, both sets' scatter pooled
 *   (under the hypothesis that both sets come from one model, which is what is tested; a
 *   single truth map as b is allowed, its covariance then comes from a alone);
 *   dof: the number of directions used.  Singular covariances: bins in which both sets
 *   have zero scatter are dropped (when their means differ, chi2 is +inf and p_value 0);
 *   S^+ is the pseudo-inverse of what remains, taken on the correlation matrix (S scaled
 *   to unit diagonal) keeping eigenvalues above 1e-10 × the largest, so dof is at most
 *   n_a + n_b − 2; the part of d along discarded directions is ignored.
 *   p_value: the chance of a T² this large when both sets come from one Gaussian model:
 *   (N − dof − 1) T² / (dof (N − 2)) follows F(dof, N − dof − 1), N = n_a + n_b; exact
 *   when every kept bin is used (measured: p < 0.05 for 5.2 % of 20,000 pairs of sets of
 *   one model), an approximation when the pseudo-inverse drops directions.
 *   With few maps for many bins T² is large even for one model (its mean is
 *   dof (N − 2) / (N − dof − 3), not dof): read the p-value, not chi2 / dof.
 * Fails with DM_ERROR_INVALID_ARGUMENT (n < 1, n_a < 1, n_b < 1, n_a + n_b < 3, a
 * non-finite value).  The caller frees the result with dm_stats_comparison_free. */
typedef struct {
  int n, n_a, n_b;
  double *mean_a, *std_a;  /* n */
  double *mean_b, *std_b;  /* n */
  double chi2;
  int dof;                 /* 0 when nothing could be compared: chi2 0, p_value 1 */
  double p_value;
} DmStatsComparison;

DmStatsComparison *dm_map_stats_compare(const double *a, int n_a, const double *b, int n_b,
                                        int n, DmError **error);
void dm_stats_comparison_free(DmStatsComparison *comparison);

/* Two-sample Kolmogorov-Smirnov test of raw values (pixel values inside a mask, not
 * histogram counts): D = max |F_x − F_y| of the two empirical distribution functions (ties
 * handled exactly), and the asymptotic p-value Q_KS((sqrt(e) + 0.12 + 0.11 / sqrt(e)) D),
 * Q_KS(l) = 2 Σ_{j>=1} (−1)^(j−1) exp(−2 j² l²), e = n_x n_y / (n_x + n_y) the effective
 * size (Kolmogorov's limit with Stephens' 1970 small-sample correction, as Numerical
 * Recipes' kstwo and early SciPy ks_2samp; SciPy's "asymp" mode now evaluates the
 * one-sample distribution of size round(e) exactly, which Stephens' formula approximates).
 * The inputs are not changed (sorted copies).  The test takes the values as independent:
 * the pixels of a smooth map are correlated, which makes p far too small for maps larger
 * than their correlation length (two Gaussian maps of one model, 512² smoothed over 2
 * pixels: p < 0.05 for 63 % of pairs); thin them to pixels a correlation length apart for
 * a calibrated p (every 12th pixel there: none of 30 pairs below 0.05).  Fails with
 * DM_ERROR_INVALID_ARGUMENT for an empty set or a non-finite value, DM_ERROR_NO_MEMORY. */
bool dm_ks_two_sample(const float *x, size_t n_x, const float *y, size_t n_y, double *d,
                      double *p_value, DmError **error);

#ifdef __cplusplus
}
#endif

#endif
