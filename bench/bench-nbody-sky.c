/* N-body convergence maps on this CPU, and their validation: the time of K maps of one
 * particle-mesh simulation (initial conditions, PM steps and the Born ray tracing of every
 * map) beside that of K lognormal maps of the same grid in the same run; the maps' mean
 * C_ell against the kappaTNG theory table and the Limber halofit C_ell; their one-point
 * skewness and peak counts against the lognormal maps' and those of lognormal + NFW maps
 * (a Poisson number of haloes from the mass function, M200c > 1e13 M_sun, z < 1.5,
 * sources at z = 1, as darkmap-cli simulate --haloes auto).
 *
 * Usage: bench-nbody-sky [--box L] [--mesh N] [--particles N] [--steps N] [--maps K]
 *          [--size N] [--pixel-arcmin P] [--smooth S] [--seed S]
 * Defaults: the COSMOS grid (360² × 0.29 arcmin), kappaTNG's cosmology and small box
 * (205 Mpc/h), 256³ particles on a 256³ mesh, 10 steps, 4 maps; statistics on the maps
 * smoothed by a Gaussian of S = 2 pixels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/halo-population.h"
#include "darkmap/limber.h"
#include "darkmap/lognormal.h"
#include "darkmap/map-statistics.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/nbody-sky.h"
#include "darkmap/pspec.h"
#include "darkmap/smooth.h"
#include "darkmap/theory.h"

#include "bench-timing.h"

enum { BINS = 14 };

static int fail(DmError *error) {
  fprintf(stderr, "bench-nbody-sky: %s\n", error ? error->message : "failed");
  dm_error_free(error);
  return 1;
}

/* Skewness <(k − m)³> / s³ and the peaks per deg² above nu = 3 and in all, of a map
 * smoothed by smooth pixels (the map is smoothed in place). */
static bool one_point(float *map, int nx, int ny, double pixel_arcmin, double smooth,
                      double out[3], DmError **error) {
  if (smooth > 0.0 && !dm_smooth_gaussian(map, nx, ny, smooth, error)) return false;
  size_t n = (size_t)nx * ny;
  double mean = 0.0, m2 = 0.0, m3 = 0.0;
  for (size_t i = 0; i < n; i++) mean += map[i] / (double)n;
  for (size_t i = 0; i < n; i++) {
    double d = map[i] - mean;
    m2 += d * d / (double)n;
    m3 += d * d * d / (double)n;
  }
  DmMapStatsOptions options;
  dm_map_stats_options_init(&options);
  DmMapStats *stats = dm_map_stats(map, NULL, NULL, nx, ny, pixel_arcmin, &options, error);
  if (!stats) return false;
  double high = 0.0;
  for (int i = 0; i < stats->n; i++)
    if (stats->threshold[i] >= 3.0) high += stats->peaks[i];
  out[0] = m3 / pow(m2, 1.5);
  out[1] = high / stats->interior_area_deg2;
  out[2] = stats->n_peaks / stats->interior_area_deg2;
  dm_map_stats_free(stats);
  return true;
}

/* Adds a population of NFW haloes to every plane of maps (seed = plane). */
static bool add_haloes(DmMap *maps, const DmCosmology *cosmology, double pixel_arcmin,
                       DmError **error) {
  DmMassFunction *mass_function = dm_mass_function_new(cosmology, error);
  DmHaloPopulationOptions options;
  dm_halo_population_options_init(&options);
  DmNfwPaintOptions paint;
  dm_nfw_paint_options_init(&paint);
  paint.pixel_arcmin = pixel_arcmin;
  bool ok = mass_function != NULL;
  for (int k = 0; ok && k < maps->nplanes; k++) {
    DmHaloPopulation *population = dm_halo_population_draw(
        mass_function, &options, maps->nx, maps->ny, pixel_arcmin, (uint64_t)k, 1, error);
    ok = population && dm_halo_population_paint(population, maps, k, cosmology, &paint, error);
    dm_halo_population_free(population);
  }
  dm_mass_function_free(mass_function);
  return ok;
}

int main(int argc, char **argv) {
  DmNbodySkyRequest sky;
  dm_nbody_sky_request_init(&sky);
  DmCosmology *c = &sky.pm.cosmology;
  c->h0 = 67.74;
  c->omega_m = 0.3089;
  c->omega_b = 0.0486;
  c->sigma8 = 0.8159;
  c->n_s = 0.9667;
  sky.pm.box = 205.0;
  sky.pm.mesh = sky.pm.particles = 256;
  sky.n_maps = 4;
  sky.nx = sky.ny = 360;
  sky.pixel_arcmin = 0.29;
  double smooth = 2.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *name = argv[i], *value = argv[i + 1];
    if (strcmp(name, "--box") == 0) sky.pm.box = atof(value);
    else if (strcmp(name, "--mesh") == 0) sky.pm.mesh = atoi(value);
    else if (strcmp(name, "--particles") == 0) sky.pm.particles = atoi(value);
    else if (strcmp(name, "--steps") == 0) sky.pm.steps = atoi(value);
    else if (strcmp(name, "--maps") == 0) sky.n_maps = atoi(value);
    else if (strcmp(name, "--size") == 0) sky.nx = sky.ny = atoi(value);
    else if (strcmp(name, "--pixel-arcmin") == 0) sky.pixel_arcmin = atof(value);
    else if (strcmp(name, "--smooth") == 0) smooth = atof(value);
    else if (strcmp(name, "--seed") == 0) sky.pm.seed = sky.seed = strtoull(value, NULL, 10);
    else {
      fprintf(stderr, "bench-nbody-sky: unknown option %s\n", name);
      return 2;
    }
  }
  DmError *error = NULL;
  DmRedshiftDistribution *sources = dm_redshift_distribution_read_csv(BENCH_NZ, &error);
  DmTheorySpectrum *ktng = sources ? dm_theory_read_csv(BENCH_THEORY, NULL, &error) : NULL;
  if (!ktng) return fail(error);
  sky.sources = sources;
  int k_maps = sky.n_maps, nx = sky.nx, ny = sky.ny;
  printf("N-body maps: box %g Mpc/h, %d³ particles, %d³ mesh, %d steps, %d maps of %d × %d "
         "at %g arcmin (PM memory %.0f MiB); load %.2f before\n",
         sky.pm.box, sky.pm.particles, sky.pm.mesh, sky.pm.steps, k_maps, nx, ny,
         sky.pixel_arcmin, dm_pm_memory_bytes(&sky.pm) / 1048576.0, bench_load_average());

  double wall = dm_monotonic_seconds(), cpu = bench_process_seconds();
  DmMap *maps = dm_nbody_sky_run(&sky, NULL, &error);
  wall = dm_monotonic_seconds() - wall;
  cpu = bench_process_seconds() - cpu;
  if (!maps) return fail(error);
  DmMap *lognormal = dm_map_new(nx, ny, k_maps, NULL, &error);
  if (!lognormal) return fail(error);
  DmLognormalOptions lognormal_options;
  dm_lognormal_options_init(&lognormal_options);
  double log_wall = dm_monotonic_seconds(), log_cpu = bench_process_seconds();
  for (int k = 0; k < k_maps; k++)
    if (!dm_lognormal_field(ktng, nx, ny, sky.pixel_arcmin, &lognormal_options, (uint64_t)k,
                            dm_map_plane(lognormal, k), NULL, &error))
      return fail(error);
  log_wall = dm_monotonic_seconds() - log_wall;
  log_cpu = bench_process_seconds() - log_cpu;
  DmMap *haloes = dm_map_copy(lognormal, &error);
  if (!haloes || !add_haloes(haloes, c, sky.pixel_arcmin, &error)) return fail(error);
  printf("time: %.2f s wall, %.2f s processor for the simulation and %d maps; lognormal "
         "maps %.3f s wall, %.3f s processor (N-body / lognormal %.0f× wall); load %.2f "
         "after\n",
         wall, cpu, k_maps, log_wall, log_cpu, wall / log_wall, bench_load_average());

  double shot = dm_map_find_card(maps, "SHOTNOIS")->number;
  printf("lens planes %g of %.1f Mpc/h; particle shot noise %.3g per sr\n",
         dm_map_find_card(maps, "NPLANES")->number, dm_map_find_card(maps, "PLANEDCH")->number,
         shot);
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.pixel_arcmin = sky.pixel_arcmin;
  options.n_bins = BINS;
  double mean[BINS] = {0}, ell[BINS] = {0}, limber[BINS];
  for (int k = 0; k < k_maps; k++) {
    DmPowerSpectrum *spectrum = dm_power_spectrum(maps, k, &options, &error);
    if (!spectrum) return fail(error);
    for (int b = 0; b < BINS; b++) {
      mean[b] += (spectrum->cl[b] - shot) / k_maps;
      ell[b] = spectrum->ell[b];
    }
    dm_power_spectrum_free(spectrum);
  }
  /* bins without modes (NaN ell on small grids) are left out */
  int n_bins = 0;
  for (int b = 0; b < BINS; b++)
    if (isfinite(ell[b])) {
      ell[n_bins] = ell[b];
      mean[n_bins++] = mean[b];
    }
  if (!dm_limber_convergence_cl(c, sources, ell, n_bins, limber, &error)) return fail(error);
  printf("%8s %11s %11s %7s %11s %7s\n", "ell", "C_nbody", "C_kTNG", "ratio", "C_Limber",
         "ratio");
  for (int b = 0; b < n_bins; b++) {
    double theory = dm_theory_eval(ktng, ell[b]);
    printf("%8.0f %11.3e %11.3e %7.3f %11.3e %7.3f\n", ell[b], mean[b], theory,
           mean[b] / theory, limber[b], mean[b] / limber[b]);
  }

  const DmMap *sets[3] = {maps, lognormal, haloes};
  static const char *const names[3] = {"N-body", "lognormal (kTNG C_l)", "lognormal + NFW"};
  printf("smoothed by %g pixels:     skewness   peaks nu>3 /deg²   peaks /deg²\n", smooth);
  for (int set = 0; set < 3; set++) {
    double mean_stats[3] = {0};
    for (int k = 0; k < k_maps; k++) {
      double one[3];
      if (!one_point(dm_map_plane(sets[set], k), nx, ny, sky.pixel_arcmin, smooth, one, &error))
        return fail(error);
      for (int i = 0; i < 3; i++) mean_stats[i] += one[i] / k_maps;
    }
    printf("  %-22s %9.3f %18.1f %13.1f\n", names[set], mean_stats[0], mean_stats[1],
           mean_stats[2]);
  }
  dm_map_free(maps);
  dm_map_free(lognormal);
  dm_map_free(haloes);
  dm_theory_free(ktng);
  dm_redshift_distribution_free(sources);
  return 0;
}
