/* Drawing NFW halo populations from the mass function (see
 * darkmap/halo-population.h). */
#include "darkmap/halo-population.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/rng.h"

/* Table cells in redshift and ln M. */
enum { NZ = 128, NM = 256 };

/* Poisson means above this are drawn as sums of smaller ones (exp(−mean)
 * must stay a normal double in the inversion). */
#define POISSON_CHUNK 500.0

/* Largest number of haloes one field may hold. */
#define MAX_HALOES 10000000L

/* The concentration scatter: its largest sigma_lnc, the bound of its
 * normal deviate, and the largest concentration a profile takes (nfw.h). */
#define MAX_C_SCATTER 0.5
#define C_DEVIATE_BOUND 4.0
#define MAX_CONCENTRATION 100.0

/* Projected axis ratios: uniform in [Q_MIN, Q_MAX] (halo-population.h). */
#define Q_MIN 0.3
#define Q_MAX 0.8

/* The stream bits of the concentrations' and the shapes' draws. */
#define CONCENTRATION_STREAM (1ull << 63)
#define SHAPE_STREAM (1ull << 62)

void dm_halo_population_options_init(DmHaloPopulationOptions *options) {
  *options = (DmHaloPopulationOptions){.m_min = 1e13,
                                       .m_max = 1e16,
                                       .z_min = 0.05,
                                       .z_max = 1.5,
                                       .count = -1,
                                       .concentration_scatter = 0.0,
                                       .elliptical = false};
}

static bool check_options(const DmHaloPopulationOptions *o, DmError **error) {
  if (!(o->m_min >= DM_MASS_FUNCTION_M_MIN && o->m_max <= DM_MASS_FUNCTION_M_MAX &&
        o->m_min < o->m_max))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo mass range %g to %g M_sun is invalid (within %g to %g, "
                        "minimum below maximum).",
                        o->m_min, o->m_max, DM_MASS_FUNCTION_M_MIN, DM_MASS_FUNCTION_M_MAX);
  if (!(o->z_min >= 0.0 && o->z_max <= 20.0 && o->z_min < o->z_max))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo redshift range %g to %g is invalid (within 0 to 20, minimum "
                        "below maximum).",
                        o->z_min, o->z_max);
  if (!(o->concentration_scatter >= 0.0 && o->concentration_scatter <= MAX_C_SCATTER))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo concentration scatter %g is out of range (sigma of ln c, 0 to %g).",
                        o->concentration_scatter, MAX_C_SCATTER);
  if (o->count > MAX_HALOES)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%ld haloes is more than the %ld a field may hold.", o->count,
                        MAX_HALOES);
  return true;
}

/* Cumulative number of haloes per steradian over the cells, z-major
 * (cumulative[i] = cells 0..i); NZ × NM doubles, malloc'ed. */
static double *cell_table(const DmMassFunction *mf, const DmHaloPopulationOptions *o,
                          DmError **error) {
  double *cumulative = malloc((size_t)NZ * NM * sizeof *cumulative);
  if (!cumulative) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the halo table.");
    return NULL;
  }
  const DmCosmology *c = dm_mass_function_cosmology(mf);
  double dz = (o->z_max - o->z_min) / NZ, ln_m0 = log(o->m_min);
  double dln = (log(o->m_max) - ln_m0) / NM, sum = 0.0;
  for (int iz = 0; iz < NZ; iz++) {
    double z = o->z_min + (iz + 0.5) * dz;
    double volume = dm_comoving_volume_element(c, z) * dz * dln, growth = dm_growth_factor(c, z);
    for (int im = 0; im < NM; im++) {
      sum += volume * dm_mass_function_dndlnm_growth(mf, exp(ln_m0 + (im + 0.5) * dln), growth);
      cumulative[(size_t)iz * NM + im] = sum;
    }
  }
  return cumulative;
}

bool dm_halo_population_expected(const DmMassFunction *mf, const DmHaloPopulationOptions *o,
                                 double solid_angle, double *expected, DmError **error) {
  if (!check_options(o, error)) return false;
  double *cumulative = cell_table(mf, o, error);
  if (!cumulative) return false;
  *expected = cumulative[(size_t)NZ * NM - 1] * solid_angle;
  free(cumulative);
  return true;
}

/* Poisson variate by inversion, summing chunks for large means. */
static long poisson(DmRng *rng, double mean) {
  long n = 0;
  while (mean > 0.0) {
    double part = mean > POISSON_CHUNK ? POISSON_CHUNK : mean;
    mean -= part;
    double u = dm_rng_uniform(rng), p = exp(-part), cdf = p;
    long k = 0;
    while (u > cdf && p > 0.0) {
      k++;
      p *= part / k;
      cdf += p;
    }
    n += k;
  }
  return n;
}

/* ln c about the median c_median: a normal deviate of std sigma, redrawn
 * beyond ±C_DEVIATE_BOUND or above MAX_CONCENTRATION. */
static double scattered_concentration(DmRng *rng, double c_median, double sigma) {
  for (;;) {
    double deviate = dm_rng_normal(rng);
    if (fabs(deviate) > C_DEVIATE_BOUND) continue;
    double c = c_median * exp(sigma * deviate);
    if (c <= MAX_CONCENTRATION) return c;
  }
}

DmHaloPopulation *dm_halo_population_draw(const DmMassFunction *mf,
                                          const DmHaloPopulationOptions *o, int nx, int ny,
                                          double pixel_arcmin, uint64_t seed, uint64_t stream,
                                          DmError **error) {
  if (!check_options(o, error)) return NULL;
  if (nx < 1 || ny < 1 || !(pixel_arcmin > 0.0 && pixel_arcmin < 600.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A %d × %d field of %g arcmin pixels cannot hold haloes.", nx, ny,
                 pixel_arcmin);
    return NULL;
  }
  double *cumulative = cell_table(mf, o, error);
  if (!cumulative) return NULL;
  double pixel_rad = pixel_arcmin / 60.0 * M_PI / 180.0;
  double total = cumulative[(size_t)NZ * NM - 1];
  DmHaloPopulation *pop = calloc(1, sizeof *pop);
  DmRng rng, c_rng, shape_rng;
  dm_rng_init(&rng, seed, stream);
  dm_rng_init(&c_rng, seed, stream ^ CONCENTRATION_STREAM);
  dm_rng_init(&shape_rng, seed, stream ^ SHAPE_STREAM);
  if (pop) {
    pop->expected = total * (double)nx * (double)ny * pixel_rad * pixel_rad;
    long n = o->count >= 0 ? o->count : poisson(&rng, pop->expected);
    if (n > MAX_HALOES) n = MAX_HALOES;
    pop->n = (size_t)n;
    pop->haloes = n ? malloc((size_t)n * sizeof *pop->haloes) : NULL;
  }
  if (!pop || (pop->n && !pop->haloes)) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a halo population.");
    free(cumulative);
    dm_halo_population_free(pop);
    return NULL;
  }
  const DmCosmology *c = dm_mass_function_cosmology(mf);
  double dz = (o->z_max - o->z_min) / NZ, ln_m0 = log(o->m_min);
  double dln = (log(o->m_max) - ln_m0) / NM;
  for (size_t h = 0; h < pop->n; h++) {
    double target = dm_rng_uniform(&rng) * total;
    size_t lo = 0, hi = (size_t)NZ * NM - 1;  /* first cell with cumulative > target */
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    DmHalo *halo = &pop->haloes[h];
    halo->z = o->z_min + ((double)(lo / NM) + dm_rng_uniform(&rng)) * dz;
    halo->m200c = exp(ln_m0 + ((double)(lo % NM) + dm_rng_uniform(&rng)) * dln);
    halo->concentration = dm_duffy08_concentration(c, halo->m200c, halo->z);
    halo->x = dm_rng_uniform(&rng) * nx - 0.5;
    halo->y = dm_rng_uniform(&rng) * ny - 0.5;
    if (o->concentration_scatter > 0.0)
      halo->concentration =
          scattered_concentration(&c_rng, halo->concentration, o->concentration_scatter);
    halo->axis_ratio = 1.0;
    halo->position_angle = 0.0;
    if (o->elliptical) {
      halo->axis_ratio = Q_MIN + (Q_MAX - Q_MIN) * dm_rng_uniform(&shape_rng);
      halo->position_angle = M_PI * dm_rng_uniform(&shape_rng);
    }
  }
  free(cumulative);
  return pop;
}

void dm_halo_population_free(DmHaloPopulation *population) {
  if (!population) return;
  free(population->haloes);
  free(population);
}

bool dm_halo_population_paint(const DmHaloPopulation *population, DmMap *map, int plane,
                              const DmCosmology *cosmology, const DmNfwPaintOptions *options,
                              DmError **error) {
  for (size_t h = 0; h < population->n; h++) {
    const DmHalo *halo = &population->haloes[h];
    DmNfwProfile profile;
    if (!dm_nfw_profile_init(&profile, cosmology, halo->m200c, halo->concentration, halo->z,
                             error) ||
        !dm_nfw_add_elliptical_at_pixel(map, plane, cosmology, &profile, halo->x, halo->y,
                                        halo->axis_ratio, halo->position_angle, options, error))
      return false;
  }
  return true;
}
