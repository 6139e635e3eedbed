/* The linear power spectrum in the simulation's units and the measured power
 * spectrum of particles (see darkmap/particle-mesh.h). */
#include "darkmap/particle-mesh.h"

#include <stdlib.h>

#include "darkmap/halofit.h"
#include "darkmap/mass-function.h"
#include "darkmap/memory-budget.h"
#include "sim/pm-private.h"

bool dm_pm_linear_power(const DmCosmology *cosmology, const double *k, double *power, int n,
                        DmError **error) {
  DmMassFunction *mass_function = dm_mass_function_new(cosmology, error);
  if (!mass_function) return false;
  double h = cosmology->h0 / 100.0, h3 = h * h * h;
  /* k [1/Mpc] = k [h/Mpc] h; P [(Mpc/h)³] = P [Mpc³] h³ */
  for (int i = 0; i < n; i++)
    power[i] = dm_mass_function_linear_power(mass_function, k[i] * h) * h3;
  dm_mass_function_free(mass_function);
  return true;
}

bool dm_pm_power_spectrum(const float *positions, size_t count, double box, int mesh,
                          DmPmPowerBin *bins, int n_bins, DmError **error) {
  if (!positions || !bins || count == 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A power spectrum needs particles and an array of bins.");
  if (!(box > 0.0 && isfinite(box)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Box side %g Mpc/h is not a positive number.", box);
  if (mesh < DM_PM_MESH_MIN || mesh > DM_PM_MESH_MAX)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Mesh %d is out of range (%d to %d cells per side).", mesh,
                        DM_PM_MESH_MIN, DM_PM_MESH_MAX);
  if (n_bins < 1 || n_bins > mesh / 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%d power spectrum bins are out of range (1 to %d for a %d³ mesh).",
                        n_bins, mesh / 2, mesh);
  for (size_t i = 0; i < 3 * count; i++)
    if (!(positions[i] >= 0.0f && positions[i] < box))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Particle %zu's coordinate %g is outside the box (0 to %g Mpc/h).",
                          i / 3, positions[i], box);
  if (!dm_memory_check(error, dm_pm_mesh_bytes(mesh), "A %d³ mesh", mesh)) return false;
  DmPmMesh grid;
  if (!dm_pm_mesh_init(&grid, mesh, box, error)) return false;
  dm_pm_mesh_density_modes(&grid, positions, count);

  for (int b = 0; b < n_bins; b++) bins[b] = (DmPmPowerBin){0};
  int n = mesh, hx = n / 2 + 1;
  double fundamental = 2.0 * M_PI / box, cells = (double)n * n * n;
  double to_power = box * box * box / (cells * cells);
  for (int z = 0; z < n; z++) {
    int sz = dm_pm_signed_index(z, n);
    for (int y = 0; y < n; y++) {
      int sy = dm_pm_signed_index(y, n);
      const dm_complex *row = grid.modes + ((size_t)z * n + y) * hx;
      for (int x = 0; x < hx; x++) {
        double s = sqrt((double)x * x + (double)sy * sy + (double)sz * sz);
        int b = (int)floor(s - 0.5);
        if (b < 0 || b >= n_bins) continue;
        /* the half array holds x's conjugates only implicitly, except at 0 and Nyquist */
        double weight = x == 0 || (n % 2 == 0 && x == n / 2) ? 1.0 : 2.0;
        double window = dm_pm_cic_window(x, n) * dm_pm_cic_window(sy, n) * dm_pm_cic_window(sz, n);
        double re = crealf(row[x]), im = cimagf(row[x]);
        bins[b].k += weight * s * fundamental;
        bins[b].power += weight * (re * re + im * im) * to_power / (window * window);
        bins[b].modes += weight;
      }
    }
  }
  for (int b = 0; b < n_bins; b++)
    if (bins[b].modes > 0) {
      bins[b].k /= bins[b].modes;
      bins[b].power /= bins[b].modes;
    }
  dm_pm_mesh_clear(&grid);
  return true;
}

bool dm_pm_halofit_prediction(const DmCosmology *cosmology, double a_start,
                              const DmPmPowerBin *initial, int n_bins, double *predicted,
                              DmError **error) {
  DmHalofit *halofit = dm_halofit_new(cosmology, error);
  DmHalofitScale scale;
  if (!halofit || !dm_halofit_scale(halofit, 0.0, &scale, error)) {
    dm_halofit_free(halofit);
    return false;
  }
  double h = cosmology->h0 / 100.0; /* halofit takes k in 1/Mpc */
  double d = dm_growth_factor(cosmology, 1.0 / a_start - 1.0);
  for (int b = 0; b < n_bins; b++) {
    double k = initial[b].k * h;
    double boost = dm_halofit_power(halofit, &scale, k) / dm_halofit_linear_power(halofit, k, 0.0);
    predicted[b] = initial[b].power / (d * d) * boost;
  }
  dm_halofit_free(halofit);
  return true;
}
