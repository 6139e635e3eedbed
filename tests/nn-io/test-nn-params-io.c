/* Parameter sets through safetensors files: bit-exact float32 round trips,
 * half precision rounding exactly as dm_f32_to_f16, PyTorch's shapes both
 * ways, and files with missing, extra, misshapen or non-float tensors
 * refused with the set left as it was. */
#include <stdint.h>

#include "darkmap/nn-params.h"
#include "darkmap/nn.h"
#include "darkmap/safetensors.h"
#include "test-util.h"

/* The test set: names, shapes, and the file shapes PyTorch gives them. */
static const struct {
  const char *name;
  bool trainable;
  int64_t shape[4];
  int file_ndim;
  int64_t file_shape[4];
} layout[] = {
    {"stem.weight", true, {4, 3, 3, 3}, 4, {4, 3, 3, 3}},
    {"stem.bias", true, {4, 1, 1, 1}, 1, {4}},
    {"head.weight", true, {1, 4, 1, 1}, 4, {1, 4, 1, 1}},   /* a 1x1 convolution */
    {"norm.running_mean", false, {4, 1, 1, 1}, 1, {4}},     /* a buffer */
    {"linear.weight", true, {5, 4, 1, 1}, 4, {5, 4, 1, 1}}, /* PyTorch's [5, 4] also loads */
};
enum { N_TENSORS = sizeof layout / sizeof layout[0] };

static DmNnParams *make_set(DmNn *nn, uint64_t seed) {
  DmNnParams *params = dm_nn_params_new(nn);
  for (int i = 0; i < N_TENSORS; i++) {
    DmTensor *t = dm_nn_params_add(params, layout[i].name, layout[i].trainable,
                                   layout[i].shape[0], layout[i].shape[1], layout[i].shape[2],
                                   layout[i].shape[3]);
    if (seed) dm_tensor_fill_normal(t, seed, (uint64_t)i, 0.0f, 1.0f);
    else dm_tensor_fill(t, 0.0f);
  }
  return params;
}

static size_t total_count(const DmNnParams *params) {
  size_t total = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++)
    total += (size_t)dm_tensor_numel(dm_nn_params_tensor(params, i));
  return total;
}

/* Every value of the set, back to back in set order (malloc'ed). */
static float *snapshot(const DmNnParams *params) {
  float *values = malloc(total_count(params) * sizeof *values);
  size_t offset = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    const DmTensor *t = dm_nn_params_tensor(params, i);
    size_t n = (size_t)dm_tensor_numel(t);
    CHECK(dm_tensor_download(t, values + offset, n));
    offset += n;
  }
  return values;
}

/* Whether the set holds exactly these values, bit for bit. */
static bool holds(const DmNnParams *params, const float *expected) {
  float *values = snapshot(params);
  bool same = memcmp(values, expected, total_count(params) * sizeof *values) == 0;
  free(values);
  return same;
}

/* Puts special values (signed zero, subnormal, infinities, NaN) at the
 * start of the first tensor. */
static void plant_special_values(DmNnParams *params) {
  DmTensor *t = dm_nn_params_tensor(params, 0);
  size_t n = (size_t)dm_tensor_numel(t);
  float *values = malloc(n * sizeof *values);
  CHECK(dm_tensor_download(t, values, n));
  const float special[] = {-0.0f, 1e-40f, INFINITY, -INFINITY, NAN, 65520.0f, 0x1p-25f};
  memcpy(values, special, sizeof special);
  CHECK(dm_tensor_upload(t, values, n));
  free(values);
}

static void check_float32_round_trip(DmNn *nn) {
  DmError *error = NULL;
  DmNnParams *source = make_set(nn, 11);
  plant_special_values(source);
  const DmNnMetadata metadata[] = {{"arch", "test"}, {"note", "round trip"}};
  const char *path = dm_test_tmp_path("params.safetensors");
  CHECK_OK(dm_nn_params_save(source, path, metadata, 2, false, &error), error);
  CHECK(dm_test_count_temporaries(path) == 0);

  /* The file: every tensor F32 under its name with PyTorch's shape. */
  DmSafetensors *st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (st) {
    CHECK(dm_safetensors_count(st) == N_TENSORS);
    for (int i = 0; i < N_TENSORS; i++) {
      const DmStTensorInfo *info = dm_safetensors_find(st, layout[i].name);
      CHECK(info && info->dtype == DM_ST_F32 && info->ndim == layout[i].file_ndim);
      for (int d = 0; info && d < info->ndim; d++)
        CHECK(info->shape[d] == layout[i].file_shape[d]);
    }
    CHECK(strcmp(dm_safetensors_metadata(st, "note"), "round trip") == 0);
    dm_safetensors_free(st);
  }

  DmNnParams *target = make_set(nn, 0);
  CHECK_OK(dm_nn_params_load(target, path, true, &error), error);
  float *expected = snapshot(source);
  CHECK(holds(target, expected));
  free(expected);
  dm_nn_params_free(target);
  dm_nn_params_free(source);
  remove(path);
}

static void check_half_round_trip(DmNn *nn) {
  DmError *error = NULL;
  DmNnParams *source = make_set(nn, 12);
  plant_special_values(source);
  const char *path = dm_test_tmp_path("params-half.safetensors");
  CHECK_OK(dm_nn_params_save(source, path, NULL, 0, true, &error), error);
  DmSafetensors *st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (st) {
    for (int i = 0; i < dm_safetensors_count(st); i++)
      CHECK(dm_safetensors_info(st, i)->dtype == DM_ST_F16);
    dm_safetensors_free(st);
  }
  DmNnParams *target = make_set(nn, 0);
  CHECK_OK(dm_nn_params_load(target, path, true, &error), error);
  /* Each value is its float16 rounding, exactly. */
  float *expected = snapshot(source);
  size_t n = total_count(source);
  for (size_t k = 0; k < n; k++) expected[k] = dm_f16_to_f32(dm_f32_to_f16(expected[k]));
  float *loaded = snapshot(target);
  int mismatches = 0;
  for (size_t k = 0; k < n; k++)
    if (memcmp(&loaded[k], &expected[k], sizeof(float)) != 0 &&
        !(isnan(loaded[k]) && isnan(expected[k])))
      mismatches++;
  CHECK(mismatches == 0);
  CHECK(loaded[0] == 0.0f && signbit(loaded[0])); /* -0 */
  CHECK(loaded[1] == 0.0f);                        /* 1e-40 underflows */
  CHECK(isinf(loaded[2]) && loaded[2] > 0 && isinf(loaded[3]) && loaded[3] < 0);
  CHECK(isnan(loaded[4]));
  CHECK(isinf(loaded[5]));                         /* 65520 rounds to infinity */
  CHECK(loaded[6] == 0.0f);                        /* 2^-25: a tie, to even zero */
  free(expected);
  free(loaded);
  dm_nn_params_free(target);
  dm_nn_params_free(source);
  remove(path);
}

/* A file written tensor by tensor: every tensor of the layout with
 * PyTorch's shapes (the linear weight 2-D, as torch.nn.Linear has it) in
 * bfloat16, except `skip`, plus `extra` when not NULL; `bad` (when not
 * NULL) gets bad_shape or, with bad_dtype, that dtype. */
typedef struct {
  const char *skip;
  const char *extra;
  const char *bad;
  int bad_ndim;
  int64_t bad_shape[4];
  bool bad_dtype;
} FileVariant;

static void write_variant(const char *path, const FileVariant *v, uint16_t value_bits) {
  DmError *error = NULL;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  static uint16_t data[256];
  for (int k = 0; k < 256; k++) data[k] = value_bits;
  for (int i = 0; i < N_TENSORS; i++) {
    const char *name = layout[i].name;
    if (v->skip && strcmp(name, v->skip) == 0) continue;
    int ndim = layout[i].file_ndim;
    const int64_t *shape = layout[i].file_shape;
    const int64_t linear[2] = {5, 4};
    if (strcmp(name, "linear.weight") == 0) {
      ndim = 2;
      shape = linear;
    }
    DmStDtype dtype = DM_ST_BF16;
    if (v->bad && strcmp(name, v->bad) == 0) {
      if (v->bad_dtype) dtype = DM_ST_I32;
      else {
        ndim = v->bad_ndim;
        shape = v->bad_shape;
      }
    }
    CHECK_OK(dm_safetensors_writer_add(w, name, dtype, ndim, shape, data, &error), error);
  }
  if (v->extra) {
    const int64_t one = 1;
    CHECK_OK(dm_safetensors_writer_add(w, v->extra, DM_ST_BF16, 1, &one, data, &error), error);
  }
  CHECK_OK(dm_safetensors_writer_write(w, path, &error), error);
  dm_safetensors_writer_free(w);
}

static void check_pytorch_shapes_and_bfloat16(DmNn *nn) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("params-torch.safetensors");
  FileVariant plain = {0};
  write_variant(path, &plain, 0x3fc0); /* 1.5 */
  DmNnParams *target = make_set(nn, 0);
  CHECK_OK(dm_nn_params_load(target, path, true, &error), error);
  float *values = snapshot(target);
  int wrong = 0;
  for (size_t k = 0; k < total_count(target); k++) wrong += values[k] != 1.5f;
  CHECK(wrong == 0);
  free(values);

  /* Extra tensors: refused when strict, ignored otherwise. */
  FileVariant extra = {.extra = "unused.weight"};
  write_variant(path, &extra, 0xc000); /* -2 */
  float *before = snapshot(target);
  CHECK_FAILS(dm_nn_params_load(target, path, true, &error), error, DM_ERROR_FORMAT);
  CHECK(holds(target, before));
  CHECK_OK(dm_nn_params_load(target, path, false, &error), error);
  values = snapshot(target);
  wrong = 0;
  for (size_t k = 0; k < total_count(target); k++) wrong += values[k] != -2.0f;
  CHECK(wrong == 0);
  free(values);
  free(before);
  dm_nn_params_free(target);
  remove(path);
}

/* Refused files: the bad tensor comes last in the set's order, so that a
 * loader that changed tensors before checking all of them would show. */
static void check_refusals(DmNn *nn) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("params-bad.safetensors");
  DmNnParams *target = make_set(nn, 13);
  float *before = snapshot(target);
  const char *last = layout[N_TENSORS - 1].name;

  const struct {
    FileVariant variant;
    DmErrorCode code;
    const char *fragment;
  } cases[] = {
      {{.skip = "linear.weight"}, DM_ERROR_NOT_FOUND, "no tensor \"linear.weight\""},
      {{.bad = "linear.weight", .bad_ndim = 2, .bad_shape = {4, 5}}, DM_ERROR_FORMAT,
       "Tensor \"linear.weight\" has shape [4, 5] in the file, [5, 4, 1, 1] in the network"},
      {{.bad = "linear.weight", .bad_ndim = 1, .bad_shape = {20}}, DM_ERROR_FORMAT,
       "has shape [20]"},
      {{.bad = "linear.weight", .bad_ndim = 3, .bad_shape = {5, 1, 4}}, DM_ERROR_FORMAT,
       "has shape [5, 1, 4]"},
      {{.bad = "linear.weight", .bad_dtype = true}, DM_ERROR_FORMAT, "not floating-point"},
      {{.extra = "stray"}, DM_ERROR_FORMAT, "tensor \"stray\", which the network does not have"},
  };
  CHECK(strcmp(last, "linear.weight") == 0);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    write_variant(path, &cases[c].variant, 0x4000);
    bool loaded = dm_nn_params_load(target, path, true, &error);
    CHECK(!loaded);
    CHECK(error && error->code == cases[c].code && strstr(error->message, cases[c].fragment));
    if (error) printf("expected failure: %s\n", error->message);
    dm_error_clear(&error);
    CHECK(holds(target, before));
  }

  /* A damaged file, and none at all. */
  FileVariant plain = {0};
  write_variant(path, &plain, 0x4000);
  CHECK(truncate(path, 100) == 0);
  CHECK_FAILS(dm_nn_params_load(target, path, true, &error), error, DM_ERROR_FORMAT);
  CHECK(holds(target, before));
  remove(path);
  CHECK_FAILS(dm_nn_params_load(target, path, true, &error), error, DM_ERROR_NOT_FOUND);
  CHECK(holds(target, before));

  /* Saving where no file can be written. */
  CHECK_FAILS(dm_nn_params_save(target, "/nonexistent-darkmap-dir/p.safetensors", NULL, 0, false,
                                &error),
              error, DM_ERROR_IO);
  free(before);
  dm_nn_params_free(target);
}

int main(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  if (!nn) return dm_test_result();
  check_float32_round_trip(nn);
  check_half_round_trip(nn);
  check_pytorch_shapes_and_bfloat16(nn);
  check_refusals(nn);
  CHECK(dm_nn_ok(nn));
  dm_nn_free(nn);
  return dm_test_result();
}
