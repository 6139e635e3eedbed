/* Lanczos-3 interpolation (see lanczos.h). */
#include "core/lanczos.h"

#include <math.h>
#include <stddef.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Kernel half-width in pixels. */
enum { LANCZOS_A = 3 };

static double lanczos_kernel(double u) {
  if (fabs(u) < 1e-12) return 1.0;
  if (fabs(u) >= LANCZOS_A) return 0.0;
  double pu = M_PI * u;
  return LANCZOS_A * sin(pu) * sin(pu / LANCZOS_A) / (pu * pu);
}

double dm_lanczos3(const float *plane, int nx, int ny, double x, double y) {
  int x0 = (int)floor(x), y0 = (int)floor(y);
  double wx[2 * LANCZOS_A], wy[2 * LANCZOS_A], sum = 0.0, total = 0.0;
  for (int i = 0; i < 2 * LANCZOS_A; i++) {
    wx[i] = lanczos_kernel(x - (x0 - LANCZOS_A + 1 + i));
    wy[i] = lanczos_kernel(y - (y0 - LANCZOS_A + 1 + i));
  }
  for (int j = 0; j < 2 * LANCZOS_A; j++) {
    int py = y0 - LANCZOS_A + 1 + j;
    py = py < 0 ? 0 : py >= ny ? ny - 1 : py;
    for (int i = 0; i < 2 * LANCZOS_A; i++) {
      int px = x0 - LANCZOS_A + 1 + i;
      px = px < 0 ? 0 : px >= nx ? nx - 1 : px;
      double w = wx[i] * wy[j];
      sum += w * plane[(size_t)py * nx + px];
      total += w;
    }
  }
  return sum / total;
}
