/* Philox4x32-10 against Random123's published known-answer vectors, and the
 * basic statistics and reproducibility of the derived uniform/normal draws. */
#include <stdint.h>

#include "darkmap/rng.h"
#include "test-util.h"

static void check_known_answers(void) {
  static const struct {
    uint32_t ctr[4], key[2], out[4];
  } kat[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
    uint32_t out[4];
    dm_philox4x32_10(kat[i].ctr, kat[i].key, out);
    for (int j = 0; j < 4; j++) CHECK(out[j] == kat[i].out[j]);
  }
}

static void check_statistics(void) {
  DmRng rng;
  dm_rng_init(&rng, 12345, 0);
  const int n = 400000;
  double sum = 0, sum2 = 0, sum4 = 0, usum = 0, umin = 1, umax = 0;
  for (int i = 0; i < n; i++) {
    double x = dm_rng_normal(&rng);
    sum += x;
    sum2 += x * x;
    sum4 += x * x * x * x;
    double u = dm_rng_uniform(&rng);
    usum += u;
    if (u < umin) umin = u;
    if (u > umax) umax = u;
  }
  /* Tolerances are 5 standard errors of each estimator. */
  CHECK_CLOSE(sum / n, 0.0, 5.0 / sqrt(n));
  CHECK_CLOSE(sum2 / n, 1.0, 5.0 * sqrt(2.0 / n));
  CHECK_CLOSE(sum4 / n, 3.0, 5.0 * sqrt(96.0 / n));
  CHECK_CLOSE(usum / n, 0.5, 5.0 * sqrt(1.0 / 12.0 / n));
  CHECK(umin > 0.0 && umax < 1.0);
}

static void check_reproducible_and_independent(void) {
  DmRng a, b, c;
  dm_rng_init(&a, 7, 3);
  dm_rng_init(&b, 7, 3);
  dm_rng_init(&c, 7, 4);
  int same = 0, equal_other = 0;
  for (int i = 0; i < 1000; i++) {
    uint32_t x = dm_rng_u32(&a), y = dm_rng_u32(&b), z = dm_rng_u32(&c);
    same += x == y;
    equal_other += x == z;
  }
  CHECK(same == 1000);
  CHECK(equal_other < 3);
}

int main(void) {
  check_known_answers();
  check_statistics();
  check_reproducible_and_independent();
  return dm_test_result();
}
