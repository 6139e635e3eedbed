/* Particle-mesh (PM) N-body simulations of dark matter in a periodic box:
 * Gaussian initial conditions with second-order Lagrangian perturbation
 * theory (2LPT), then a kick-drift-kick integrator whose factors make the
 * linear growth exact at any step count (FastPM, Feng et al. 2016).
 *
 * Units: comoving lengths in Mpc/h (positions, box side), wavenumbers in
 * h/Mpc, power in (Mpc/h)³; time is the scale factor a, with H0 = 1.  The
 * linear power spectrum is the Eisenstein & Hu (1998) no-wiggle one of
 * darkmap/mass-function.h, normalised to sigma8, grown by dm_growth_factor.
 *
 * Initial conditions.  White noise from the Philox streams (seed, z plane of
 * the particle lattice) is transformed and scaled by sqrt(P(k) / V) (V the
 * box volume), the lattice's Nyquist planes and k = 0 set to zero.  The
 * particles start on the lattice q = (i, j, l) box / particles shifted by
 * half a mesh cell, box / (2 mesh), on each axis (with particles = mesh,
 * the lattice's cell centres, which CIC paints as a uniform density; on a
 * finer mesh, the middle of a mesh cell, where CIC's response to a
 * displacement is linear, where a mesh node would not be), and move to
 *   x = q + D1 Psi1 + D2 Psi2,  Psi1 = i k delta / k²,  Psi2 = −i k S / k²,
 *   S = sum over axes i < j of (phi,ii phi,jj − phi,ij²),  phi,ij = k_i k_j delta / k²,
 * with D2 = −3/7 D1² Omega_m(a)^(−1/143) (Scoccimarro 1998, Crocce et al.
 * 2006).  Momenta are p = a² dx/dt = a³ E(a) (D1' Psi1 + D2' Psi2).
 *
 * Integration.  Particles are painted on the mesh by cloud-in-cell (CIC),
 * the density contrast transformed, the force f = −grad phi with
 * laplacian phi = 3/2 Omega_m delta taken in Fourier space (0 at k = 0 and
 * on each axis' Nyquist plane), transformed back and read at the particles
 * by CIC.  With particles = mesh the force is i k (3/2 Omega_m) delta / k²
 * divided by the square of the CIC window where that square is at least
 * 1/2 (by 1/2 beyond); with a coarser lattice it is FastPM's finite
 * differences, i (8 sin(k Δ) − sin(2 k Δ)) / (6 Δ) per axis over the
 * 3-point Laplacian sum of (2 sin(k Δ / 2) / Δ)² (Δ the mesh cell), no
 * window divided out.  A lattice of half the mesh's size paints the images
 * of its displacements near the mesh's Nyquist frequency; the deconvolved
 * spectral force amplifies them and the CIC readout folds them back onto
 * the large scales (32³ particles on a 64³ mesh grew 1.13 to 1.35 times
 * too fast at k <= 0.01 h/Mpc in a 2000 Mpc/h box), while the finite
 * differences vanish there (dividing the CIC window out of them too grew
 * the large scales 1.07 times too fast).  With particles = mesh the finite
 * differences would cost force at small scales (0.70 of halofit's power at
 * half the Nyquist frequency of a 64³ mesh, against 0.89, and the large
 * scales 2.5 % short of D²).
 *
 * Steps are linear in a from a_start to the last snapshot, every
 * snapshot's a made a step boundary as well.  Each step kicks p by
 * f (G_p(a1) − G_p(a0)) / G_f(a) and drifts x by p (D1(a1) − D1(a0)) / G_p(a),
 * with G_p = a³ E D1' and G_f = 3/2 Omega_m D1, momenta living half a step
 * (arithmetic midpoints) from positions.
 *
 * Threads.  The work is shared among OpenMP threads (2 here); the mesh is
 * painted by z slabs, each thread adding its own slab's contributions in
 * particle order, so that results are bit-identical for any OpenMP thread
 * count (FFTW's own threads, dm_fft_set_threads, are part of the plans: keep
 * them fixed to compare runs bit for bit).
 *
 * Checked (tests/engine/test-pm-*.c, 10 steps from a = 0.1): the large
 * scales grow as D² to 0.2 % with particles = mesh (64³) and to 0.45 %
 * with particles = mesh / 2 (32³ on 64³, the setting FastPM recommends,
 * which buys force resolution); the power at z = 0 is halofit's to 11 %
 * up to half the mesh's Nyquist frequency with particles = mesh (0.89 to
 * 1.00 on a 64³ mesh) and to 6 % with particles = mesh / 2 (0.97 to 1.06,
 * no shot noise subtracted).  On a 128³ mesh in 256 Mpc/h (bench/bench-pm
 * --power, seeds 1, 5 and 7), 64³ particles reach 0.99, 0.94, 0.94, 0.92,
 * 0.90, 0.86, 0.82 and 0.80 of halofit from k = 0.03 to 0.79 h/Mpc, as much
 * or more than 128³ particles on the same mesh (0.98 to 0.75).  On the
 * COSMOS light cone (bench/bench-nbody-sky, 205 Mpc/h, seed 1), 256³
 * particles on a 512³ mesh give 9 to 18 % more C_ell than on a 256³ mesh
 * at ell 2400 to 5000 (0.74, 0.65, 0.57 of kappaTNG's, against 0.68,
 * 0.59, 0.49) and the same to 8 % below, for 5 times the time and 3.5
 * times the memory.  The half-cell shift of the lattice matters: with
 * particles = mesh / 2 started on the mesh's nodes instead (where the
 * lattice cells' centres also fall), the large scales grew 1.01 to 1.11
 * times too fast with the same force.
 *
 * Memory (dm_pm_memory_bytes): 24 bytes per particle for positions and
 * momenta, and the larger of the initial conditions' fields (about 20 bytes
 * per particle) and the mesh's (about 16 bytes per cell): 705 MiB for 256³
 * particles on a 256³ mesh. */
#ifndef DARKMAP_PARTICLE_MESH_H
#define DARKMAP_PARTICLE_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of a request's fields. */
#define DM_PM_MESH_MIN 8
#define DM_PM_MESH_MAX 1024
#define DM_PM_PARTICLES_MIN 2
#define DM_PM_STEPS_MAX 1000

typedef struct {
  DmCosmology cosmology;   /* darkmap/cosmology.h */
  double box;              /* comoving side [Mpc/h] */
  int mesh;                /* PM mesh cells per side (FFT size) */
  int particles;           /* particles per side (particles³ in all), <= mesh */
  int steps;               /* KDK steps, linear in a from a_start to the last snapshot */
  double a_start;          /* initial scale factor (2LPT), e.g. 0.1 as FastPM */
  uint64_t seed;           /* initial conditions' seed (darkmap/rng.h streams) */
} DmPmRequest;

/* Defaults: dm_cosmology_init's cosmology, box 256 Mpc/h, mesh 128,
 * particles 128, 10 steps, a_start 0.1, seed 1. */
void dm_pm_request_init(DmPmRequest *request);

/* Fails with DM_ERROR_INVALID_ARGUMENT and a sentence naming the field for
 * a request out of the bounds above (box > 0 and finite, mesh in [8, 1024],
 * particles in [2, mesh], steps in [1, 1000], a_start in (0, 1), the
 * cosmology as dm_cosmology_check). */
bool dm_pm_request_check(const DmPmRequest *request, DmError **error);

/* Peak bytes a run of the request allocates (the larger of the initial
 * conditions' and the integrator's needs). */
double dm_pm_memory_bytes(const DmPmRequest *request);

typedef struct {
  double a;                /* scale factor of these positions */
  double box;              /* [Mpc/h] */
  size_t count;            /* particles */
  const float *positions;  /* count × 3 (x, y, z), comoving Mpc/h in [0, box); valid during the call only */
} DmPmSnapshot;

/* Called once per requested scale factor, in increasing a, on the calling thread. */
typedef bool (*DmPmSnapshotFunc)(const DmPmSnapshot *snapshot, void *user_data, DmError **error);

/* Runs IC + PM from a_start and calls snapshot_func at each of the n_snapshots scale factors
 * (sorted ascending, each in (a_start, 1]); progress and cancel as darkmap/progress.h.
 * Particles keep their lattice order (particle i started at lattice point i, x fastest)
 * in every snapshot.  A snapshot_func that fails without setting an error stops the
 * run with DM_ERROR_FAILED. */
bool dm_pm_run(const DmPmRequest *request, const double *snapshot_a, int n_snapshots,
               DmPmSnapshotFunc snapshot_func, void *user_data, const DmProgress *progress,
               DmError **error);

/* The initial conditions alone: positions (count × 3, in [0, box)) and
 * momenta p = a² dx/dt (count × 3, Mpc/h with H0 = 1) at a_start, count =
 * particles³ in lattice order, as dm_pm_run starts from. */
bool dm_pm_initial_conditions(const DmPmRequest *request, float *positions, float *momenta,
                              DmError **error);

/* The linear matter power spectrum of the request's cosmology at z = 0,
 * P(k) [(Mpc/h)³] for k [h/Mpc], at each of n wavenumbers. */
bool dm_pm_linear_power(const DmCosmology *cosmology, const double *k, double *power, int n,
                        DmError **error);

typedef struct {
  double k;      /* mean |k| of the bin's modes [h/Mpc] */
  double power;  /* mean P(k) of its modes [(Mpc/h)³], the CIC window divided out */
  double modes;  /* modes in the bin, each and its complex conjugate counted */
} DmPmPowerBin;

/* The power spectrum of the density contrast of count particles
 * (positions count × 3 in [0, box)), painted by CIC on a mesh³ grid:
 * P = V |delta_k|² / mesh⁶ / W_CIC(k)², with no shot noise subtracted.
 * Bin b holds the modes with |k| in [(b + 1/2) k_f, (b + 3/2) k_f),
 * k_f = 2 pi / box, for b = 0 … n_bins − 1 (n_bins <= mesh / 2).  A
 * coordinate outside [0, box) is refused (DM_ERROR_INVALID_ARGUMENT). */
bool dm_pm_power_spectrum(const float *positions, size_t count, double box, int mesh,
                          DmPmPowerBin *bins, int n_bins, DmError **error);

/* What halofit (Takahashi et al. 2012, darkmap/halofit.h) predicts at
 * z = 0 for the bins measured at a_start: each bin's power over the growth
 * D(a_start)², times P_NL / P_L at its k (z = 0), into predicted[n_bins]
 * [(Mpc/h)³].  Against the same modes' power at a = 1, it checks a run's
 * non-linear growth with the initial conditions' scatter cancelled.  The
 * errors of dm_halofit_new. */
bool dm_pm_halofit_prediction(const DmCosmology *cosmology, double a_start,
                              const DmPmPowerBin *initial, int n_bins, double *predicted,
                              DmError **error);

#ifdef __cplusplus
}
#endif

#endif
