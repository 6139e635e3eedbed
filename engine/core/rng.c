/* Philox4x32-10 counter-based generator (Salmon, Moraes, Dror & Shaw 2011,
 * "Parallel random numbers: as easy as 1, 2, 3"), see darkmap/rng.h. */
#include "darkmap/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
  uint64_t product = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(product >> 32);
  *lo = (uint32_t)product;
}

void dm_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; round++) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(PHILOX_M0, c0, &hi0, &lo0);
    mulhilo(PHILOX_M1, c2, &hi1, &lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* The key is the 64-bit seed; the stream id fills the counter's high words,
 * the block index its low words. */
void dm_rng_init(DmRng *rng, uint64_t seed, uint64_t stream) {
  rng->key[0] = (uint32_t)seed;
  rng->key[1] = (uint32_t)(seed >> 32);
  rng->counter = 0;
  rng->stream = stream;
  rng->used = 4;
  rng->has_spare_normal = 0;
  rng->spare_normal = 0.0;
}

uint32_t dm_rng_u32(DmRng *rng) {
  if (rng->used == 4) {
    uint32_t ctr[4] = {(uint32_t)rng->counter, (uint32_t)(rng->counter >> 32),
                       (uint32_t)rng->stream, (uint32_t)(rng->stream >> 32)};
    dm_philox4x32_10(ctr, rng->key, rng->block);
    rng->counter++;
    rng->used = 0;
  }
  return rng->block[rng->used++];
}

double dm_rng_uniform(DmRng *rng) {
  uint64_t hi = dm_rng_u32(rng) >> 5;  /* 27 bits */
  uint64_t lo = dm_rng_u32(rng) >> 6;  /* 26 bits */
  uint64_t bits = (hi << 26) | lo;     /* 53 bits */
  return ((double)bits + 0.5) / 9007199254740992.0;  /* (0, 1) */
}

double dm_rng_normal(DmRng *rng) {
  if (rng->has_spare_normal) {
    rng->has_spare_normal = 0;
    return rng->spare_normal;
  }
  double u1 = dm_rng_uniform(rng), u2 = dm_rng_uniform(rng);
  double radius = sqrt(-2.0 * log(u1));
  double angle = 2.0 * M_PI * u2;
  rng->spare_normal = radius * sin(angle);
  rng->has_spare_normal = 1;
  return radius * cos(angle);
}
