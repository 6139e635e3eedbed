/* Reading safetensors files with strict validation (darkmap/safetensors.h).
 *
 * The header and the byte buffer are kept apart: the buffer is its own
 * allocation, so that its start is aligned for every dtype and tensors whose
 * offsets are multiples of their element size (as writers lay them out) can
 * be read in place.  Every tensor name and metadata string comes from the
 * strict JSON reader (io/json-reader.h), hence is valid UTF-8; the checks
 * here add what the format requires of the values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "darkmap/memory-budget.h"
#include "darkmap/safetensors.h"
#include "io/json-reader.h"
#include "io/safetensors-dtype.h"

/* The header object, a tensor's object, its shape array. */
#define ST_JSON_DEPTH 3

struct DmSafetensors {
  unsigned char *buffer;     /* the tensors' bytes (buffer_size; malloc'ed); NULL when only
                                the header was read */
  size_t buffer_size;
  DmStTensorInfo *tensors;   /* n_tensors, in header order; names owned here */
  int n_tensors;
  const DmStTensorInfo **by_name; /* n_tensors pointers into tensors, sorted by name */
  char **metadata_keys;      /* n_metadata each, in header order; owned */
  char **metadata_values;
  int n_metadata;
};

void dm_safetensors_free(DmSafetensors *st) {
  if (!st) return;
  for (int i = 0; i < st->n_tensors; i++) free((char *)st->tensors[i].name);
  for (int i = 0; i < st->n_metadata; i++) {
    free(st->metadata_keys[i]);
    free(st->metadata_values[i]);
  }
  free(st->tensors);
  free(st->by_name);
  free(st->metadata_keys);
  free(st->metadata_values);
  free(st->buffer);
  free(st);
}

/* ---- metadata ----------------------------------------------------------- */

/* Copies the __metadata__ strings out of the JSON object. */
static bool read_metadata(DmSafetensors *st, const DmJsonValue *object, DmError **error) {
  if (object->type != DM_JSON_OBJECT)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "__metadata__ is not an object");
  if (object->count == 0) return true;
  if (object->count > INT32_MAX)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "__metadata__ has too many entries");
  st->metadata_keys = calloc(object->count, sizeof *st->metadata_keys);
  st->metadata_values = calloc(object->count, sizeof *st->metadata_values);
  if (!st->metadata_keys || !st->metadata_values)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading __metadata__");
  for (size_t i = 0; i < object->count; i++) {
    const DmJsonMember *m = &object->members[i];
    char key[DM_JSON_EXCERPT_BYTES + 4];
    dm_json_excerpt(m->key, m->key_length, key);
    if (m->value.type != DM_JSON_STRING)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "__metadata__ value of \"%s\" is not a string", key);
    if (strlen(m->key) != m->key_length || strlen(m->value.string) != m->value.length)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "__metadata__ entry \"%s\" contains a NUL character", key);
    char *key_copy = strdup(m->key), *value_copy = strdup(m->value.string);
    if (!key_copy || !value_copy) {
      free(key_copy);
      free(value_copy);
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading __metadata__");
    }
    st->metadata_keys[st->n_metadata] = key_copy;
    st->metadata_values[st->n_metadata] = value_copy;
    st->n_metadata++;
  }
  return true;
}

/* ---- one tensor --------------------------------------------------------- */

/* A JSON integer array of at most max items into out; *n its length. */
static bool integer_array(const DmJsonValue *value, int max, uint64_t *out, int *n) {
  if (value->type != DM_JSON_ARRAY || value->count > (size_t)max) return false;
  for (size_t i = 0; i < value->count; i++) {
    if (value->items[i].type != DM_JSON_INTEGER) return false;
    out[i] = value->items[i].integer;
  }
  *n = (int)value->count;
  return true;
}

/* Validates one tensor's entry against the buffer's size, into *info
 * (whose name the caller sets). */
static bool read_tensor_info(const DmJsonValue *entry, const char *name, size_t buffer_size,
                             DmStTensorInfo *info, DmError **error) {
  if (entry->type != DM_JSON_OBJECT)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "Tensor \"%s\": its entry is not an object",
                        name);
  for (size_t i = 0; i < entry->count; i++) {
    const char *key = entry->members[i].key;
    if (strcmp(key, "dtype") != 0 && strcmp(key, "shape") != 0 &&
        strcmp(key, "data_offsets") != 0) {
      char excerpt[DM_JSON_EXCERPT_BYTES + 4];
      dm_json_excerpt(key, entry->members[i].key_length, excerpt);
      return dm_error_set(error, DM_ERROR_FORMAT, 0, "Tensor \"%s\": unknown field \"%s\"",
                          name, excerpt);
    }
  }

  const DmJsonValue *dtype = dm_json_object_get(entry, "dtype");
  if (!dtype || dtype->type != DM_JSON_STRING)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "Tensor \"%s\" has no dtype string", name);
  if (!dm_st_dtype_from_name(dtype->string, dtype->length, &info->dtype)) {
    char excerpt[DM_JSON_EXCERPT_BYTES + 4];
    dm_json_excerpt(dtype->string, dtype->length, excerpt);
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\" has dtype \"%s\"; F32, F16, BF16, F64, I64, I32 and U8 "
                        "are supported",
                        name, excerpt);
  }

  const DmJsonValue *shape = dm_json_object_get(entry, "shape");
  uint64_t dims[DM_ST_MAX_DIMS];
  if (!shape) return dm_error_set(error, DM_ERROR_FORMAT, 0, "Tensor \"%s\" has no shape", name);
  if (!integer_array(shape, DM_ST_MAX_DIMS, dims, &info->ndim))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\": the shape is not an array of at most %d non-negative "
                        "integers",
                        name, DM_ST_MAX_DIMS);
  /* The byte count, refusing a product that overflows on the way (a zero
   * dimension anywhere makes it zero, whatever the others are). */
  bool overflow = false, empty = false;
  uint64_t nbytes = dm_st_dtype_size(info->dtype);
  for (int d = 0; d < info->ndim; d++) {
    if (dims[d] > (uint64_t)INT64_MAX)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "Tensor \"%s\": dimension %d (%llu) is too large", name, d,
                          (unsigned long long)dims[d]);
    info->shape[d] = (int64_t)dims[d];
    if (dims[d] == 0)
      empty = true;
    else if (nbytes > SIZE_MAX / dims[d])
      overflow = true;
    else
      nbytes *= dims[d];
  }
  if (empty) nbytes = 0;
  if (overflow && !empty)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\": the element count of its shape overflows", name);

  const DmJsonValue *offsets = dm_json_object_get(entry, "data_offsets");
  uint64_t range[2];
  int n_range = 0;
  if (!offsets || !integer_array(offsets, 2, range, &n_range) || n_range != 2)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\": data_offsets is not a pair of integers", name);
  if (range[0] > range[1])
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\": data_offsets [%llu, %llu] end before they begin", name,
                        (unsigned long long)range[0], (unsigned long long)range[1]);
  if (range[1] > buffer_size)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\": data_offsets [%llu, %llu] run past the end of the "
                        "data (%zu bytes)",
                        name, (unsigned long long)range[0], (unsigned long long)range[1],
                        buffer_size);
  if (range[1] - range[0] != nbytes)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\": its shape of %s needs %llu bytes but data_offsets "
                        "[%llu, %llu] hold %llu",
                        name, dm_st_dtype_name(info->dtype), (unsigned long long)nbytes,
                        (unsigned long long)range[0], (unsigned long long)range[1],
                        (unsigned long long)(range[1] - range[0]));
  info->offset = (size_t)range[0];
  info->nbytes = (size_t)nbytes;
  return true;
}

/* ---- the whole header --------------------------------------------------- */

static int compare_extent(const void *a, const void *b) {
  const DmStTensorInfo *x = *(const DmStTensorInfo *const *)a;
  const DmStTensorInfo *y = *(const DmStTensorInfo *const *)b;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  return (x->nbytes > y->nbytes) - (x->nbytes < y->nbytes);
}

static int compare_name(const void *a, const void *b) {
  return strcmp((*(const DmStTensorInfo *const *)a)->name,
                (*(const DmStTensorInfo *const *)b)->name);
}

/* The tensors must tile the buffer: back to back from its start to its end,
 * with neither holes nor overlaps.  Sorts order (every tensor) by extent. */
static bool check_tiling(const DmSafetensors *st, const DmStTensorInfo **order,
                         DmError **error) {
  qsort(order, (size_t)st->n_tensors, sizeof *order, compare_extent);
  size_t covered = 0;
  const char *previous = NULL;
  for (int k = 0; k < st->n_tensors; k++) {
    const DmStTensorInfo *t = order[k];
    char name[DM_JSON_EXCERPT_BYTES + 4], other[DM_JSON_EXCERPT_BYTES + 4];
    dm_json_excerpt(t->name, strlen(t->name), name);
    if (t->offset > covered)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "Bytes %zu to %zu of the data belong to no tensor (a hole before "
                          "tensor \"%s\")",
                          covered, t->offset, name);
    if (t->offset < covered)
      return dm_error_set(error, DM_ERROR_FORMAT, 0, "Tensors \"%s\" and \"%s\" overlap",
                          dm_json_excerpt(previous, strlen(previous), other), name);
    covered = t->offset + t->nbytes;
    previous = t->name;
  }
  if (covered != st->buffer_size)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "The last %zu bytes of the data belong to no tensor",
                        st->buffer_size - covered);
  return true;
}

/* Fills st's tensors and metadata from the header's JSON object. */
static bool read_header(DmSafetensors *st, const DmJsonValue *root, DmError **error) {
  if (root->type != DM_JSON_OBJECT)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "The header is not a JSON object");
  if (root->count > INT32_MAX)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "The header has too many entries");
  st->tensors = calloc(root->count ? root->count : 1, sizeof *st->tensors);
  st->by_name = calloc(root->count ? root->count : 1, sizeof *st->by_name);
  if (!st->tensors || !st->by_name)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading the header");
  for (size_t i = 0; i < root->count; i++) {
    const DmJsonMember *m = &root->members[i];
    if (strcmp(m->key, "__metadata__") == 0 && m->key_length == strlen("__metadata__")) {
      if (!read_metadata(st, &m->value, error)) return false;
      continue;
    }
    char name[DM_JSON_EXCERPT_BYTES + 4];
    dm_json_excerpt(m->key, m->key_length, name);
    if (m->key_length == 0)
      return dm_error_set(error, DM_ERROR_FORMAT, 0, "A tensor has an empty name");
    if (strlen(m->key) != m->key_length)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "Tensor name \"%s\" contains a NUL character", name);
    DmStTensorInfo *info = &st->tensors[st->n_tensors];
    if (!read_tensor_info(&m->value, name, st->buffer_size, info, error)) return false;
    if (!(info->name = strdup(m->key)))
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading the header");
    st->by_name[st->n_tensors] = info;
    st->n_tensors++;
  }
  if (!check_tiling(st, st->by_name, error)) return false;
  qsort(st->by_name, (size_t)st->n_tensors, sizeof *st->by_name, compare_name);
  return true;
}

/* The header's length from its 8 little-endian bytes, checked against what
 * follows them (`available` bytes). */
static bool header_length(const unsigned char bytes[8], uint64_t available, uint64_t *length,
                          DmError **error) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | bytes[i];
  if (n > DM_ST_MAX_HEADER_BYTES)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "The header length %llu is over the 1 MiB limit",
                        (unsigned long long)n);
  if (n > available)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "The header length %llu runs past the end of the file (%llu bytes "
                        "follow it)",
                        (unsigned long long)n, (unsigned long long)available);
  *length = n;
  return true;
}

/* Builds the file object from its header text and its buffer (taken over,
 * freed on failure). */
static DmSafetensors *from_parts(const char *header, size_t header_size, unsigned char *buffer,
                                 size_t buffer_size, DmError **error) {
  DmSafetensors *st = calloc(1, sizeof *st);
  if (!st) {
    free(buffer);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading a safetensors file");
    return NULL;
  }
  st->buffer = buffer;
  st->buffer_size = buffer_size;
  DmJsonDocument *json = dm_json_parse(header, header_size, ST_JSON_DEPTH, error);
  bool ok = json && read_header(st, &json->root, error);
  dm_json_free(json);
  if (!ok) {
    dm_safetensors_free(st);
    return NULL;
  }
  return st;
}

static bool too_short(uint64_t size, DmError **error) {
  return dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "The file is %llu bytes long, too short for the 8-byte header length",
                      (unsigned long long)size);
}

DmSafetensors *dm_safetensors_parse(const void *bytes, size_t size, DmError **error) {
  const unsigned char *b = bytes;
  uint64_t length;
  DmSafetensors *st = NULL;
  if (size < 8)
    too_short(size, error);
  else if (header_length(b, size - 8, &length, error)) {
    size_t buffer_size = size - 8 - (size_t)length;
    unsigned char *buffer = malloc(buffer_size ? buffer_size : 1);
    if (!buffer)
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %zu bytes of tensors",
                   buffer_size);
    else {
      memcpy(buffer, b + 8 + length, buffer_size);
      st = from_parts((const char *)b + 8, (size_t)length, buffer, buffer_size, error);
    }
  }
  if (!st) dm_error_prefix(error, "Invalid safetensors data");
  return st;
}

/* Reads exactly n bytes into out, or fails naming path. */
static bool read_exactly(FILE *file, void *out, size_t n, const char *path, DmError **error) {
  if (n == 0 || fread(out, 1, n, file) == n) return true;
  if (ferror(file))
    return dm_error_set(error, DM_ERROR_IO, errno, "Cannot read %s: %s", path, strerror(errno));
  return dm_error_set(error, DM_ERROR_IO, 0, "%s became shorter while it was read", path);
}

/* Reads path's header and, with_tensors, its tensors' bytes. */
static DmSafetensors *read_file(const char *path, bool with_tensors, DmError **error) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    dm_error_set(error, errno == ENOENT ? DM_ERROR_NOT_FOUND : DM_ERROR_IO, errno,
                 "Cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  DmSafetensors *st = NULL;
  char *header = NULL;
  unsigned char *buffer = NULL;
  unsigned char length_bytes[8];
  uint64_t length;
  struct stat info;
  if (fstat(fileno(file), &info) != 0) {
    dm_error_set(error, DM_ERROR_IO, errno, "Cannot read %s: %s", path, strerror(errno));
    goto done;
  }
  if (!S_ISREG(info.st_mode)) {
    dm_error_set(error, DM_ERROR_IO, 0, "%s is not a regular file", path);
    goto done;
  }
  uint64_t size = (uint64_t)info.st_size;
  if (size < 8) {
    too_short(size, error);
    dm_error_prefix(error, "%s is not a valid safetensors file", path);
    goto done;
  }
  if (!read_exactly(file, length_bytes, 8, path, error)) goto done;
  if (!header_length(length_bytes, size - 8, &length, error)) {
    dm_error_prefix(error, "%s is not a valid safetensors file", path);
    goto done;
  }
  if (size - 8 - length > SIZE_MAX - 1) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "%s is too large to read", path);
    goto done;
  }
  size_t buffer_size = (size_t)(size - 8 - length);
  /* The file's size is the header's word too (it may be sparse). */
  if (!dm_memory_check(error, (double)buffer_size, "The tensors of %s (%zu bytes)", path,
                       buffer_size))
    goto done;
  header = malloc(length ? (size_t)length : 1);
  buffer = with_tensors ? malloc(buffer_size ? buffer_size : 1) : NULL;
  if (!header || (with_tensors && !buffer)) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
    goto done;
  }
  if (!read_exactly(file, header, (size_t)length, path, error) ||
      (with_tensors && !read_exactly(file, buffer, buffer_size, path, error)))
    goto done;
  st = from_parts(header, (size_t)length, buffer, buffer_size, error);
  buffer = NULL; /* taken over */
  if (!st) dm_error_prefix(error, "%s is not a valid safetensors file", path);
done:
  free(header);
  free(buffer);
  fclose(file);
  return st;
}

DmSafetensors *dm_safetensors_read(const char *path, DmError **error) {
  return read_file(path, true, error);
}

DmSafetensors *dm_safetensors_read_header(const char *path, DmError **error) {
  return read_file(path, false, error);
}

/* ---- access ------------------------------------------------------------- */

int dm_safetensors_count(const DmSafetensors *st) { return st->n_tensors; }

const DmStTensorInfo *dm_safetensors_info(const DmSafetensors *st, int i) {
  return i >= 0 && i < st->n_tensors ? &st->tensors[i] : NULL;
}

size_t dm_safetensors_numel(const DmStTensorInfo *info) {
  return info->nbytes / dm_st_dtype_size(info->dtype);
}

const DmStTensorInfo *dm_safetensors_find(const DmSafetensors *st, const char *name) {
  int lo = 0, hi = st->n_tensors;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    const DmStTensorInfo *t = st->by_name[mid];
    int c = strcmp(name, t->name);
    if (c == 0) return t;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return NULL;
}

const void *dm_safetensors_data(const DmSafetensors *st, const DmStTensorInfo *info) {
  return st->buffer ? st->buffer + info->offset : NULL;
}

bool dm_safetensors_to_f32(const DmSafetensors *st, const DmStTensorInfo *info, float *out,
                           size_t count, DmError **error) {
  size_t n = info->nbytes / dm_st_dtype_size(info->dtype);
  char name[DM_JSON_EXCERPT_BYTES + 4];
  dm_json_excerpt(info->name, strlen(info->name), name);
  if (count != n)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tensor \"%s\" has %zu elements, not %zu", name, n, count);
  if (!st->buffer)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tensor \"%s\" was not read: only the file's header was", name);
  const unsigned char *src = st->buffer + info->offset;
  switch (info->dtype) {
  case DM_ST_F32:
    memcpy(out, src, n * sizeof *out);
    return true;
  case DM_ST_F16:
  case DM_ST_BF16:
    for (size_t i = 0; i < n; i++) {
      uint16_t h;
      memcpy(&h, src + 2 * i, sizeof h);
      out[i] = info->dtype == DM_ST_F16 ? dm_f16_to_f32(h) : dm_bf16_to_f32(h);
    }
    return true;
  case DM_ST_F64:
    for (size_t i = 0; i < n; i++) {
      double x;
      memcpy(&x, src + 8 * i, sizeof x);
      out[i] = (float)x;
    }
    return true;
  case DM_ST_I64:
  case DM_ST_I32:
  case DM_ST_U8:
    break;
  }
  return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "Tensor \"%s\" is %s, not a floating-point dtype", name,
                      dm_st_dtype_name(info->dtype));
}

const char *dm_safetensors_metadata(const DmSafetensors *st, const char *key) {
  for (int i = 0; i < st->n_metadata; i++)
    if (strcmp(st->metadata_keys[i], key) == 0) return st->metadata_values[i];
  return NULL;
}

int dm_safetensors_metadata_count(const DmSafetensors *st) { return st->n_metadata; }

const char *dm_safetensors_metadata_key(const DmSafetensors *st, int i) {
  return i >= 0 && i < st->n_metadata ? st->metadata_keys[i] : NULL;
}
