/* Counter-based random numbers: Philox4x32-10 (Salmon et al. 2011).
 *
 * The seed is the key and (stream id, block index) the counter: each block of
 * 4 numbers is a pure function of them, so any element of a simulation can
 * be regenerated independently and in parallel, with the same result on
 * every backend. */
#ifndef DARKMAP_RNG_H
#define DARKMAP_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One Philox4x32-10 block: ctr (4 words) encrypted under key (2 words). */
void dm_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

typedef struct {
  uint32_t key[2];
  uint64_t counter;   /* index of the next block */
  uint64_t stream;    /* stream id (counter words 2-3) */
  uint32_t block[4];  /* the current block */
  int used;           /* words of block already returned (4 = empty) */
  double spare_normal;
  int has_spare_normal;
} DmRng;

/* seed selects the key; stream separates independent sequences of one seed
 * (e.g. one per sample, per chain). */
void dm_rng_init(DmRng *rng, uint64_t seed, uint64_t stream);

uint32_t dm_rng_u32(DmRng *rng);

/* Uniform double in (0, 1): never 0 nor 1 (53 random bits). */
double dm_rng_uniform(DmRng *rng);

/* Standard normal (Box-Muller on two uniforms). */
double dm_rng_normal(DmRng *rng);

#ifdef __cplusplus
}
#endif

#endif
