/* Multi-plane ray tracing (darkmap/ray-trace.h): plane by plane, nearest
 * first, the potential's derivatives by FFT, then every ray moved on.
 * Memory: the five derivative grids of one plane, its spectrum, and
 * 16 doubles a ray. */
#include "darkmap/ray-trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/lanczos.h"
#include "darkmap/fft.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The potential's derivatives on one plane's grid: alpha_x, alpha_y,
 * U_xx, U_xy, U_yy, each ny × nx (x fastest). */
enum { ALPHA_X, ALPHA_Y, U_XX, U_XY, U_YY, N_DERIVATIVES };

typedef struct {
  int nx, ny;         /* the widened grid */
  double pixel;       /* its pixel side [rad] */
  float *spectrum;    /* complex ny × (nx/2 + 1) of kappa, then scratch */
  float *scratch;     /* complex ny × (nx/2 + 1) */
  float *grid[N_DERIVATIVES];
  const DmFftPlan *forward, *backward;
} PlaneGrids;

/* A ray's state (see ray-trace.h): position x, direction d, their
 * Jacobians B and E (row-major 2 × 2), and the distortion summed over the
 * sources so far. */
typedef struct {
  double x[2], d[2], b[4], e[4], a_eff[4];
} Ray;

static void plane_grids_free(PlaneGrids *g) {
  dm_fft_free(g->spectrum);
  dm_fft_free(g->scratch);
  for (int i = 0; i < N_DERIVATIVES; i++) dm_fft_free(g->grid[i]);
}

static bool plane_grids_init(PlaneGrids *g, int nx, int ny, double pixel_arcmin,
                             DmError **error) {
  *g = (PlaneGrids){.nx = nx, .ny = ny, .pixel = pixel_arcmin / 60.0 * M_PI / 180.0};
  size_t complex_floats = 2 * (size_t)ny * (size_t)(nx / 2 + 1), real = (size_t)nx * ny;
  g->spectrum = dm_fft_alloc(complex_floats * sizeof(float));
  g->scratch = dm_fft_alloc(complex_floats * sizeof(float));
  bool ok = g->spectrum && g->scratch;
  for (int i = 0; ok && i < N_DERIVATIVES; i++)
    ok = (g->grid[i] = dm_fft_alloc(real * sizeof(float))) != NULL;
  if (!ok) {
    plane_grids_free(g);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory for the ray tracing grids of %d × %d pixels.", nx, ny);
  }
  g->forward = dm_fft_plan(nx, ny, DM_FFT_R2C, error);
  g->backward = g->forward ? dm_fft_plan(nx, ny, DM_FFT_C2R, error) : NULL;
  if (!g->backward) {
    plane_grids_free(g);
    return false;
  }
  return true;
}

/* The derivatives of psi with ∇² psi = 2 kappa, kappa = kernel delta on
 * the grid: psi(l) = −2 kappa(l) / l², alpha = i l psi, U = −l l psi (the
 * Nyquist bins of the odd derivatives dropped); the grid's mean kappa,
 * which the transform leaves out of psi, is added to U_xx and U_yy. */
static void plane_derivatives(PlaneGrids *g, const float *delta, double kernel) {
  size_t real = (size_t)g->nx * g->ny;
  int half = g->nx / 2 + 1;
  double mean = 0.0;
  for (size_t k = 0; k < real; k++) {
    g->grid[0][k] = (float)(kernel * delta[k]);
    mean += g->grid[0][k];
  }
  mean /= (double)real;
  dm_fft_execute(g->forward, g->grid[0], g->spectrum);
  const dm_complex *kappa = (const dm_complex *)g->spectrum;
  double norm = 1.0 / (double)real;
  for (int which = 0; which < N_DERIVATIVES; which++) {
    dm_complex *out = (dm_complex *)g->scratch;
    for (int j = 0; j < g->ny; j++) {
      double ly = 2.0 * M_PI * dm_fft_freq(j, g->ny) / g->pixel;
      bool nyquist_y = 2 * j == g->ny;
      for (int i = 0; i < half; i++) {
        double lx = 2.0 * M_PI * dm_fft_freq(i, g->nx) / g->pixel;
        bool nyquist_x = 2 * i == g->nx;
        size_t k = (size_t)j * half + i;
        double l2 = lx * lx + ly * ly;
        if (l2 == 0.0) {
          out[k] = 0.0f;
          continue;
        }
        dm_complex psi = kappa[k] * (float)(-2.0 / l2 * norm);
        switch (which) {
        case ALPHA_X: out[k] = nyquist_x ? 0.0f : psi * dm_complex_make(0.0f, (float)lx); break;
        case ALPHA_Y: out[k] = nyquist_y ? 0.0f : psi * dm_complex_make(0.0f, (float)ly); break;
        case U_XX: out[k] = psi * (float)(-lx * lx); break;
        case U_XY: out[k] = nyquist_x || nyquist_y ? 0.0f : psi * (float)(-lx * ly); break;
        case U_YY: out[k] = psi * (float)(-ly * ly); break;
        }
      }
    }
    dm_fft_execute(g->backward, g->scratch, g->grid[which]);
  }
  for (size_t k = 0; k < real; k++) {
    g->grid[U_XX][k] += (float)mean;
    g->grid[U_YY][k] += (float)mean;
  }
}

/* The derivatives at theta (radians from the grid's centre), by Lanczos-3
 * interpolation between pixel centres (the taps past the edges on the edge
 * pixels). */
static void derivatives_at(const PlaneGrids *g, const double theta[2],
                           double out[N_DERIVATIVES]) {
  double fx = theta[0] / g->pixel + 0.5 * g->nx - 0.5;
  double fy = theta[1] / g->pixel + 0.5 * g->ny - 0.5;
  for (int i = 0; i < N_DERIVATIVES; i++) out[i] = dm_lanczos3(g->grid[i], g->nx, g->ny, fx, fy);
}

/* 2 × 2 row-major products and sums. */
static void multiply(const double a[4], const double b[4], double out[4]) {
  double r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                 a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
  memcpy(out, r, sizeof r);
}

/* Moves one ray through plane k at distance chi (next: the next plane's,
 * 0 for the last), adding the sources behind it (share p, 1/chi moment q)
 * to its distortion. */
static void trace_plane(Ray *ray, const PlaneGrids *g, double chi, double next, double p,
                        double q) {
  double theta[2] = {ray->x[0] / chi, ray->x[1] / chi}, v[N_DERIVATIVES];
  derivatives_at(g, theta, v);
  double u[4] = {v[U_XX], v[U_XY], v[U_XY], v[U_YY]}, a[4], ua[4];
  for (int i = 0; i < 4; i++) a[i] = ray->b[i] / chi;
  multiply(u, a, ua);
  for (int i = 0; i < 4; i++) ray->e[i] -= ua[i];
  ray->d[0] -= v[ALPHA_X];
  ray->d[1] -= v[ALPHA_Y];
  for (int i = 0; i < 4; i++) ray->a_eff[i] += p * ray->e[i] + q * (ray->b[i] - chi * ray->e[i]);
  if (next > 0.0) {
    for (int i = 0; i < 2; i++) ray->x[i] += (next - chi) * ray->d[i];
    for (int i = 0; i < 4; i++) ray->b[i] += (next - chi) * ray->e[i];
  }
}

bool dm_ray_trace_kappa(const DmLensPlane *planes, int n_planes,
                        const DmLensingEfficiency *efficiency, double h, const float *delta,
                        int nx, int ny, int margin, double pixel_arcmin, double *kappa,
                        DmError **error) {
  int wide_x = nx + 2 * margin, wide_y = ny + 2 * margin;
  size_t n_rays = (size_t)nx * ny, plane_size = (size_t)wide_x * wide_y;
  PlaneGrids grids;
  if (!plane_grids_init(&grids, wide_x, wide_y, pixel_arcmin, error)) return false;
  Ray *rays = malloc(n_rays * sizeof *rays);
  if (!rays) {
    plane_grids_free(&grids);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %zu rays.", n_rays);
  }
  /* The sources nearer than the first plane see no lensing. */
  double p_near, q_near;
  dm_lensing_efficiency_tail(efficiency, planes[0].chi / h, &p_near, &q_near);
  double pixel = grids.pixel;
  for (size_t r = 0; r < n_rays; r++) {
    Ray *ray = &rays[r];
    double theta[2] = {((double)(r % nx) + 0.5 - 0.5 * nx) * pixel,
                       ((double)(r / nx) + 0.5 - 0.5 * ny) * pixel};
    *ray = (Ray){.d = {theta[0], theta[1]}, .e = {1, 0, 0, 1}, .a_eff = {1 - p_near, 0, 0,
                                                                          1 - p_near}};
    for (int i = 0; i < 2; i++) ray->x[i] = planes[0].chi * theta[i];
    ray->b[0] = ray->b[3] = planes[0].chi;
  }
  for (int k = 0; k < n_planes; k++) {
    /* The sources between this plane and the next (beyond, for the last). */
    double p_here, q_here, p_next = 0.0, q_next = 0.0;
    dm_lensing_efficiency_tail(efficiency, planes[k].chi / h, &p_here, &q_here);
    if (k + 1 < n_planes)
      dm_lensing_efficiency_tail(efficiency, planes[k + 1].chi / h, &p_next, &q_next);
    double p = p_here - p_next, q = (q_here - q_next) / h; /* Q per Mpc/h */
    double next = k + 1 < n_planes ? planes[k + 1].chi : 0.0;
    plane_derivatives(&grids, delta + (size_t)k * plane_size, planes[k].kernel);
    for (size_t r = 0; r < n_rays; r++) trace_plane(&rays[r], &grids, planes[k].chi, next, p, q);
  }
  for (size_t r = 0; r < n_rays; r++) kappa[r] = 1.0 - 0.5 * (rays[r].a_eff[0] + rays[r].a_eff[3]);
  free(rays);
  plane_grids_free(&grids);
  return true;
}
