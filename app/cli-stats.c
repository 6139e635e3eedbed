/* darkmap-cli stats: the PDF, peaks, minima and Minkowski functionals of a map, of every
 * sample of a posterior file or of every plane of a cube, and the comparison of those maps
 * with a second set (darkmap/map-statistics.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "darkmap/atomic-file.h"
#include "darkmap/fits.h"
#include "darkmap/map-statistics.h"
#include "darkmap/mask.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/posterior.h"

static const CliOptionSpec stats_options[] = {
    {"map", true, "FILE     map, cube of maps, or posterior file (its SAMPLES)"},
    {"ext", true, "NAME     image extension (default: a posterior's SAMPLES, else primary)"},
    {"mask", true, "FILE     mask (FITS image, > 0 = observed) on the maps' grid"},
    {"noise", true, "FILE     noise std map (FITS image) for --scale snr"},
    {"noise-ext", true, "NAME     image extension of --noise (default: primary)"},
    {"scale", true, "S        thresholds in nu (default), kappa or snr (kappa / noise)"},
    {"thresholds", true, "N        number of thresholds (default 33)"},
    {"lo", true, "X        lowest threshold (default -4; needed with --scale kappa)"},
    {"hi", true, "X        highest threshold (default 4; needed with --scale kappa)"},
    {"pixel-arcmin", true, "P        pixel side when a map has no WCS"},
    {"against", true, "FILE     second set of maps to compare with (read as --map)"},
    {"against-ext", true, "NAME     image extension of --against"},
    {"ks-stride", true, "S        KS test on every S-th pixel in x and y (default 1)"},
    {"out", true, "FILE     output table (CSV)"},
    {NULL, false, NULL},
};

/* One set of maps and the statistics of each plane. */
typedef struct {
  const char *name; /* "map" or "against" */
  DmMap *maps;      /* K planes */
  DmMapStats **stats; /* K */
} StatsSet;

static void stats_set_clear(StatsSet *set) {
  if (set->stats)
    for (int k = 0; k < set->maps->nplanes; k++) dm_map_stats_free(set->stats[k]);
  free(set->stats);
  dm_map_free(set->maps);
}

/* The maps of path: extension ext; without one, a posterior file's SAMPLES when it has
 * them, else the primary image. */
static DmMap *read_maps(const char *path, const char *ext, DmError **error) {
  if (ext || !dm_posterior_file_probe(path)) return dm_fits_read_image(path, ext, error);
  DmError *local = NULL;
  DmMap *samples = dm_fits_read_image(path, "SAMPLES", &local);
  if (samples || local->code != DM_ERROR_NOT_FOUND) {
    dm_error_propagate(error, local);
    return samples;
  }
  dm_error_free(local);
  return dm_fits_read_image(path, NULL, error);
}

/* The pixel side of maps: --pixel-arcmin when given, else their WCS. */
static bool pixel_side(const DmMap *maps, const char *path, double given, double *arcmin,
                       DmError **error) {
  if (given > 0.0) {
    *arcmin = given;
    return true;
  }
  if (given < 0.0 || !isfinite(given))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --pixel-arcmin must be positive.");
  if (!maps->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%s has no WCS: give its pixel side with --pixel-arcmin.", path);
  *arcmin = dm_wcs_pixel_scale_deg(maps->wcs) * 60.0;
  return true;
}

/* A one-plane image of the maps' size, for the mask or the noise of a set. */
static bool check_grid(const DmMap *image, const DmMap *maps, const char *what,
                       const char *path, DmError **error) {
  if (image->nx != maps->nx || image->ny != maps->ny)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The %s is %d × %d pixels but %s is %d × %d.", what, image->nx,
                        image->ny, path, maps->nx, maps->ny);
  return true;
}

static bool compute_set(StatsSet *set, const char *path, const DmMap *mask, const DmMap *noise,
                        double pixel_given, const DmMapStatsOptions *options,
                        DmError **error) {
  double arcmin = 0.0;
  if ((mask && !check_grid(mask, set->maps, "mask", path, error)) ||
      (noise && !check_grid(noise, set->maps, "noise map", path, error)) ||
      !pixel_side(set->maps, path, pixel_given, &arcmin, error))
    return false;
  int planes = set->maps->nplanes;
  set->stats = calloc((size_t)planes, sizeof(DmMapStats *));
  if (!set->stats)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d maps.", planes);
  for (int k = 0; k < planes; k++) {
    set->stats[k] = dm_map_stats(dm_map_plane(set->maps, k), mask ? mask->data : NULL,
                                 noise ? noise->data : NULL, set->maps->nx, set->maps->ny,
                                 arcmin, options, error);
    if (!set->stats[k]) {
      dm_error_prefix(error, "%s, plane %d", path, k);
      return false;
    }
  }
  return true;
}

/* The per-threshold columns of the table. */
static double peaks_per_deg2(const DmMapStats *s, int i) {
  return s->peaks[i] / s->interior_area_deg2;
}

typedef struct {
  const char *name;
  DmStatKind kind;                            /* when per_area is NULL */
  double (*per_area)(const DmMapStats *, int); /* a derived column */
} ThresholdColumn;

static const ThresholdColumn threshold_columns[] = {
    {"pdf", DM_STAT_PDF, NULL},       {"peaks", DM_STAT_PEAKS, NULL},
    {"peaks_per_deg2", 0, peaks_per_deg2}, {"minima", DM_STAT_MINIMA, NULL},
    {"v0", DM_STAT_V0, NULL},         {"v1", DM_STAT_V1, NULL},
    {"v2", DM_STAT_V2, NULL},
};

static double threshold_value(const ThresholdColumn *column, const DmMapStats *s, int i) {
  return column->per_area ? column->per_area(s, i) : dm_map_stats_values(s, column->kind)[i];
}

/* The per-map numbers of the table. */
static double scalar_value(const DmMapStats *s, int which) {
  switch (which) {
  case 0: return s->mean;
  case 1: return s->sigma0;
  case 2: return s->sigma1;
  case 3: return s->sigma2;
  case 4: return (double)s->n_peaks;
  case 5: return (double)s->n_minima;
  case 6: return (double)s->n_inside;
  case 7: return s->area_deg2;
  default: return s->interior_area_deg2;
  }
}
static const char *const scalar_names[] = {"mean",    "sigma0",   "sigma1",
                                           "sigma2",  "n_peaks",  "n_minima",
                                           "n_inside", "area_deg2", "interior_area_deg2"};
#define N_SCALARS (int)(sizeof scalar_names / sizeof scalar_names[0])

/* Mean and sample std (n − 1) of values[0 … n − 1]. */
static void mean_std(const double *values, int n, double *mean, double *std) {
  double sum = 0.0, squares = 0.0;
  for (int k = 0; k < n; k++) sum += values[k];
  *mean = sum / n;
  for (int k = 0; k < n; k++) squares += (values[k] - *mean) * (values[k] - *mean);
  *std = n > 1 ? sqrt(squares / (n - 1)) : 0.0;
}

/* Rows of one set: every plane, then the mean and std over planes when there are several. */
static void print_set(FILE *f, const StatsSet *set, double *scratch) {
  int planes = set->maps->nplanes, n = set->stats[0]->n;
  const int n_columns = (int)(sizeof threshold_columns / sizeof threshold_columns[0]);
  for (int k = 0; k < planes; k++) {
    const DmMapStats *s = set->stats[k];
    for (int c = 0; c < n_columns; c++)
      for (int i = 0; i < n; i++)
        fprintf(f, "%s,%d,%s,%.9g,%.9g\n", set->name, k, threshold_columns[c].name,
                s->threshold[i], threshold_value(&threshold_columns[c], s, i));
    for (int q = 0; q < N_SCALARS; q++)
      fprintf(f, "%s,%d,%s,,%.9g\n", set->name, k, scalar_names[q], scalar_value(s, q));
  }
  if (planes < 2) return;
  double mean, std;
  for (int c = 0; c < n_columns; c++)
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < planes; k++)
        scratch[k] = threshold_value(&threshold_columns[c], set->stats[k], i);
      mean_std(scratch, planes, &mean, &std);
      fprintf(f, "%s,mean,%s,%.9g,%.9g\n", set->name, threshold_columns[c].name,
              set->stats[0]->threshold[i], mean);
      fprintf(f, "%s,std,%s,%.9g,%.9g\n", set->name, threshold_columns[c].name,
              set->stats[0]->threshold[i], std);
    }
  for (int q = 0; q < N_SCALARS; q++) {
    for (int k = 0; k < planes; k++) scratch[k] = scalar_value(set->stats[k], q);
    mean_std(scratch, planes, &mean, &std);
    fprintf(f, "%s,mean,%s,,%.9g\n", set->name, scalar_names[q], mean);
    fprintf(f, "%s,std,%s,,%.9g\n", set->name, scalar_names[q], std);
  }
}

/* The comparison of the two sets: for each statistic, Hotelling's chi², its dof and
 * p-value; the KS test of the pixel values. */
typedef struct {
  bool done;
  bool has_chi2; /* at least 3 maps in all: a scatter to compare with */
  double chi2[DM_STAT_COUNT], p[DM_STAT_COUNT];
  int dof[DM_STAT_COUNT];
  double ks_d, ks_p;
  size_t ks_n_map, ks_n_against;
} Comparison;

/* The statistic vectors of a set: planes × n values. */
static double *stat_matrix(const StatsSet *set, DmStatKind kind, DmError **error) {
  int planes = set->maps->nplanes, n = set->stats[0]->n;
  double *m = malloc((size_t)planes * n * sizeof(double));
  if (!m) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory comparing statistics.");
    return NULL;
  }
  for (int k = 0; k < planes; k++)
    memcpy(m + (size_t)k * n, dm_map_stats_values(set->stats[k], kind), n * sizeof(double));
  return m;
}

/* The pixel values of a set that its statistics used: inside the mask, finite, and with a
 * positive noise on the S/N scale, every stride-th pixel in x and y. */
static float *pixel_values(const StatsSet *set, const DmMap *mask, const DmMap *noise,
                           bool snr, int stride, size_t *count, DmError **error) {
  const DmMap *m = set->maps;
  float *values = malloc(dm_map_plane_size(m) * (size_t)m->nplanes * sizeof(float));
  if (!values) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the KS test.");
    return NULL;
  }
  size_t n = 0;
  for (int k = 0; k < m->nplanes; k++) {
    const float *plane = dm_map_plane(m, k);
    for (int y = 0; y < m->ny; y += stride)
      for (int x = 0; x < m->nx; x += stride) {
        size_t i = (size_t)y * m->nx + x;
        float value = snr ? plane[i] / noise->data[i] : plane[i];
        bool noise_ok = !snr || (noise->data[i] > 0.0f && isfinite(noise->data[i]));
        if ((!mask || mask->data[i] > 0.0f) && noise_ok && isfinite(value)) values[n++] = value;
      }
  }
  *count = n;
  return values;
}

static bool compare_sets(const StatsSet *a, const StatsSet *b, const DmMap *mask,
                         const DmMap *noise, bool snr, int stride, Comparison *out,
                         DmError **error) {
  if (a->stats[0]->n != b->stats[0]->n)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "The two sets have other bins.");
  out->has_chi2 = a->maps->nplanes + b->maps->nplanes >= 3;
  for (int kind = 0; out->has_chi2 && kind < DM_STAT_COUNT; kind++) {
    double *ma = stat_matrix(a, (DmStatKind)kind, error);
    double *mb = ma ? stat_matrix(b, (DmStatKind)kind, error) : NULL;
    DmStatsComparison *c =
        mb ? dm_map_stats_compare(ma, a->maps->nplanes, mb, b->maps->nplanes, a->stats[0]->n,
                                  error)
           : NULL;
    free(ma);
    free(mb);
    if (!c) return false;
    out->chi2[kind] = c->chi2;
    out->dof[kind] = c->dof;
    out->p[kind] = c->p_value;
    dm_stats_comparison_free(c);
  }
  float *xa = pixel_values(a, mask, noise, snr, stride, &out->ks_n_map, error);
  float *xb = xa ? pixel_values(b, mask, noise, snr, stride, &out->ks_n_against, error) : NULL;
  bool ok = xb && dm_ks_two_sample(xa, out->ks_n_map, xb, out->ks_n_against, &out->ks_d,
                                   &out->ks_p, error);
  free(xa);
  free(xb);
  out->done = ok;
  return ok;
}

static void print_comparison(FILE *f, const Comparison *c) {
  for (int kind = 0; c->has_chi2 && kind < DM_STAT_COUNT; kind++) {
    const char *name = dm_stat_kind_name((DmStatKind)kind);
    fprintf(f, "comparison,,%s_chi2,,%.9g\n", name, c->chi2[kind]);
    fprintf(f, "comparison,,%s_dof,,%d\n", name, c->dof[kind]);
    fprintf(f, "comparison,,%s_p,,%.9g\n", name, c->p[kind]);
  }
  fprintf(f, "comparison,,ks_d,,%.9g\n", c->ks_d);
  fprintf(f, "comparison,,ks_p,,%.9g\n", c->ks_p);
  fprintf(f, "comparison,,ks_n_map,,%zu\n", c->ks_n_map);
  fprintf(f, "comparison,,ks_n_against,,%zu\n", c->ks_n_against);
}

static const char *scale_name(DmStatsScale scale) {
  return scale == DM_STATS_KAPPA ? "kappa" : scale == DM_STATS_SNR ? "snr" : "nu";
}

static void print_csv(FILE *f, const StatsSet *sets, int n_sets, const Comparison *comparison,
                      double *scratch) {
  const DmMapStatsOptions *o = &sets[0].stats[0]->options;
  fprintf(f,
          "# darkmap-cli stats: thresholds in %s, %d from %g to %g (bin i: threshold ± %g)\n"
          "# set: map or against (planes 0 ..., then mean and std over planes), comparison\n"
          "# pdf per unit threshold; peaks, minima: counts in the bin; v0 fraction; v1 per deg;\n"
          "# v2 per deg^2; sigma1 per deg, sigma2 per deg^2; chi2: Hotelling T^2 of the means\n"
          "# with the pooled covariance (large for few maps even for one model: read p);\n"
          "# ks: two-sample Kolmogorov-Smirnov on pixel values\n",
          scale_name(o->scale), o->n_thresholds, o->lo, o->hi,
          sets[0].stats[0]->bin_width / 2.0);
  fprintf(f, "set,plane,statistic,threshold,value\n");
  for (int s = 0; s < n_sets; s++) print_set(f, &sets[s], scratch);
  if (comparison->done) print_comparison(f, comparison);
}

/* print_csv's arguments, for dm_atomic_write_text. */
typedef struct {
  const StatsSet *sets;
  int n_sets;
  const Comparison *comparison;
  double *scratch;
} CsvData;

static bool print_csv_data(FILE *f, void *data) {
  const CsvData *c = data;
  print_csv(f, c->sets, c->n_sets, c->comparison, c->scratch);
  return true;
}

/* The table to path, atomically. */
static bool write_csv(const char *path, const StatsSet *sets, int n_sets,
                      const Comparison *comparison, DmError **error) {
  int planes = sets[0].maps->nplanes;
  for (int s = 1; s < n_sets; s++)
    planes = sets[s].maps->nplanes > planes ? sets[s].maps->nplanes : planes;
  CsvData data = {sets, n_sets, comparison, malloc((size_t)planes * sizeof(double))};
  if (!data.scratch) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  bool ok = dm_atomic_write_text(path, "the statistics", print_csv_data, &data, error);
  free(data.scratch);
  return ok;
}

static bool parse_options(const CliArgs *args, DmMapStatsOptions *options, int *stride,
                          double *pixel_arcmin, DmError **error) {
  dm_map_stats_options_init(options);
  const char *scale = cli_args_value(args, "scale");
  if (scale && strcmp(scale, "nu") == 0) options->scale = DM_STATS_NU;
  else if (scale && strcmp(scale, "kappa") == 0) options->scale = DM_STATS_KAPPA;
  else if (scale && strcmp(scale, "snr") == 0) options->scale = DM_STATS_SNR;
  else if (scale)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --scale takes nu, kappa or snr (got '%s').", scale);
  if (options->scale == DM_STATS_KAPPA &&
      (!cli_args_value(args, "lo") || !cli_args_value(args, "hi")))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "With --scale kappa, give the kappa range of the thresholds with --lo "
                        "and --hi.");
  if (options->scale == DM_STATS_SNR && !cli_args_value(args, "noise"))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "With --scale snr, give the noise std map with --noise.");
  *stride = 1;
  *pixel_arcmin = 0.0;
  return cli_args_int(args, "thresholds", 2, DM_MAP_STATS_MAX_THRESHOLDS,
                      &options->n_thresholds, error) &&
         cli_args_double(args, "lo", &options->lo, error) &&
         cli_args_double(args, "hi", &options->hi, error) &&
         cli_args_int(args, "ks-stride", 1, 1 << 20, stride, error) &&
         cli_args_double(args, "pixel-arcmin", pixel_arcmin, error);
}

/* The mask and noise images of the options (NULL when not given). */
static bool read_mask_and_noise(const CliArgs *args, const DmMap *maps, bool snr, DmMap **mask,
                                DmMap **noise, DmError **error) {
  const char *mask_path = cli_args_value(args, "mask");
  const char *noise_path = cli_args_value(args, "noise");
  if (mask_path && !(*mask = dm_mask_read_for_map(mask_path, maps, NULL, error))) return false;
  if (!noise_path || !snr) return true;
  *noise = dm_fits_read_image(noise_path, cli_args_value(args, "noise-ext"), error);
  if (!*noise) return false;
  if ((*noise)->nplanes != 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The noise map %s has %d planes: give one image (--noise-ext).",
                        noise_path, (*noise)->nplanes);
  return true;
}

int cli_stats_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {stats_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli stats --map FILE [--ext NAME] [--mask M] [--against FILE2]\n"
           "                         [--scale nu|kappa|snr] --out stats.csv\n"
           "One-point PDF, peak and minimum counts and Minkowski functionals V0, V1, V2 over\n"
           "thresholds, inside the mask, of a map, every plane of a cube or every sample of\n"
           "a posterior file, with their mean and std over planes.  With --against, the\n"
           "chi², dof and p-value of each statistic between the two sets (Hotelling's T²\n"
           "with their pooled covariance; 3 maps in all at least) and the two-sample KS\n"
           "test of their pixel values (correlated pixels make its p too small: thin them\n"
           "with --ks-stride to about a correlation length).\n\n");
    cli_args_print_help(tables, 1);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmMapStatsOptions options;
  int stride;
  double pixel_given;
  if (!cli_args_parse(&args, argc, argv, tables, 1, &error) ||
      !parse_options(&args, &options, &stride, &pixel_given, &error))
    return cli_fail("stats", error);
  const char *map_path = cli_args_require(&args, "map", &error);
  const char *out = map_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out) return cli_fail("stats", error);
  const char *against_path = cli_args_value(&args, "against");
  bool snr = options.scale == DM_STATS_SNR;

  double start = dm_monotonic_seconds();
  StatsSet sets[2] = {{"map", NULL, NULL}, {"against", NULL, NULL}};
  int n_sets = against_path ? 2 : 1;
  DmMap *mask = NULL, *noise = NULL;
  Comparison comparison = {0};
  bool ok = (sets[0].maps = read_maps(map_path, cli_args_value(&args, "ext"), &error)) &&
            read_mask_and_noise(&args, sets[0].maps, snr, &mask, &noise, &error) &&
            compute_set(&sets[0], map_path, mask, noise, pixel_given, &options, &error);
  if (ok && against_path)
    ok = (sets[1].maps = read_maps(against_path, cli_args_value(&args, "against-ext"),
                                   &error)) &&
         compute_set(&sets[1], against_path, mask, noise, pixel_given, &options, &error) &&
         compare_sets(&sets[0], &sets[1], mask, noise, snr, stride, &comparison, &error);
  double elapsed = dm_monotonic_seconds() - start;
  ok = ok && write_csv(out, sets, n_sets, &comparison, &error);
  if (ok) {
    fprintf(stderr, "Statistics of %d map(s)", sets[0].maps->nplanes);
    if (against_path) fprintf(stderr, " and %d to compare", sets[1].maps->nplanes);
    fprintf(stderr, " in %.3f s; wrote %s.\n", elapsed, out);
    if (comparison.done && !comparison.has_chi2)
      fprintf(stderr, "  One map against one: no scatter for a chi², only the KS test.\n");
    for (int kind = 0; comparison.has_chi2 && kind < DM_STAT_COUNT; kind++)
      fprintf(stderr, "  %-6s Hotelling T² %.2f, %d dof, p = %.3g\n",
              dm_stat_kind_name((DmStatKind)kind), comparison.chi2[kind], comparison.dof[kind],
              comparison.p[kind]);
    if (comparison.done)
      fprintf(stderr, "  KS of pixel values: D = %.4f, p = %.3g (%zu and %zu values)\n",
              comparison.ks_d, comparison.ks_p, comparison.ks_n_map, comparison.ks_n_against);
  }
  stats_set_clear(&sets[0]);
  stats_set_clear(&sets[1]);
  dm_map_free(mask);
  dm_map_free(noise);
  return ok ? 0 : cli_fail("stats", error);
}
