/* Gaussian smoothing: constants preserved, impulse response, SciPy agreement,
 * large images shared between threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/smooth.h"
#include "test-util.h"

/* The 7 × 9 input of the SciPy tables: pixel i (row-major) holds
 * fmod(i · 0.37, 1.3), rounded to float. */
enum { REF_NX = 9, REF_NY = 7 };

/* Made once with Debian's /usr/bin/python3 (SciPy 1.10.1):
 *   v = np.fmod(np.arange(63) * 0.37, 1.3).astype(np.float32)
 *         .astype(np.float64).reshape(7, 9)
 *   scipy.ndimage.gaussian_filter(v, sigma, mode='reflect')
 * printed with %.9e.  With sigma 4 the kernel radius (16) exceeds both
 * sides, so the mirrored extension repeats. */
static const double ref_sigma_1_5[REF_NY * REF_NX] = {
    4.875394475e-01, 5.499211964e-01, 6.266235820e-01, 6.764139071e-01, 7.019606996e-01,
    7.282673703e-01, 7.559837073e-01, 7.653243354e-01, 7.585429801e-01, 5.428002715e-01,
    5.924122052e-01, 6.523845163e-01, 6.908920883e-01, 7.089308962e-01, 7.237480118e-01,
    7.391966376e-01, 7.469731026e-01, 7.471142419e-01, 6.102238094e-01, 6.431927186e-01,
    6.801967165e-01, 7.011247597e-01, 7.076552654e-01, 7.107132963e-01, 7.165758298e-01,
    7.253203843e-01, 7.331333532e-01, 6.528614690e-01, 6.714718872e-01, 6.892560203e-01,
    6.962955670e-01, 6.964350232e-01, 6.958653312e-01, 6.985379502e-01, 7.055249612e-01,
    7.129855020e-01, 6.658397956e-01, 6.763986202e-01, 6.854614942e-01, 6.885198479e-01,
    6.883952586e-01, 6.852089708e-01, 6.798324861e-01, 6.756389398e-01, 6.741590509e-01,
    6.682259919e-01, 6.788183758e-01, 6.883976945e-01, 6.912325840e-01, 6.874889677e-01,
    6.733432322e-01, 6.523010760e-01, 6.360772949e-01, 6.290460090e-01, 6.720540664e-01,
    6.861505492e-01, 6.980982780e-01, 6.987416033e-01, 6.879206416e-01, 6.615115594e-01,
    6.281018613e-01, 6.077741023e-01, 6.028626602e-01,
};
static const double ref_sigma_4[REF_NY * REF_NX] = {
    6.578535905e-01, 6.608002403e-01, 6.661994539e-01, 6.732006448e-01, 6.807741727e-01,
    6.879455119e-01, 6.939213457e-01, 6.981608403e-01, 7.003491267e-01, 6.591108216e-01,
    6.618561694e-01, 6.668801265e-01, 6.733804653e-01, 6.803923598e-01, 6.870093637e-01,
    6.925042272e-01, 6.963902850e-01, 6.983917581e-01, 6.613495975e-01, 6.637334231e-01,
    6.680833591e-01, 6.736838783e-01, 6.796864703e-01, 6.853069776e-01, 6.899369616e-01,
    6.931873161e-01, 6.948527196e-01, 6.640926673e-01, 6.660276731e-01, 6.695406573e-01,
    6.740234546e-01, 6.787717975e-01, 6.831533947e-01, 6.867076110e-01, 6.891669716e-01,
    6.904140992e-01, 6.667807651e-01, 6.682691755e-01, 6.709491738e-01, 6.743191335e-01,
    6.778181467e-01, 6.809650881e-01, 6.834467119e-01, 6.851171166e-01, 6.859469294e-01,
    6.689012646e-01, 6.700330240e-01, 6.720476845e-01, 6.745285153e-01, 6.770289880e-01,
    6.791887317e-01, 6.808124070e-01, 6.818515504e-01, 6.823473844e-01, 6.700614117e-01,
    6.709958793e-01, 6.726424094e-01, 6.746311109e-01, 6.765786541e-01, 6.781914886e-01,
    6.793396368e-01, 6.800287669e-01, 6.803393720e-01,
};

/* Largest relative difference between the smoothed reference input and ref. */
static double scipy_mismatch(double sigma, const double *ref) {
  float image[REF_NY * REF_NX];
  for (int i = 0; i < REF_NY * REF_NX; i++) image[i] = (float)fmod(i * 0.37, 1.3);
  DmError *error = NULL;
  CHECK_OK(dm_smooth_gaussian(image, REF_NX, REF_NY, sigma, &error), error);
  double worst = 0.0;
  for (int i = 0; i < REF_NY * REF_NX; i++) {
    double rel = fabs(image[i] - ref[i]) / fabs(ref[i]);
    if (rel > worst) worst = rel;
  }
  return worst;
}

static void test_scipy_reference(void) {
  double m15 = scipy_mismatch(1.5, ref_sigma_1_5);
  double m4 = scipy_mismatch(4.0, ref_sigma_4);
  printf("SciPy reflect reference: max relative difference %.2e (sigma 1.5), %.2e (sigma 4)\n",
         m15, m4);
  CHECK(m15 < 1e-6);
  CHECK(m4 < 1e-6);
}

/* A constant stays constant up to the edges, for a narrow and a wide kernel. */
static void test_constant(void) {
  enum { NX = 13, NY = 6 };
  DmError *error = NULL;
  const double sigmas[] = {0.7, 2.5, 9.0};
  for (size_t s = 0; s < sizeof sigmas / sizeof sigmas[0]; s++) {
    float image[NX * NY];
    for (int i = 0; i < NX * NY; i++) image[i] = 3.25f;
    CHECK_OK(dm_smooth_gaussian(image, NX, NY, sigmas[s], &error), error);
    double worst = 0.0;
    for (int i = 0; i < NX * NY; i++) worst = fmax(worst, fabs(image[i] - 3.25));
    CHECK(worst < 3.25 * 1e-6);
  }
}

/* The normalised sampled Gaussian of SciPy's kernel: 2 radius + 1 weights. */
static void sampled_gaussian(double sigma, int radius, double *kernel) {
  double sum = 0.0;
  for (int j = -radius; j <= radius; j++) {
    kernel[j + radius] = exp(-0.5 * j * j / (sigma * sigma));
    sum += kernel[j + radius];
  }
  for (int j = 0; j <= 2 * radius; j++) kernel[j] /= sum;
}

/* A unit impulse far from the edges gives the normalised sampled Gaussian,
 * the product of the two 1-D kernels. */
static void test_impulse(void) {
  enum { NX = 33, NY = 31 };
  const double sigma = 2.0;
  const int radius = (int)(4.0 * sigma + 0.5);
  double kernel[2 * 8 + 1];
  sampled_gaussian(sigma, radius, kernel);

  float *image = calloc(NX * NY, sizeof *image);
  image[15 * NX + 16] = 1.0f;
  DmError *error = NULL;
  CHECK_OK(dm_smooth_gaussian(image, NX, NY, sigma, &error), error);
  double worst = 0.0, total = 0.0;
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++) {
      int dy = y - 15, dx = x - 16;
      double expected = abs(dx) <= radius && abs(dy) <= radius
                            ? kernel[dx + radius] * kernel[dy + radius]
                            : 0.0;
      worst = fmax(worst, fabs(image[y * NX + x] - expected));
      total += image[y * NX + x];
    }
  CHECK(worst < 1e-8);
  CHECK_CLOSE(total, 1.0, 1e-6);
  /* SciPy's values at the centre, one pixel right and two up */
  CHECK_CLOSE(image[15 * NX + 16], 0.039790135140764016, 1e-8);
  CHECK_CLOSE(image[15 * NX + 17], 0.03511467101514672, 1e-8);
  CHECK_CLOSE(image[13 * NX + 16], 0.02413393691698244, 1e-8);
  free(image);
}

/* An image large enough to be shared between threads (strips of columns,
 * then rows): impulses placed across the shares' boundaries (x = 192, the
 * seventh strip; y = 150, half of the rows) and near the edges give each the
 * normalised sampled Gaussian, as on one thread. */
static void test_shared_between_threads(void) {
  enum { NX = 400, NY = 301, N_IMPULSES = 5 };
  const int impulses[N_IMPULSES][2] = {{191, 150}, {200, 10}, {20, 290}, {380, 140}, {100, 100}};
  const double sigma = 2.0;
  const int radius = (int)(4.0 * sigma + 0.5);
  double kernel[2 * 8 + 1];
  sampled_gaussian(sigma, radius, kernel);

  float *image = calloc(NX * NY, sizeof *image);
  double *expected = calloc(NX * NY, sizeof *expected);
  for (int k = 0; k < N_IMPULSES; k++) {
    int cx = impulses[k][0], cy = impulses[k][1];
    image[cy * NX + cx] = 1.0f;
    for (int dy = -radius; dy <= radius; dy++)
      for (int dx = -radius; dx <= radius; dx++)
        expected[(cy + dy) * NX + cx + dx] = kernel[dx + radius] * kernel[dy + radius];
  }
  DmError *error = NULL;
  CHECK_OK(dm_smooth_gaussian(image, NX, NY, sigma, &error), error);
  double worst = 0.0;
  for (int i = 0; i < NX * NY; i++) worst = fmax(worst, fabs(image[i] - expected[i]));
  printf("%d × %d, 5 impulses: max error %.2e\n", NX, NY, worst);
  CHECK(worst < 1e-8);
  free(image);
  free(expected);
}

/* sigma 0 leaves the image alone; a 1-pixel-wide image works; bad sigmas fail. */
static void test_edge_cases(void) {
  DmError *error = NULL;
  float image[5] = {1, 2, 3, 4, 5};
  CHECK_OK(dm_smooth_gaussian(image, 5, 1, 0.0, &error), error);
  CHECK(image[0] == 1.0f && image[4] == 5.0f);
  /* 1 × 5 column: the single-sample rows are constant under reflection */
  CHECK_OK(dm_smooth_gaussian(image, 1, 5, 1.0, &error), error);
  double total = 0.0;
  for (int i = 0; i < 5; i++) total += image[i];
  CHECK_CLOSE(total, 15.0, 1e-5); /* reflection conserves the sum */
  CHECK_FAILS(dm_smooth_gaussian(image, 5, 1, INFINITY, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

int main(void) {
  test_scipy_reference();
  test_constant();
  test_impulse();
  test_shared_between_threads();
  test_edge_cases();
  return dm_test_result();
}
