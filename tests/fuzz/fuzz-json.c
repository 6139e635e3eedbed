/* libFuzzer target: dm_json_parse (the reader of safetensors headers) on
 * arbitrary bytes, and on the texts it accepts the promises of
 * io/json-reader.h: every string and key is valid UTF-8 of its stated
 * length, NUL-terminated, inside the string store; by_key is sorted and
 * holds every member; dm_json_object_get finds each key.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-json
 *   cp -r tests/fuzz/corpus/fuzz-json build-fuzz/corpus-json
 *   build-fuzz/tests/fuzz/fuzz-json -dict=tests/fuzz/json.dict -max_len=4096 \
 *       -max_total_time=300 build-fuzz/corpus-json
 *
 * A crash, leak or sanitizer report leaves the input as crash-<hash>;
 * replay it by passing that file as the only argument. */
#include <stdint.h>
#include <string.h>

#include "fuzz-check.h"
#include "io/json-reader.h"

/* The depth the safetensors reader allows, and one more to reach past it. */
#define MAX_DEPTH 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requires that bytes[0, length) is a decoded string of the document: in
 * its store (no larger than the text), NUL-terminated, valid UTF-8. */
static void check_string(const DmJsonDocument *doc, size_t text_size, const char *bytes,
                         size_t length) {
  FUZZ_REQUIRE(bytes >= doc->strings && bytes + length <= doc->strings + text_size);
  FUZZ_REQUIRE(bytes[length] == '\0' && dm_json_is_utf8(bytes, length));
  char excerpt[DM_JSON_EXCERPT_BYTES + 4];
  FUZZ_REQUIRE(strlen(dm_json_excerpt(bytes, length, excerpt)) <= DM_JSON_EXCERPT_BYTES + 3);
}

static int compare_keys(const DmJsonMember *a, const DmJsonMember *b) {
  size_t n = a->key_length < b->key_length ? a->key_length : b->key_length;
  int order = memcmp(a->key, b->key, n);
  if (order) return order;
  return (a->key_length > b->key_length) - (a->key_length < b->key_length);
}

static void check_value(const DmJsonDocument *doc, size_t text_size, const DmJsonValue *value,
                        int depth) {
  FUZZ_REQUIRE(value->offset < text_size);
  switch (value->type) {
  case DM_JSON_STRING:
    check_string(doc, text_size, value->string, value->length);
    break;
  case DM_JSON_INTEGER:
    break;
  case DM_JSON_ARRAY:
    FUZZ_REQUIRE(depth < MAX_DEPTH);
    for (size_t i = 0; i < value->count; i++)
      check_value(doc, text_size, &value->items[i], depth + 1);
    break;
  case DM_JSON_OBJECT:
    FUZZ_REQUIRE(depth < MAX_DEPTH);
    for (size_t i = 0; i < value->count; i++) {
      const DmJsonMember *member = &value->members[i];
      check_string(doc, text_size, member->key, member->key_length);
      check_value(doc, text_size, &member->value, depth + 1);
      FUZZ_REQUIRE(i == 0 || compare_keys(value->by_key[i - 1], value->by_key[i]) < 0);
      /* dm_json_object_get compares NUL-terminated keys. */
      FUZZ_REQUIRE(strlen(member->key) != member->key_length ||
                   dm_json_object_get(value, member->key) == &member->value);
    }
    for (size_t i = 0; i < value->count; i++)
      FUZZ_REQUIRE(value->by_key[i] >= value->members &&
                   value->by_key[i] < value->members + value->count);
    break;
  default:
    FUZZ_REQUIRE(!"a known type");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DmError *error = NULL;
  DmJsonDocument *doc = dm_json_parse((const char *)data, size, MAX_DEPTH, &error);
  if (doc)
    check_value(doc, size, &doc->root, 0);
  else
    FUZZ_REQUIRE(error && error->message[0]);
  dm_json_free(doc);
  dm_error_free(error);
  return 0;
}
