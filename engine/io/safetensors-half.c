/* IEEE binary16 and bfloat16 <-> float32 (darkmap/safetensors.h), exact bit
 * manipulation: float32 to half rounds to nearest, ties to even, with
 * overflow to infinity and gradual underflow through the subnormals; NaNs
 * stay NaNs (quiet, sign and leading payload bits kept); half to float32 is
 * exact. */
#include <string.h>

#include "darkmap/safetensors.h"

static uint32_t float_bits(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  return bits;
}

static float bits_float(uint32_t bits) {
  float x;
  memcpy(&x, &bits, sizeof x);
  return x;
}

/* q plus the rounding of its discarded low `shift` bits rem, to nearest even. */
static uint32_t round_nearest_even(uint32_t q, uint32_t rem, unsigned shift) {
  uint32_t half = 1u << (shift - 1);
  return q + (rem > half || (rem == half && (q & 1u)));
}

uint16_t dm_f32_to_f16(float x) {
  uint32_t bits = float_bits(x);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) /* NaN: quiet bit set, top payload bits kept */
    return (uint16_t)(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
  /* 65520 = 65504 + half an ulp rounds (to even) up, past the largest half. */
  if (magnitude >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
  if (magnitude >= 0x38800000u) { /* a normal half: 2^-14 and up */
    uint32_t q = (magnitude - 0x38000000u) >> 13; /* rebias 127 -> 15 */
    return (uint16_t)(sign | round_nearest_even(q, magnitude & 0x1fffu, 13));
  }
  /* A subnormal half (units of 2^-24) or zero; the rounding may carry into
   * the smallest normal, whose encoding follows on. */
  uint32_t exponent = magnitude >> 23;
  if (exponent < 102) return sign; /* below 2^-25: rounds to zero */
  uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
  unsigned shift = 126 - exponent; /* 14..24 */
  uint32_t q = mantissa >> shift;
  return (uint16_t)(sign | round_nearest_even(q, mantissa & ((1u << shift) - 1u), shift));
}

float dm_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return bits_float(sign | 0x7f800000u | mantissa << 13);
  if (exponent == 0) { /* zero or subnormal: mantissa * 2^-24, exact in float32 */
    float magnitude = (float)mantissa * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  return bits_float(sign | (exponent + 112) << 23 | mantissa << 13);
}

uint16_t dm_f32_to_bf16(float x) {
  uint32_t bits = float_bits(x);
  if ((bits & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it one after truncation */
    return (uint16_t)((bits >> 16) | 0x0040u);
  /* The upper 16 bits, rounded to nearest even on the lower 16; a carry
   * moves into the exponent, and past the largest finite value to
   * infinity, as it should. */
  return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

float dm_bf16_to_f32(uint16_t h) { return bits_float((uint32_t)h << 16); }
