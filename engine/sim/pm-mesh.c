/* The particle-mesh's mesh (sim/pm-private.h): CIC painting and reading,
 * and the Fourier-space kernels of the Poisson solve and of 2LPT.
 *
 * Painting is shared by z slabs: every thread visits all particles in order
 * and adds only the contributions that fall in its own slab, so that each
 * cell receives its sums in particle order whatever the thread count. */
#include "sim/pm-private.h"

#include <omp.h>
#include <string.h>

#include "core/omp-shares.h"
#include "darkmap/particle-mesh.h"

double dm_pm_mesh_bytes(int n) {
  return (double)n * n * n * sizeof(float) + 2.0 * (double)dm_pm_mode_count(n) * sizeof(dm_complex);
}

bool dm_pm_mesh_init(DmPmMesh *mesh, int n, double box, DmError **error) {
  *mesh = (DmPmMesh){.n = n, .box = box};
  mesh->forward = dm_fft_plan_3d(n, n, n, DM_FFT_R2C, error);
  mesh->backward = mesh->forward ? dm_fft_plan_3d(n, n, n, DM_FFT_C2R, error) : NULL;
  if (!mesh->backward) return false;
  mesh->real = dm_fft_alloc((size_t)n * n * n * sizeof *mesh->real);
  mesh->modes = dm_fft_alloc(dm_pm_mode_count(n) * sizeof *mesh->modes);
  mesh->scratch = dm_fft_alloc(dm_pm_mode_count(n) * sizeof *mesh->scratch);
  if (!mesh->real || !mesh->modes || !mesh->scratch) {
    dm_pm_mesh_clear(mesh);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d³ mesh.", n);
  }
  return true;
}

void dm_pm_mesh_clear(DmPmMesh *mesh) {
  dm_fft_free(mesh->real);
  dm_fft_free(mesh->modes);
  dm_fft_free(mesh->scratch);
  *mesh = (DmPmMesh){0};
}

/* Sets grid (n³) to the CIC counts of the particles. */
static void paint(const float *positions, size_t count, double box, int n, float *grid) {
  int threads = dm_omp_threads_for(count, DM_PM_PARTICLE_SHARE);
  if (threads > n) threads = n;
  float scale = (float)(n / box);
  size_t plane = (size_t)n * n;
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), team = omp_get_num_threads();
    int z_begin = n * t / team, z_end = n * (t + 1) / team;
    memset(grid + (size_t)z_begin * plane, 0, (size_t)(z_end - z_begin) * plane * sizeof *grid);
    for (size_t p = 0; p < count; p++) {
      const float *x = positions + 3 * p;
      int z0, z1;
      float wz;
      dm_pm_cic_cell(x[2], scale, n, &z0, &z1, &wz);
      bool own0 = z0 >= z_begin && z0 < z_end, own1 = z1 >= z_begin && z1 < z_end;
      if (!own0 && !own1) continue;
      int x0, x1, y0, y1;
      float wx, wy;
      dm_pm_cic_cell(x[0], scale, n, &x0, &x1, &wx);
      dm_pm_cic_cell(x[1], scale, n, &y0, &y1, &wy);
      float w00 = (1.0f - wy) * (1.0f - wx), w01 = (1.0f - wy) * wx;
      float w10 = wy * (1.0f - wx), w11 = wy * wx;
      if (own0) {
        float *slab = grid + (size_t)z0 * plane, f = 1.0f - wz;
        slab[(size_t)y0 * n + x0] += f * w00;
        slab[(size_t)y0 * n + x1] += f * w01;
        slab[(size_t)y1 * n + x0] += f * w10;
        slab[(size_t)y1 * n + x1] += f * w11;
      }
      if (own1) {
        float *slab = grid + (size_t)z1 * plane;
        slab[(size_t)y0 * n + x0] += wz * w00;
        slab[(size_t)y0 * n + x1] += wz * w01;
        slab[(size_t)y1 * n + x0] += wz * w10;
        slab[(size_t)y1 * n + x1] += wz * w11;
      }
    }
  }
}

void dm_pm_mesh_density_modes(DmPmMesh *mesh, const float *positions, size_t count) {
  int n = mesh->n;
  size_t cells = (size_t)n * n * n;
  paint(positions, count, mesh->box, n, mesh->real);
  float to_contrast = (float)((double)cells / (double)count);
  int threads = dm_omp_threads_for(cells, DM_PM_CELL_SHARE);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < cells; i++) mesh->real[i] = mesh->real[i] * to_contrast - 1.0f;
  dm_fft_execute(mesh->forward, mesh->real, mesh->modes);
}

void dm_pm_for_each_mode_row(int n, DmPmModeRowFunc row_func, void *data) {
  int threads = dm_omp_threads_for(dm_pm_mode_count(n), DM_PM_CELL_SHARE);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++) {
      DmPmModeRow row = {z, y, dm_pm_signed_index(z, n), dm_pm_signed_index(y, n),
                         ((size_t)z * n + y) * (size_t)(n / 2 + 1)};
      row_func(&row, data);
    }
}

typedef struct {
  const dm_complex *src;
  dm_complex *dst;
  int n, axis, axis_j;
  double scale;               /* gradient: scale / k_f */
  const double *gradient_of;  /* gradient: the derivative's kernel / k_f by index along an axis */
  const double *laplacian_of; /* gradient: the Laplacian's kernel / k_f² by index, one axis' part */
  const double *window_of;    /* gradient: the CIC window along an axis by index, or NULL */
} Kernel;

static void gradient_row(const DmPmModeRow *row, void *data) {
  const Kernel *kernel = data;
  int n = kernel->n, axis = kernel->axis;
  const double *g = kernel->gradient_of, *l = kernel->laplacian_of;
  bool even = n % 2 == 0;
  for (int x = 0; x < n / 2 + 1; x++) {
    int index[3] = {x, row->y, row->z};
    double m = l[x] + l[row->y] + l[row->z];
    bool nyquist = even && index[axis] == n / 2;
    double c = m > 0.0 && !nyquist ? kernel->scale * g[index[axis]] / m : 0.0;
    if (kernel->window_of) {
      const double *w = kernel->window_of;
      double window = w[x] * w[row->y] * w[row->z], window2 = window * window;
      c /= window2 > 0.5 ? window2 : 0.5;
    }
    dm_complex v = kernel->src[row->offset + x];
    kernel->dst[row->offset + x] =
        dm_complex_make((float)(-c * cimagf(v)), (float)(c * crealf(v)));
  }
}

void dm_pm_gradient_modes(const dm_complex *src, dm_complex *dst, int n, double box, int axis,
                          double scale, DmPmGradient gradient) {
  /* per-axis tables in units of k_f = 2 pi / box (the spectral ones the
   * integers s and s², exact); u = k Δ = 2 pi s / n and 1 / Δ = n k_f / (2 pi) */
  double gradient_of[DM_PM_MESH_MAX], laplacian_of[DM_PM_MESH_MAX], window_of[DM_PM_MESH_MAX];
  for (int i = 0; i < n; i++) {
    int s = dm_pm_signed_index(i, n);
    if (gradient == DM_PM_GRADIENT_FINITE_DIFFERENCE) {
      double u = 2.0 * M_PI * s / n, half = sin(0.5 * u) * n / M_PI;
      gradient_of[i] = n / (2.0 * M_PI) * (8.0 * sin(u) - sin(2.0 * u)) / 6.0;
      laplacian_of[i] = half * half;
    } else {
      gradient_of[i] = s;
      laplacian_of[i] = (double)s * s;
    }
    window_of[i] = dm_pm_cic_window(s, n);
  }
  Kernel kernel = {src, dst, n, axis, 0, scale / (2.0 * M_PI / box), gradient_of, laplacian_of,
                   gradient == DM_PM_GRADIENT_DECONVOLVED ? window_of : NULL};
  dm_pm_for_each_mode_row(n, gradient_row, &kernel);
}

static void hessian_row(const DmPmModeRow *row, void *data) {
  const Kernel *kernel = data;
  for (int x = 0; x < kernel->n / 2 + 1; x++) {
    int s[3] = {x, row->sy, row->sz};
    double m = (double)x * x + (double)row->sy * row->sy + (double)row->sz * row->sz;
    double c = m > 0.0 ? (double)s[kernel->axis] * s[kernel->axis_j] / m : 0.0;
    kernel->dst[row->offset + x] = (float)c * kernel->src[row->offset + x];
  }
}

void dm_pm_hessian_modes(const dm_complex *src, dm_complex *dst, int n, int axis_i, int axis_j) {
  Kernel kernel = {src, dst, n, axis_i, axis_j, 0.0, NULL, NULL, NULL};
  dm_pm_for_each_mode_row(n, hessian_row, &kernel);
}

void dm_pm_read_add(const float *const grids[3], int n, double box, const float *positions,
                    size_t count, double factor, float *values) {
  float scale = (float)(n / box);
  size_t plane = (size_t)n * n;
  int threads = dm_omp_threads_for(count, DM_PM_PARTICLE_SHARE);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t p = 0; p < count; p++) {
    const float *x = positions + 3 * p;
    int x0, x1, y0, y1, z0, z1;
    float wx, wy, wz;
    dm_pm_cic_cell(x[0], scale, n, &x0, &x1, &wx);
    dm_pm_cic_cell(x[1], scale, n, &y0, &y1, &wy);
    dm_pm_cic_cell(x[2], scale, n, &z0, &z1, &wz);
    size_t lower = (size_t)z0 * plane, upper = (size_t)z1 * plane;
    size_t r0 = (size_t)y0 * n, r1 = (size_t)y1 * n;
    /* the 8 cells' weights, (z, y, x) lower/upper */
    float w[8] = {(1.0f - wz) * (1.0f - wy) * (1.0f - wx), (1.0f - wz) * (1.0f - wy) * wx,
                  (1.0f - wz) * wy * (1.0f - wx),          (1.0f - wz) * wy * wx,
                  wz * (1.0f - wy) * (1.0f - wx),          wz * (1.0f - wy) * wx,
                  wz * wy * (1.0f - wx),                   wz * wy * wx};
    size_t cell[8] = {lower + r0 + x0, lower + r0 + x1, lower + r1 + x0, lower + r1 + x1,
                      upper + r0 + x0, upper + r0 + x1, upper + r1 + x0, upper + r1 + x1};
    for (int d = 0; d < 3; d++) {
      const float *g = grids[d];
      float sum = 0.0f;
      for (int c = 0; c < 8; c++) sum += w[c] * g[cell[c]];
      values[3 * p + d] += (float)(factor * sum);
    }
  }
}
