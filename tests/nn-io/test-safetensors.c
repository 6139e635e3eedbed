/* safetensors files: round trips of every dtype and of metadata, the layout
 * of the reference Python writer, exact half/bfloat16 conversions, and a
 * list of hostile files each refused with its reason. */
#include <stdint.h>
#include <sys/stat.h>

#include "darkmap/safetensors.h"
#include "test-util.h"

/* ---- helpers ------------------------------------------------------------ */

/* A file image: 8-byte length, header, data bytes (ndata of them, 0..). */
static unsigned char *file_image(const char *header, uint64_t declared_length, size_t ndata,
                                 size_t *size) {
  size_t hlen = strlen(header);
  *size = 8 + hlen + ndata;
  unsigned char *bytes = calloc(1, *size);
  for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)(declared_length >> (8 * i));
  memcpy(bytes + 8, header, hlen);
  for (size_t i = 0; i < ndata; i++) bytes[8 + hlen + i] = (unsigned char)(i * 37 + 1);
  return bytes;
}

static unsigned char *read_whole(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  fseek(file, 0, SEEK_END);
  *size = (size_t)ftell(file);
  fseek(file, 0, SEEK_SET);
  unsigned char *bytes = malloc(*size ? *size : 1);
  if (fread(bytes, 1, *size, file) != *size) *size = 0;
  fclose(file);
  return bytes;
}

static uint64_t read_le64(const unsigned char *b) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | b[i];
  return n;
}

static uint32_t bits_of(float x) {
  uint32_t b;
  memcpy(&b, &x, 4);
  return b;
}

static float float_of(uint32_t b) {
  float x;
  memcpy(&x, &b, 4);
  return x;
}

/* ---- round trips -------------------------------------------------------- */

static void check_round_trip(void) {
  const float f32[6] = {1.5f, -2.25f, 0.0f, -0.0f, 3.0e38f, 1.0e-40f};
  const uint16_t f16[3] = {0x3c00, 0xfbff, 0x0001};
  const uint16_t bf16[4] = {0x3f80, 0xc000, 0x7f80, 0x0001};
  const double f64[2] = {3.141592653589793, -1e300};
  const int64_t i64[2] = {INT64_MIN, INT64_MAX};
  const int32_t i32[3] = {-7, 0, INT32_MAX};
  const uint8_t u8[5] = {0, 1, 127, 128, 255};
  const float scalar = 42.0f;
  const struct {
    const char *name;
    DmStDtype dtype;
    int ndim;
    int64_t shape[3];
    const void *data;
    size_t nbytes;
  } tensors[] = {
      {"weight.f32", DM_ST_F32, 3, {1, 2, 3}, f32, sizeof f32},
      {"half", DM_ST_F16, 1, {3}, f16, sizeof f16},
      {"brain float", DM_ST_BF16, 2, {2, 2}, bf16, sizeof bf16},
      {"double\"quoted\\", DM_ST_F64, 1, {2}, f64, sizeof f64},
      {"ints.i64", DM_ST_I64, 2, {2, 1}, i64, sizeof i64},
      {"ints.i32", DM_ST_I32, 1, {3}, i32, sizeof i32},
      {"bytes \xc3\xa9\xf0\x9f\x99\x82", DM_ST_U8, 1, {5}, u8, sizeof u8},
      {"empty", DM_ST_F32, 2, {0, 4}, NULL, 0},
      {"scalar", DM_ST_F32, 0, {0}, &scalar, sizeof scalar},
  };
  const int n = (int)(sizeof tensors / sizeof tensors[0]);
  const char *keys[] = {"format", "note", "unicode"};
  const char *values[] = {"pt", "line 1\nline \"2\"\t\\ end\x01", "\xce\xba \xe2\x86\x92 \xce\xb3"};

  DmError *error = NULL;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  for (int i = 0; i < 3; i++) CHECK_OK(dm_safetensors_writer_add_metadata(w, keys[i], values[i], &error), error);
  for (int i = 0; i < n; i++)
    CHECK_OK(dm_safetensors_writer_add(w, tensors[i].name, tensors[i].dtype, tensors[i].ndim,
                                       tensors[i].shape, tensors[i].data, &error),
             error);
  const char *path = dm_test_tmp_path("round-trip.safetensors");
  /* An existing file is replaced. */
  FILE *old = fopen(path, "wb");
  fputs("old contents", old);
  fclose(old);
  CHECK_OK(dm_safetensors_writer_write(w, path, &error), error);
  dm_safetensors_writer_free(w);
  CHECK(dm_test_count_temporaries(path) == 0);

  /* The layout: header length a multiple of 8, padded with spaces,
   * metadata first, tensors back to back in the order added. */
  size_t size = 0;
  unsigned char *bytes = read_whole(path, &size);
  CHECK(bytes && size >= 8);
  uint64_t hlen = read_le64(bytes);
  CHECK(hlen % 8 == 0);
  CHECK(8 + hlen <= size);
  CHECK(strncmp((const char *)bytes + 8, "{\"__metadata__\":{\"format\":\"pt\",", 31) == 0);
  size_t total = 0;
  for (int i = 0; i < n; i++) total += tensors[i].nbytes;
  CHECK(size == 8 + hlen + total);
  size_t end = 8 + (size_t)hlen;
  while (end > 8 && bytes[end - 1] == ' ') end--;
  CHECK(bytes[end - 1] == '}');
  CHECK(8 + hlen - end < 8);

  /* Read from the file and from memory: the same contents. */
  DmSafetensors *from_file = dm_safetensors_read(path, &error);
  CHECK_OK(from_file != NULL, error);
  DmSafetensors *from_memory = dm_safetensors_parse(bytes, size, &error);
  CHECK_OK(from_memory != NULL, error);
  DmSafetensors *both[2] = {from_file, from_memory};
  for (int k = 0; k < 2; k++) {
    DmSafetensors *st = both[k];
    if (!st) continue;
    CHECK(dm_safetensors_count(st) == n);
    size_t offset = 0;
    for (int i = 0; i < n; i++) {
      const DmStTensorInfo *info = dm_safetensors_info(st, i);
      CHECK(strcmp(info->name, tensors[i].name) == 0);
      CHECK(dm_safetensors_find(st, tensors[i].name) == info);
      CHECK(info->dtype == tensors[i].dtype);
      CHECK(info->ndim == tensors[i].ndim);
      for (int d = 0; d < info->ndim; d++) CHECK(info->shape[d] == tensors[i].shape[d]);
      CHECK(info->offset == offset);
      CHECK(info->nbytes == tensors[i].nbytes);
      if (tensors[i].nbytes)
        CHECK(memcmp(dm_safetensors_data(st, info), tensors[i].data, tensors[i].nbytes) == 0);
      offset += tensors[i].nbytes;
    }
    CHECK(dm_safetensors_info(st, n) == NULL);
    CHECK(dm_safetensors_find(st, "missing") == NULL);
    CHECK(dm_safetensors_metadata_count(st) == 3);
    for (int i = 0; i < 3; i++) {
      CHECK(strcmp(dm_safetensors_metadata_key(st, i), keys[i]) == 0);
      CHECK(strcmp(dm_safetensors_metadata(st, keys[i]), values[i]) == 0);
    }
    CHECK(dm_safetensors_metadata(st, "absent") == NULL);

    /* Conversions to float32: exact for these values. */
    float out[6];
    CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "weight.f32"), out, 6, &error),
             error);
    for (int i = 0; i < 6; i++) CHECK(bits_of(out[i]) == bits_of(f32[i]));
    CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "half"), out, 3, &error), error);
    CHECK(out[0] == 1.0f && out[1] == -65504.0f && out[2] == 0x1p-24f);
    CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "brain float"), out, 4, &error),
             error);
    CHECK(out[0] == 1.0f && out[1] == -2.0f && isinf(out[2]) && out[3] == 0x1p-133f);
    CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "double\"quoted\\"), out, 2,
                                   &error),
             error);
    CHECK(out[0] == (float)f64[0] && isinf(out[1]) && out[1] < 0);
    CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "scalar"), out, 1, &error),
             error);
    CHECK(out[0] == 42.0f);
    CHECK_FAILS(dm_safetensors_to_f32(st, dm_safetensors_find(st, "ints.i32"), out, 3, &error),
                error, DM_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(dm_safetensors_to_f32(st, dm_safetensors_find(st, "half"), out, 2, &error),
                error, DM_ERROR_INVALID_ARGUMENT);
    dm_safetensors_free(st);
  }

  /* The header alone: the same tensors and metadata, no bytes. */
  DmSafetensors *header = dm_safetensors_read_header(path, &error);
  CHECK_OK(header != NULL, error);
  if (header) {
    CHECK(dm_safetensors_count(header) == n);
    for (int i = 0; i < n; i++) {
      const DmStTensorInfo *info = dm_safetensors_info(header, i);
      CHECK(strcmp(info->name, tensors[i].name) == 0 && info->dtype == tensors[i].dtype);
      CHECK(info->nbytes == tensors[i].nbytes && dm_safetensors_data(header, info) == NULL);
    }
    for (int i = 0; i < 3; i++)
      CHECK(strcmp(dm_safetensors_metadata(header, keys[i]), values[i]) == 0);
    float out[6];
    CHECK(!dm_safetensors_to_f32(header, dm_safetensors_find(header, "weight.f32"), out, 6,
                                 &error) &&
          strcmp(error->message,
                 "Tensor \"weight.f32\" was not read: only the file's header was") == 0);
    dm_error_clear(&error);
    dm_safetensors_free(header);
  }
  free(bytes);
  remove(path);
}

/* A file in the reference Python writer's layout, byte for byte: compact
 * JSON, __metadata__ first, tensors sorted by alignment then name, offsets
 * in that order, header padded with spaces to a multiple of 8. */
static void check_reference_layout(void) {
  static const char header[] =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]},"
      "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]}}";
  char padded[256];
  size_t hlen = strlen(header);
  size_t plen = (hlen + 7) / 8 * 8;
  memcpy(padded, header, hlen);
  memset(padded + hlen, ' ', plen - hlen);
  padded[plen] = '\0';
  unsigned char image[8 + 256 + 16];
  for (int i = 0; i < 8; i++) image[i] = (unsigned char)((uint64_t)plen >> (8 * i));
  memcpy(image + 8, padded, plen);
  const float a[2] = {0.5f, -4.0f}, b = 1e-3f;
  const uint16_t c[2] = {0x4049, 0xbf80}; /* 3.140625, -1 */
  memcpy(image + 8 + plen, a, 8);
  memcpy(image + 8 + plen + 8, &b, 4);
  memcpy(image + 8 + plen + 12, c, 4);

  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_parse(image, 8 + plen + 16, &error);
  CHECK_OK(st != NULL, error);
  if (!st) return;
  CHECK(dm_safetensors_count(st) == 3);
  CHECK(strcmp(dm_safetensors_metadata(st, "format"), "pt") == 0);
  float out[2];
  CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "a"), out, 2, &error), error);
  CHECK(out[0] == 0.5f && out[1] == -4.0f);
  const DmStTensorInfo *info_b = dm_safetensors_find(st, "b");
  CHECK(info_b->ndim == 2 && info_b->shape[0] == 1 && info_b->shape[1] == 1);
  CHECK_OK(dm_safetensors_to_f32(st, info_b, out, 1, &error), error);
  CHECK(out[0] == 1e-3f);
  CHECK_OK(dm_safetensors_to_f32(st, dm_safetensors_find(st, "c"), out, 2, &error), error);
  CHECK(out[0] == 3.140625f && out[1] == -1.0f);
  dm_safetensors_free(st);
}

/* The U-Net reference written by make-unet-reference.py (the Python
 * writer's layout): its metadata and sizes, and its loss, which is the
 * mean absolute difference of two of its tensors. */
static void check_python_file(void) {
  DmError *error = NULL;
  const char *path = dm_test_data_path("nn/unet-small-reference.safetensors");
  DmSafetensors *st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (!st) return;
  CHECK(strcmp(dm_safetensors_metadata(st, "arch"), "unet") == 0);
  CHECK(strcmp(dm_safetensors_metadata(st, "depth"), "2") == 0);
  CHECK(strcmp(dm_safetensors_metadata(st, "slope"), "0.2") == 0);
  /* Tensors are stored in name order, back to back. */
  size_t offset = 0;
  for (int i = 0; i < dm_safetensors_count(st); i++) {
    const DmStTensorInfo *info = dm_safetensors_info(st, i);
    CHECK(info->dtype == DM_ST_F32);
    CHECK(info->offset == offset);
    offset += info->nbytes;
    if (i > 0) CHECK(strcmp(dm_safetensors_info(st, i - 1)->name, info->name) < 0);
  }
  const DmStTensorInfo *input = dm_safetensors_find(st, "input");
  CHECK(input && input->ndim == 4 && input->shape[0] == 2 && input->shape[1] == 2 &&
        input->shape[2] == 32 && input->shape[3] == 32);
  const DmStTensorInfo *stem = dm_safetensors_find(st, "stem.weight");
  CHECK(stem && stem->ndim == 4 && stem->shape[0] == 8 && stem->shape[1] == 2);
  CHECK(dm_safetensors_find(st, "grad.stem.weight") != NULL);
  const DmStTensorInfo *output = dm_safetensors_find(st, "output");
  const DmStTensorInfo *target = dm_safetensors_find(st, "target");
  const DmStTensorInfo *loss = dm_safetensors_find(st, "loss");
  if (output && target && loss) {
    float y[2048], t[2048], l;
    CHECK_OK(dm_safetensors_to_f32(st, output, y, 2048, &error), error);
    CHECK_OK(dm_safetensors_to_f32(st, target, t, 2048, &error), error);
    CHECK_OK(dm_safetensors_to_f32(st, loss, &l, 1, &error), error);
    double sum = 0;
    for (int i = 0; i < 2048; i++) sum += fabs((double)y[i] - t[i]);
    /* float32 rounding of output, target and loss: a few 1e-7 relative. */
    CHECK_CLOSE(sum / 2048, l, 1e-6 * l);
  }
  dm_safetensors_free(st);
}

/* ---- half precision ----------------------------------------------------- */

static void check_half_conversions(void) {
  const struct {
    float x;
    uint16_t f16;
  } cases[] = {
      {0.0f, 0x0000},
      {-0.0f, 0x8000},
      {1.0f, 0x3c00},
      {-2.0f, 0xc000},
      {0.1f, 0x2e66},                 /* 0x1.99999ap-4 rounds down */
      {65504.0f, 0x7bff},             /* largest half */
      {65519.996f, 0x7bff},           /* just under the midpoint to infinity */
      {65520.0f, 0x7c00},             /* the midpoint: to even, infinity */
      {1e9f, 0x7c00},
      {INFINITY, 0x7c00},
      {-INFINITY, 0xfc00},
      {0x1p-14f, 0x0400},             /* smallest normal */
      {0x1p-24f, 0x0001},             /* smallest subnormal */
      {0x1p-25f, 0x0000},             /* half of it: to even, zero */
      {0x1.000002p-25f, 0x0001},      /* just over half: up */
      {-0x1p-26f, 0x8000},
      {0x3p-25f, 0x0002},             /* 1.5 units: to even, 2 */
      {0x5p-25f, 0x0002},             /* 2.5 units: to even, 2 */
      {0x1p-14f - 0x1p-25f, 0x0400},  /* between largest subnormal and smallest normal: up */
      {1.0f + 0x1p-11f, 0x3c00},      /* midpoint: to even */
      {1.0f + 0x3p-11f, 0x3c02},      /* midpoint: to even, up */
      {1.0f + 0x1p-11f + 0x1p-23f, 0x3c01}, /* just over the midpoint: up */
      {0x1p-149f, 0x0000},            /* float32 subnormal */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint16_t h = dm_f32_to_f16(cases[i].x);
    if (h != cases[i].f16)
      fprintf(stderr, "f16(%a) = 0x%04x, expected 0x%04x\n", cases[i].x, h, cases[i].f16);
    CHECK(h == cases[i].f16);
  }
  uint16_t nan16 = dm_f32_to_f16(NAN);
  CHECK((nan16 & 0x7c00) == 0x7c00 && (nan16 & 0x3ff) != 0);
  CHECK(isnan(dm_f16_to_f32(nan16)));
  /* A signalling NaN whose payload is only in the low bits stays a NaN. */
  CHECK(isnan(dm_f16_to_f32(dm_f32_to_f16(float_of(0x7f800001)))));
  CHECK(dm_f32_to_f16(float_of(0xff800001)) & 0x8000);

  /* Every half is exactly a float32 that converts back to it. */
  int mismatches = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float x = dm_f16_to_f32((uint16_t)h);
    bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    if (nan ? !isnan(x) : dm_f32_to_f16(x) != h) mismatches++;
  }
  CHECK(mismatches == 0);
  CHECK(dm_f16_to_f32(0x0001) == 0x1p-24f && dm_f16_to_f32(0x03ff) == 0x3ffp-24f);
  CHECK(dm_f16_to_f32(0xfbff) == -65504.0f && dm_f16_to_f32(0x7c00) == INFINITY);
  CHECK(bits_of(dm_f16_to_f32(0x8000)) == 0x80000000u);

  const struct {
    uint32_t bits;
    uint16_t bf16;
  } bcases[] = {
      {0x3f800000, 0x3f80},  /* 1 */
      {0x3f808000, 0x3f80},  /* midpoint: to even */
      {0x3f818000, 0x3f82},  /* midpoint: to even, up */
      {0x3f808001, 0x3f81},
      {0x7f7fffff, 0x7f80},  /* largest float: rounds to infinity */
      {0x7f7f7fff, 0x7f7f},
      {0x7f800000, 0x7f80},
      {0xff800000, 0xff80},
      {0x00008000, 0x0000},  /* subnormal midpoint: to even, zero */
      {0x00018000, 0x0002},
      {0x80000000, 0x8000},
  };
  for (size_t i = 0; i < sizeof bcases / sizeof bcases[0]; i++)
    CHECK(dm_f32_to_bf16(float_of(bcases[i].bits)) == bcases[i].bf16);
  CHECK(isnan(dm_bf16_to_f32(dm_f32_to_bf16(NAN))));
  CHECK(isnan(dm_bf16_to_f32(dm_f32_to_bf16(float_of(0x7f800001)))));
  mismatches = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float x = dm_bf16_to_f32((uint16_t)h);
    bool nan = (h & 0x7f80) == 0x7f80 && (h & 0x7f);
    if (nan ? !isnan(x) : dm_f32_to_bf16(x) != h) mismatches++;
    if (bits_of(x) != h << 16) mismatches++;
  }
  CHECK(mismatches == 0);
}

/* ---- hostile files ------------------------------------------------------ */

typedef struct {
  const char *header;
  size_t ndata;           /* data bytes after the header */
  const char *fragment;   /* expected in the message */
} HostileCase;

/* Tensor entries, to keep the table readable. */
#define F32_4(offsets) "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" offsets "}"

static const HostileCase hostile_cases[] = {
    /* JSON syntax */
    {"", 0, "unexpected end"},
    {"abc", 0, "expected a value"},
    {"{\"w\":", 0, "unexpected end"},
    {"{\"w\":" F32_4("[0,4]"), 4, "expected ',' or '}'"},
    {"{\"w\":" F32_4("[0,4]") "} x", 4, "only whitespace after the value"},
    {"{\"w\":" F32_4("[0,4]") ",}", 4, "expected a string key"},
    {"{\"w\" " F32_4("[0,4]") "}", 4, "':' after a key"},
    {"[]", 0, "not a JSON object"},
    {"{\"w", 0, "unterminated string"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],}}", 4, "a string key"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[0,4]}}", 4, "expected a value"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", 4,
     "nested deeper than 3 levels"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[18446744073709551616],\"data_offsets\":[0,4]}}", 4,
     "does not fit in 64 bits"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "negative numbers"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4,
     "only non-negative integers"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}", 4,
     "only non-negative integers"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", 4, "leading zero"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":null,\"data_offsets\":[0,4]}}", 4,
     "true, false and null"},
    /* duplicates */
    {"{\"w\":" F32_4("[0,4]") ",\"w\":" F32_4("[4,8]") "}", 8, "duplicate key \"w\""},
    {"{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
     "duplicate key \"dtype\""},
    /* strings and names */
    {"{\"\\x\":" F32_4("[0,4]") "}", 4, "invalid escape"},
    {"{\"\\u12g4\":" F32_4("[0,4]") "}", 4, "invalid hex digit"},
    {"{\"\\ud800\":" F32_4("[0,4]") "}", 4, "unpaired high surrogate"},
    {"{\"\\ud800\\u0041\":" F32_4("[0,4]") "}", 4, "unpaired high surrogate"},
    {"{\"\\udc00\":" F32_4("[0,4]") "}", 4, "unpaired low surrogate"},
    {"{\"\xff\":" F32_4("[0,4]") "}", 4, "invalid UTF-8"},
    {"{\"\xc0\x80\":" F32_4("[0,4]") "}", 4, "invalid UTF-8"},        /* overlong NUL */
    {"{\"\xed\xa0\x80\":" F32_4("[0,4]") "}", 4, "invalid UTF-8"},    /* encoded surrogate */
    {"{\"\xf4\x90\x80\x80\":" F32_4("[0,4]") "}", 4, "invalid UTF-8"}, /* past U+10FFFF */
    {"{\"\xe2\x82\":" F32_4("[0,4]") "}", 4, "invalid UTF-8"},        /* truncated sequence */
    {"{\"a\nb\":" F32_4("[0,4]") "}", 4, "control character"},
    {"{\"a\\u0000b\":" F32_4("[0,4]") "}", 4, "Tensor name \"a?b\" contains a NUL"},
    {"{\"\":" F32_4("[0,4]") "}", 4, "empty name"},
    /* tensor entries */
    {"{\"w\":[1]}", 0, "Tensor \"w\": its entry is not an object"},
    {"{\"w\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
     "Tensor \"w\" has dtype \"I8\""},
    {"{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
     "Tensor \"w\" has dtype \"f32\""},
    {"{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "Tensor \"w\" has no dtype"},
    {"{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "Tensor \"w\" has no dtype"},
    {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "Tensor \"w\" has no shape"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4,
     "Tensor \"w\": the shape is not an array"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
     "at most 8"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4,
     "Tensor \"w\": unknown field \"extra\""},
    {"{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4,
     "Tensor \"w\": the element count of its shape overflows"},
    {"{\"w\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952,4],\"data_offsets\":[0,4]}}", 4,
     "overflows"},
    {"{\"w\":{\"dtype\":\"U8\",\"shape\":[9223372036854775808,0],\"data_offsets\":[0,0]}}", 0,
     "Tensor \"w\": dimension 0 (9223372036854775808) is too large"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
     "Tensor \"w\": its shape of F32 needs 8 bytes but data_offsets [0, 4] hold 4"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,4]}}", 4, "needs 0 bytes"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
     "Tensor \"w\": data_offsets is not a pair"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "not a pair"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
     "Tensor \"w\": data_offsets [8, 4] end before they begin"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 6,
     "Tensor \"w\": data_offsets [4, 8] run past the end of the data (6 bytes)"},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[18446744073709551612,"
     "18446744073709551615]}}",
     4, "run past the end"},
    /* tiling of the buffer */
    {"{\"a\":" F32_4("[0,4]") ",\"b\":" F32_4("[2,6]") "}", 6, "Tensors \"a\" and \"b\" overlap"},
    {"{\"a\":" F32_4("[0,4]") ",\"b\":" F32_4("[0,4]") "}", 4, "Tensors \"a\" and \"b\" overlap"},
    {"{\"a\":" F32_4("[0,4]") ",\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]}}",
     4, "Tensors \"a\" and \"z\" overlap"},
    {"{\"a\":" F32_4("[0,4]") ",\"b\":" F32_4("[8,12]") "}", 12,
     "Bytes 4 to 8 of the data belong to no tensor (a hole before tensor \"b\")"},
    {"{\"b\":" F32_4("[4,8]") "}", 8, "Bytes 0 to 4"},
    {"{\"a\":" F32_4("[0,4]") "}", 8, "The last 4 bytes of the data belong to no tensor"},
    {"{}", 3, "The last 3 bytes"},
    /* metadata */
    {"{\"__metadata__\":{\"k\":1}}", 0, "__metadata__ value of \"k\" is not a string"},
    {"{\"__metadata__\":{\"k\":[\"v\"]}}", 0, "__metadata__ value of \"k\" is not a string"},
    {"{\"__metadata__\":{\"k\":{\"x\":\"v\"}}}", 0, "__metadata__ value of \"k\" is not a string"},
    {"{\"__metadata__\":\"v\"}", 0, "__metadata__ is not an object"},
    {"{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, "__metadata__ entry \"k\" contains a NUL"},
    {"{\"__metadata__\":{\"k\":\"v\"},\"__metadata__\":{}}", 0, "duplicate key \"__metadata__\""},
};

/* Parses bytes and checks the failure: DM_ERROR_FORMAT with fragment in
 * its message. */
static void check_rejected(const unsigned char *bytes, size_t size, const char *fragment,
                           const char *label) {
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_parse(bytes, size, &error);
  if (st || !error || error->code != DM_ERROR_FORMAT || !strstr(error->message, fragment)) {
    fprintf(stderr, "hostile case %s: expected a format error with \"%s\", got %s\n", label,
            fragment, st ? "success" : error ? error->message : "no error");
    dm_test_failures++;
  } else if (fragment[0]) {
    printf("expected failure: %s\n", error->message);
  }
  dm_safetensors_free(st);
  dm_error_free(error);
}

static void check_hostile_files(void) {
  size_t n = sizeof hostile_cases / sizeof hostile_cases[0];
  for (size_t i = 0; i < n; i++) {
    size_t size;
    const HostileCase *c = &hostile_cases[i];
    unsigned char *image = file_image(c->header, strlen(c->header), c->ndata, &size);
    char label[32];
    snprintf(label, sizeof label, "%zu", i);
    check_rejected(image, size, c->fragment, label);
    free(image);
  }

  /* Header lengths: past the end, over the limit, absurd. */
  size_t size;
  static const char valid[] = "{\"w\":" F32_4("[0,4]") "}";
  unsigned char *image = file_image(valid, strlen(valid) + 1, 4, &size);
  char expected[128];
  snprintf(expected, sizeof expected,
           "The header length %zu runs past the end of the file (%zu bytes follow it)",
           strlen(valid) + 1, strlen(valid));
  check_rejected(image, size - 4, expected, "length+1");
  free(image);
  image = file_image(valid, DM_ST_MAX_HEADER_BYTES + 1, 4, &size);
  check_rejected(image, size, "The header length 1048577 is over the 1 MiB limit", "1MiB");
  free(image);
  image = file_image(valid, UINT64_MAX, 4, &size);
  check_rejected(image, size, "over the 1 MiB limit", "2^64-1");
  free(image);
  check_rejected((const unsigned char *)"\x05\0\0\0", 4,
                 "The file is 4 bytes long, too short for the 8-byte header length", "short");

  /* The valid file itself, as a control: accepted, and every truncation of
   * it refused. */
  image = file_image(valid, strlen(valid), 4, &size);
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_parse(image, size, &error);
  CHECK_OK(st != NULL, error);
  dm_safetensors_free(st);
  for (size_t cut = 0; cut < size; cut++) check_rejected(image, cut, "", "truncated valid file");

  /* Through a file: the path names the problem's place. */
  const char *path = dm_test_tmp_path("hostile.safetensors");
  FILE *file = fopen(path, "wb");
  fwrite(image, 1, size - 1, file);
  fclose(file);
  CHECK_FAILS(dm_safetensors_read(path, &error) != NULL, error, DM_ERROR_FORMAT);
  CHECK(!dm_safetensors_read(path, &error) && strstr(error->message, path) &&
        strstr(error->message, "data_offsets [0, 4] run past the end of the data (3 bytes)"));
  dm_error_clear(&error);
  /* The header alone is checked against the file's size all the same. */
  CHECK(!dm_safetensors_read_header(path, &error) && strstr(error->message, path) &&
        strstr(error->message, "data_offsets [0, 4] run past the end of the data (3 bytes)"));
  dm_error_clear(&error);
  remove(path);
  free(image);
  CHECK_FAILS(dm_safetensors_read(path, &error) != NULL, error, DM_ERROR_NOT_FOUND);
  const char *dir = dm_test_tmp_path("a-directory.safetensors");
  mkdir(dir, 0700);
  CHECK_FAILS(dm_safetensors_read(dir, &error) != NULL, error, DM_ERROR_IO);
  rmdir(dir);
}

/* ---- writer errors ------------------------------------------------------ */

static void check_writer_refusals(void) {
  DmError *error = NULL;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  const float x[2] = {1, 2};
  const int64_t shape[1] = {2}, negative[1] = {-1}, huge[2] = {INT64_MAX, 3};
  CHECK_OK(dm_safetensors_writer_add(w, "x", DM_ST_F32, 1, shape, x, &error), error);
  CHECK_FAILS(dm_safetensors_writer_add(w, "x", DM_ST_F32, 1, shape, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "__metadata__", DM_ST_F32, 1, shape, x, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "", DM_ST_F32, 1, shape, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "bad\xff", DM_ST_F32, 1, shape, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "n", DM_ST_F32, 1, negative, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "h", DM_ST_F32, 2, huge, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "d", (DmStDtype)99, 1, shape, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "nine", DM_ST_F32, 9, shape, x, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add(w, "nodata", DM_ST_F32, 1, shape, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_OK(dm_safetensors_writer_add_metadata(w, "k", "v", &error), error);
  CHECK_FAILS(dm_safetensors_writer_add_metadata(w, "k", "w", &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_safetensors_writer_add_metadata(w, "k2", "\xc0\x80", &error), error,
              DM_ERROR_INVALID_ARGUMENT);

  /* A directory that does not exist: an I/O error, nothing left behind. */
  const char *path = "/nonexistent-darkmap-dir/weights.safetensors";
  CHECK_FAILS(dm_safetensors_writer_write(w, path, &error), error, DM_ERROR_IO);

  /* The refused additions changed nothing: one tensor, one key. */
  path = dm_test_tmp_path("refusals.safetensors");
  CHECK_OK(dm_safetensors_writer_write(w, path, &error), error);
  dm_safetensors_writer_free(w);
  DmSafetensors *st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (st) {
    CHECK(dm_safetensors_count(st) == 1 && dm_safetensors_metadata_count(st) == 1);
    CHECK(strcmp(dm_safetensors_metadata(st, "k"), "v") == 0);
    dm_safetensors_free(st);
  }
  remove(path);

  /* No tensors at all: a valid, empty file "{}" padded. */
  w = dm_safetensors_writer_new();
  CHECK_OK(dm_safetensors_writer_write(w, path, &error), error);
  dm_safetensors_writer_free(w);
  size_t size = 0;
  unsigned char *bytes = read_whole(path, &size);
  CHECK(size == 16 && read_le64(bytes) == 8 && memcmp(bytes + 8, "{}      ", 8) == 0);
  free(bytes);
  st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (st) CHECK(dm_safetensors_count(st) == 0 && dm_safetensors_metadata_count(st) == 0);
  dm_safetensors_free(st);
  remove(path);
}

int main(void) {
  check_round_trip();
  check_reference_layout();
  check_python_file();
  check_half_conversions();
  check_hostile_files();
  check_writer_refusals();
  return dm_test_result();
}
