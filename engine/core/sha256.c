/* SHA-256 (FIPS 180-4) of bytes in memory, or of a file streamed in 64 KiB
 * reads. */
#include "darkmap/sha256.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  uint32_t state[8];
  uint64_t length;     /* bytes hashed so far */
  uint8_t block[64];   /* pending bytes of the current block */
  size_t filled;
} Sha256;

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(Sha256 *s, const uint8_t *block) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
           (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = s->state[0], b = s->state[1], c = s->state[2], d = s->state[3];
  uint32_t e = s->state[4], f = s->state[5], g = s->state[6], h = s->state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                  round_constants[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  s->state[0] += a;
  s->state[1] += b;
  s->state[2] += c;
  s->state[3] += d;
  s->state[4] += e;
  s->state[5] += f;
  s->state[6] += g;
  s->state[7] += h;
}

static void sha256_init(Sha256 *s) {
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->state, initial, sizeof initial);
  s->length = 0;
  s->filled = 0;
}

static void sha256_update(Sha256 *s, const uint8_t *data, size_t n) {
  s->length += n;
  while (n > 0) {
    size_t take = 64 - s->filled < n ? 64 - s->filled : n;
    memcpy(s->block + s->filled, data, take);
    s->filled += take;
    data += take;
    n -= take;
    if (s->filled == 64) {
      compress(s, s->block);
      s->filled = 0;
    }
  }
}

/* Padding: 0x80, zeros to 56 mod 64, the length in bits big-endian. */
static void sha256_finish(Sha256 *s, char hex[65]) {
  uint64_t bits = s->length * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_length = (s->filled < 56 ? 56 : 120) - s->filled;
  for (int i = 0; i < 8; i++) pad[pad_length + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(s, pad, pad_length + 8);
  for (int i = 0; i < 8; i++) snprintf(hex + 8 * i, 9, "%08x", (unsigned)s->state[i]);
}

bool dm_sha256_file(const char *path, char hex[65], DmError **error) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return dm_error_set(error, errno == ENOENT ? DM_ERROR_NOT_FOUND : DM_ERROR_IO, errno,
                        "Cannot open %s: %s.", path, strerror(errno));
  Sha256 s;
  sha256_init(&s);
  static _Thread_local uint8_t buffer[1 << 16];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) sha256_update(&s, buffer, n);
  bool failed = ferror(file);
  int saved = errno;
  fclose(file);
  if (failed)
    return dm_error_set(error, DM_ERROR_IO, saved, "Cannot read %s: %s.", path, strerror(saved));
  sha256_finish(&s, hex);
  return true;
}

void dm_sha256_bytes(const void *data, size_t n, char hex[65]) {
  Sha256 s;
  sha256_init(&s);
  sha256_update(&s, data, n);
  sha256_finish(&s, hex);
}
