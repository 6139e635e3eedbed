/* Two sets of statistic vectors compared: per-bin means and scatters, Hotelling's T² with
 * the pooled covariance and its F-distribution p-value (darkmap/map-statistics.h). */
#include "darkmap/map-statistics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Eigenvalues below this fraction of the largest are dropped from the pseudo-inverse. */
#define EIGENVALUE_CUTOFF 1e-10

void dm_stats_comparison_free(DmStatsComparison *comparison) {
  if (!comparison) return;
  free(comparison->mean_a);
  free(comparison->std_a);
  free(comparison->mean_b);
  free(comparison->std_b);
  free(comparison);
}

static bool check_arguments(const double *a, int n_a, const double *b, int n_b, int n,
                            DmError **error) {
  if (!a || !b || n < 1 || n_a < 1 || n_b < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Comparing statistics needs two non-empty sets of vectors of at least "
                        "one value (got %d and %d vectors of %d).",
                        n_a, n_b, n);
  if (n_a + n_b < 3)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Comparing statistics needs at least 3 maps in all, for a scatter "
                        "(got %d and %d).",
                        n_a, n_b);
  for (size_t i = 0; i < (size_t)n_a * n; i++)
    if (!isfinite(a[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Statistic %zu of map %zu of the first set is not finite.", i % n,
                          i / n);
  for (size_t i = 0; i < (size_t)n_b * n; i++)
    if (!isfinite(b[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Statistic %zu of map %zu of the second set is not finite.", i % n,
                          i / n);
  return true;
}

/* Per-bin mean and sample std (n − 1; 0 for one vector) of rows × n values. */
static void mean_and_std(const double *values, int rows, int n, double *mean, double *std) {
  for (int j = 0; j < n; j++) {
    double sum = 0.0;
    for (int r = 0; r < rows; r++) sum += values[(size_t)r * n + j];
    mean[j] = sum / rows;
    double squares = 0.0;
    for (int r = 0; r < rows; r++) {
      double d = values[(size_t)r * n + j] - mean[j];
      squares += d * d;
    }
    std[j] = rows > 1 ? sqrt(squares / (rows - 1)) : 0.0;
  }
}

/* True when every row holds the same value in bin j (compared exactly, so that the
 * rounding of a mean never makes up a scatter). */
static bool constant_bin(const double *values, int rows, int n, int j) {
  for (int r = 1; r < rows; r++)
    if (values[(size_t)r * n + j] != values[j]) return false;
  return true;
}

/* Cyclic Jacobi diagonalisation of the symmetric m × m matrix s (destroyed: its diagonal
 * ends as the eigenvalues); vectors (m × m) receives the eigenvectors as columns. */
static void jacobi_eigen(double *s, int m, double *vectors) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++) vectors[(size_t)i * m + j] = i == j;
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0.0, diagonal = 0.0;
    for (int i = 0; i < m; i++) {
      diagonal += s[(size_t)i * m + i] * s[(size_t)i * m + i];
      for (int j = i + 1; j < m; j++) off += s[(size_t)i * m + j] * s[(size_t)i * m + j];
    }
    if (off <= 1e-30 * diagonal) return;
    for (int p = 0; p < m; p++)
      for (int q = p + 1; q < m; q++) {
        double apq = s[(size_t)p * m + q];
        if (apq == 0.0) continue;
        double theta = (s[(size_t)q * m + q] - s[(size_t)p * m + p]) / (2.0 * apq);
        double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
        double c = 1.0 / sqrt(t * t + 1.0), sn = t * c;
        for (int k = 0; k < m; k++) { /* columns p and q */
          double kp = s[(size_t)k * m + p], kq = s[(size_t)k * m + q];
          s[(size_t)k * m + p] = c * kp - sn * kq;
          s[(size_t)k * m + q] = sn * kp + c * kq;
        }
        for (int k = 0; k < m; k++) { /* rows p and q */
          double pk = s[(size_t)p * m + k], qk = s[(size_t)q * m + k];
          s[(size_t)p * m + k] = c * pk - sn * qk;
          s[(size_t)q * m + k] = sn * pk + c * qk;
        }
        for (int k = 0; k < m; k++) {
          double kp = vectors[(size_t)k * m + p], kq = vectors[(size_t)k * m + q];
          vectors[(size_t)k * m + p] = c * kp - sn * kq;
          vectors[(size_t)k * m + q] = sn * kp + c * kq;
        }
      }
  }
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double beta_continued_fraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; m++) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + aa * d;
    c = 1.0 + aa / c;
    d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
    c = fabs(c) < tiny ? tiny : c;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + aa * d;
    c = 1.0 + aa / c;
    d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
    c = fabs(c) < tiny ? tiny : c;
    double step = d * c;
    h *= step;
    if (fabs(step - 1.0) < 1e-15) break;
  }
  return h;
}

/* The regularised incomplete beta function I_x(a, b). */
static double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

/* P(F > f) for F of d1, d2 degrees of freedom. */
static double f_survival(double f, double d1, double d2) {
  if (!(f > 0.0)) return 1.0;
  if (isinf(f)) return 0.0;
  return incomplete_beta(0.5 * d2, 0.5 * d1, d2 / (d2 + d1 * f));
}

/* Hotelling's T² of the difference of the means over the kept bins, its dof and p-value. */
static bool hotelling(const double *a, int n_a, const double *b, int n_b, int n,
                      DmStatsComparison *out, DmError **error) {
  int *kept = malloc((size_t)n * sizeof(int));
  int m = 0;
  bool separated = false; /* a bin without scatter whose means differ */
  for (int j = 0; j < n && kept; j++) {
    if (constant_bin(a, n_a, n, j) && constant_bin(b, n_b, n, j)) {
      if (a[j] != b[j]) separated = true;
      continue;
    }
    kept[m++] = j;
  }
  double *cov = kept ? calloc((size_t)m * m + 1, sizeof(double)) : NULL;
  double *vectors = cov ? malloc(((size_t)m * m + 1) * sizeof(double)) : NULL;
  double *scaled = vectors ? malloc(((size_t)m + 1) * sizeof(double)) : NULL;
  if (!scaled) {
    free(kept);
    free(cov);
    free(vectors);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory for the covariance of %d statistics.", n);
  }
  /* Pooled covariance: both sets' scatter about their own mean, over N − 2. */
  int total = n_a + n_b;
  for (int set = 0; set < 2; set++) {
    const double *values = set == 0 ? a : b;
    const double *mean = set == 0 ? out->mean_a : out->mean_b;
    int rows = set == 0 ? n_a : n_b;
    for (int r = 0; r < rows; r++)
      for (int i = 0; i < m; i++) {
        double di = values[(size_t)r * n + kept[i]] - mean[kept[i]];
        for (int k = 0; k < m; k++)
          cov[(size_t)i * m + k] += di * (values[(size_t)r * n + kept[k]] - mean[kept[k]]);
      }
  }
  for (int i = 0; i < m; i++) {
    double var_i = cov[(size_t)i * m + i];
    scaled[i] = (out->mean_a[kept[i]] - out->mean_b[kept[i]]) / sqrt(var_i / (total - 2));
  }
  /* The correlation matrix, so that the eigenvalue cutoff does not depend on units. */
  for (int i = 0; i < m; i++)
    for (int k = 0; k < m; k++)
      if (i != k)
        cov[(size_t)i * m + k] /= sqrt(cov[(size_t)i * m + i] * cov[(size_t)k * m + k]);
  for (int i = 0; i < m; i++) cov[(size_t)i * m + i] = 1.0;
  jacobi_eigen(cov, m, vectors);

  /* Keep the eigenvalues above the cutoff, at most N − 2 of them (the pooled covariance's
   * rank), largest first. */
  double largest = 0.0;
  for (int i = 0; i < m; i++) largest = fmax(largest, cov[(size_t)i * m + i]);
  int dof = 0;
  double t2 = 0.0;
  while (dof < total - 2) {
    int best = -1;
    for (int i = 0; i < m; i++) {
      double lambda = cov[(size_t)i * m + i];
      bool above_cutoff = lambda > EIGENVALUE_CUTOFF * largest;
      if (above_cutoff && (best < 0 || lambda > cov[(size_t)best * m + best])) best = i;
    }
    if (best < 0) break;
    double projection = 0.0;
    for (int i = 0; i < m; i++) projection += vectors[(size_t)i * m + best] * scaled[i];
    t2 += projection * projection / cov[(size_t)best * m + best];
    cov[(size_t)best * m + best] = 0.0; /* used */
    dof++;
  }
  free(kept);
  free(cov);
  free(vectors);
  free(scaled);

  out->dof = dof;
  if (separated) {
    out->chi2 = INFINITY;
    out->p_value = 0.0;
  } else if (dof == 0) {
    out->chi2 = 0.0;
    out->p_value = 1.0;
  } else {
    out->chi2 = t2 / (1.0 / n_a + 1.0 / n_b);
    double d2 = total - dof - 1.0;
    out->p_value = f_survival(d2 * out->chi2 / (dof * (total - 2.0)), dof, d2);
  }
  return true;
}

DmStatsComparison *dm_map_stats_compare(const double *a, int n_a, const double *b, int n_b,
                                        int n, DmError **error) {
  if (!check_arguments(a, n_a, b, n_b, n, error)) return NULL;
  DmStatsComparison *out = calloc(1, sizeof(*out));
  if (out) {
    out->mean_a = malloc((size_t)n * sizeof(double));
    out->std_a = malloc((size_t)n * sizeof(double));
    out->mean_b = malloc((size_t)n * sizeof(double));
    out->std_b = malloc((size_t)n * sizeof(double));
  }
  if (!out || !out->mean_a || !out->std_a || !out->mean_b || !out->std_b) {
    dm_stats_comparison_free(out);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory comparing statistics.");
    return NULL;
  }
  out->n = n;
  out->n_a = n_a;
  out->n_b = n_b;
  mean_and_std(a, n_a, n, out->mean_a, out->std_a);
  mean_and_std(b, n_b, n, out->mean_b, out->std_b);
  if (!hotelling(a, n_a, b, n_b, n, out, error)) {
    dm_stats_comparison_free(out);
    return NULL;
  }
  return out;
}
