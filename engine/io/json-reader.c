/* The strict JSON reader of io/json-reader.h: recursive descent with a
 * depth limit, decoding strings as it goes into one store.  Memory stays a
 * small multiple of the text: strings take no more room than their source,
 * values are 40 bytes, and containers are trimmed to their size when they
 * close. */
#include "io/json-reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const unsigned char *text;
  size_t length;
  size_t pos;
  int max_depth;
  char *strings;        /* the document's string store: length + 1 bytes */
  size_t strings_used;
  DmError **error;
} Parser;

static bool parse_value(Parser *p, DmJsonValue *value, int depth);

/* Describes the byte at pos ("'x'", "byte 0x80" or "the end") into out. */
static const char *describe_byte(const Parser *p, char out[16]) {
  if (p->pos >= p->length) return "the end of the text";
  unsigned char c = p->text[p->pos];
  if (c >= 0x20 && c < 0x7f)
    snprintf(out, 16, "'%c'", c);
  else
    snprintf(out, 16, "byte 0x%02x", c);
  return out;
}

static bool fail(Parser *p, size_t offset, const char *problem) {
  return dm_error_set(p->error, DM_ERROR_FORMAT, 0, "Malformed JSON: %s at byte %zu", problem,
                      offset);
}

static bool fail_unexpected(Parser *p, const char *expected) {
  char byte[16];
  return dm_error_set(p->error, DM_ERROR_FORMAT, 0,
                      "Malformed JSON: expected %s, found %s at byte %zu", expected,
                      describe_byte(p, byte), p->pos);
}

static bool fail_memory(Parser *p) {
  return dm_error_set(p->error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading JSON");
}

static void skip_whitespace(Parser *p) {
  while (p->pos < p->length) {
    unsigned char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

/* ---- strings ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0, available), or 0 when it is
 * not one (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF). */
static size_t utf8_sequence_length(const unsigned char *s, size_t available) {
  unsigned char c = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (available < n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  return n;
}

static size_t encode_utf8(uint32_t code, unsigned char *out) {
  if (code < 0x80) {
    out[0] = (unsigned char)code;
    return 1;
  }
  if (code < 0x800) {
    out[0] = (unsigned char)(0xc0 | (code >> 6));
    out[1] = (unsigned char)(0x80 | (code & 0x3f));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = (unsigned char)(0xe0 | (code >> 12));
    out[1] = (unsigned char)(0x80 | ((code >> 6) & 0x3f));
    out[2] = (unsigned char)(0x80 | (code & 0x3f));
    return 3;
  }
  out[0] = (unsigned char)(0xf0 | (code >> 18));
  out[1] = (unsigned char)(0x80 | ((code >> 12) & 0x3f));
  out[2] = (unsigned char)(0x80 | ((code >> 6) & 0x3f));
  out[3] = (unsigned char)(0x80 | (code & 0x3f));
  return 4;
}

/* The four hex digits of a \u escape whose 'u' is at pos - 1. */
static bool parse_hex4(Parser *p, uint32_t *code) {
  if (p->length - p->pos < 4) return fail(p, p->pos, "truncated \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = p->text[p->pos + (size_t)i];
    uint32_t digit;
    if (c >= '0' && c <= '9')
      digit = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = (uint32_t)(c - 'A' + 10);
    else
      return fail(p, p->pos + (size_t)i, "invalid hex digit in \\u escape");
    v = v << 4 | digit;
  }
  p->pos += 4;
  *code = v;
  return true;
}

/* One escape after a backslash at pos - 1, appended to out[*n]. */
static bool parse_escape(Parser *p, unsigned char *out, size_t *n) {
  size_t start = p->pos - 1;
  if (p->pos >= p->length) return fail(p, start, "unterminated string");
  unsigned char c = p->text[p->pos++];
  static const char simple[] = "\"\\/bfnrt";
  static const char decoded[] = "\"\\/\b\f\n\r\t";
  const char *hit = c ? strchr(simple, c) : NULL;
  if (hit) {
    out[(*n)++] = (unsigned char)decoded[hit - simple];
    return true;
  }
  if (c != 'u') return fail(p, start, "invalid escape in string");
  uint32_t code;
  if (!parse_hex4(p, &code)) return false;
  if (code >= 0xdc00 && code <= 0xdfff)
    return fail(p, start, "unpaired low surrogate in \\u escape");
  if (code >= 0xd800 && code <= 0xdbff) {
    uint32_t low;
    if (p->length - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
      return fail(p, start, "unpaired high surrogate in \\u escape");
    p->pos += 2;
    if (!parse_hex4(p, &low)) return false;
    if (low < 0xdc00 || low > 0xdfff)
      return fail(p, start, "unpaired high surrogate in \\u escape");
    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
  }
  *n += encode_utf8(code, out + *n);
  return true;
}

/* A string at pos (on its opening quote), decoded into the string store:
 * *out (NUL-terminated) and *out_length.  The decoded bytes and their NUL
 * never outnumber the source's bytes with its quotes, so the store, as long
 * as the text, holds every string. */
static bool parse_string(Parser *p, const char **out, size_t *out_length) {
  size_t start = p->pos++;
  size_t end = p->pos;
  while (end < p->length && p->text[end] != '"') end += p->text[end] == '\\' ? 2 : 1;
  if (end >= p->length) return fail(p, start, "unterminated string");
  unsigned char *buffer = (unsigned char *)p->strings + p->strings_used;
  size_t n = 0;
  while (p->text[p->pos] != '"') {
    unsigned char c = p->text[p->pos];
    if (c == '\\') {
      p->pos++;
      if (!parse_escape(p, buffer, &n)) return false;
    } else if (c < 0x20) {
      return fail(p, p->pos, "control character in string");
    } else {
      size_t k = utf8_sequence_length(p->text + p->pos, end - p->pos);
      if (k == 0) return fail(p, p->pos, "invalid UTF-8 in string");
      memcpy(buffer + n, p->text + p->pos, k);
      n += k;
      p->pos += k;
    }
  }
  p->pos++; /* the closing quote */
  buffer[n] = '\0';
  p->strings_used += n + 1;
  *out = (const char *)buffer;
  *out_length = n;
  return true;
}

/* ---- numbers ------------------------------------------------------------ */

static bool parse_integer(Parser *p, uint64_t *out) {
  size_t start = p->pos;
  uint64_t v = 0;
  while (p->pos < p->length && p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
    uint64_t digit = (uint64_t)(p->text[p->pos] - '0');
    if (v > (UINT64_MAX - digit) / 10) return fail(p, start, "integer does not fit in 64 bits");
    v = v * 10 + digit;
    p->pos++;
  }
  if (p->pos - start > 1 && p->text[start] == '0') return fail(p, start, "integer with a leading zero");
  if (p->pos < p->length &&
      (p->text[p->pos] == '.' || p->text[p->pos] == 'e' || p->text[p->pos] == 'E'))
    return fail(p, start, "only non-negative integers are supported, not fractions or exponents");
  *out = v;
  return true;
}

/* ---- containers --------------------------------------------------------- */

static void free_value_contents(DmJsonValue *value) {
  if (value->type == DM_JSON_ARRAY) {
    for (size_t i = 0; i < value->count; i++) free_value_contents(&value->items[i]);
    free(value->items);
  } else if (value->type == DM_JSON_OBJECT) {
    for (size_t i = 0; i < value->count; i++) free_value_contents(&value->members[i].value);
    free(value->members);
    free(value->by_key);
  }
}

/* Grows *array (of element_size bytes each) to hold count + 1 elements. */
static bool reserve(Parser *p, void **array, size_t *capacity, size_t count, size_t element_size) {
  if (count < *capacity) return true;
  size_t grown = *capacity ? 2 * *capacity : 2;
  if (grown > SIZE_MAX / element_size) return fail_memory(p);
  void *bigger = realloc(*array, grown * element_size);
  if (!bigger) return fail_memory(p);
  *array = bigger;
  *capacity = grown;
  return true;
}

/* Gives back an array's unused capacity (keeping it when realloc fails). */
static void trim(void **array, size_t count, size_t capacity, size_t element_size) {
  if (count == capacity) return;
  void *smaller = realloc(*array, count * element_size);
  if (smaller) *array = smaller;
}

static bool parse_array(Parser *p, DmJsonValue *value, int depth) {
  size_t capacity = 0;
  p->pos++; /* '[' */
  skip_whitespace(p);
  if (p->pos < p->length && p->text[p->pos] == ']') {
    p->pos++;
    return true;
  }
  for (;;) {
    if (!reserve(p, (void **)&value->items, &capacity, value->count, sizeof *value->items))
      return false;
    /* Counted at once and zeroed (an empty object), so that a failure
     * frees what it holds and nothing else. */
    DmJsonValue *item = &value->items[value->count++];
    memset(item, 0, sizeof *item);
    if (!parse_value(p, item, depth)) return false;
    skip_whitespace(p);
    if (p->pos < p->length && p->text[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->length && p->text[p->pos] == ']') {
      p->pos++;
      trim((void **)&value->items, value->count, capacity, sizeof *value->items);
      return true;
    }
    return fail_unexpected(p, "',' or ']' in array");
  }
}

static int compare_members(const void *a, const void *b) {
  const DmJsonMember *x = *(const DmJsonMember *const *)a, *y = *(const DmJsonMember *const *)b;
  size_t n = x->key_length < y->key_length ? x->key_length : y->key_length;
  int c = memcmp(x->key, y->key, n);
  if (c) return c;
  return (x->key_length > y->key_length) - (x->key_length < y->key_length);
}

/* Sorts the members into by_key and refuses duplicate keys. */
static bool index_members(Parser *p, DmJsonValue *value) {
  if (value->count == 0) return true;
  value->by_key = malloc(value->count * sizeof *value->by_key);
  if (!value->by_key) return fail_memory(p);
  for (size_t i = 0; i < value->count; i++) value->by_key[i] = &value->members[i];
  qsort(value->by_key, value->count, sizeof *value->by_key, compare_members);
  for (size_t i = 1; i < value->count; i++)
    if (compare_members(&value->by_key[i - 1], &value->by_key[i]) == 0) {
      char excerpt[DM_JSON_EXCERPT_BYTES + 4];
      const DmJsonMember *m = value->by_key[i];
      return dm_error_set(p->error, DM_ERROR_FORMAT, 0,
                          "Malformed JSON: duplicate key \"%s\" in the object at byte %zu",
                          dm_json_excerpt(m->key, m->key_length, excerpt), value->offset);
    }
  return true;
}

static bool parse_object(Parser *p, DmJsonValue *value, int depth) {
  size_t capacity = 0;
  p->pos++; /* '{' */
  skip_whitespace(p);
  if (p->pos < p->length && p->text[p->pos] == '}') {
    p->pos++;
    return true;
  }
  for (;;) {
    skip_whitespace(p);
    if (p->pos >= p->length || p->text[p->pos] != '"') return fail_unexpected(p, "a string key");
    if (!reserve(p, (void **)&value->members, &capacity, value->count, sizeof *value->members))
      return false;
    /* Counted at once and zeroed (an empty object), so that a failure
     * frees what its value holds and nothing else. */
    DmJsonMember *member = &value->members[value->count++];
    memset(member, 0, sizeof *member);
    if (!parse_string(p, &member->key, &member->key_length)) return false;
    skip_whitespace(p);
    if (p->pos >= p->length || p->text[p->pos] != ':') return fail_unexpected(p, "':' after a key");
    p->pos++;
    if (!parse_value(p, &member->value, depth)) return false;
    skip_whitespace(p);
    if (p->pos < p->length && p->text[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->length && p->text[p->pos] == '}') {
      p->pos++;
      trim((void **)&value->members, value->count, capacity, sizeof *value->members);
      return index_members(p, value);
    }
    return fail_unexpected(p, "',' or '}' in object");
  }
}

/* A value at pos into *value, which the caller zeroed (an empty object);
 * on failure what was built stays in *value for the caller to free. */
static bool parse_value(Parser *p, DmJsonValue *value, int depth) {
  skip_whitespace(p);
  value->offset = p->pos;
  if (p->pos >= p->length) return fail(p, p->pos, "unexpected end of the text");
  unsigned char c = p->text[p->pos];
  if (c == '{' || c == '[') {
    if (depth >= p->max_depth) {
      char problem[64];
      snprintf(problem, sizeof problem, "nested deeper than %d levels", p->max_depth);
      return fail(p, p->pos, problem);
    }
    value->type = c == '{' ? DM_JSON_OBJECT : DM_JSON_ARRAY;
    return c == '{' ? parse_object(p, value, depth + 1) : parse_array(p, value, depth + 1);
  }
  if (c == '"') {
    value->type = DM_JSON_STRING;
    return parse_string(p, &value->string, &value->length);
  }
  if (c >= '0' && c <= '9') {
    value->type = DM_JSON_INTEGER;
    return parse_integer(p, &value->integer);
  }
  if (c == '-') return fail(p, p->pos, "negative numbers are not supported");
  if (c == 't' || c == 'f' || c == 'n')
    return fail(p, p->pos, "true, false and null are not supported");
  return fail_unexpected(p, "a value");
}

DmJsonDocument *dm_json_parse(const char *text, size_t length, int max_depth, DmError **error) {
  Parser p = {.text = (const unsigned char *)text, .length = length, .max_depth = max_depth,
              .error = error};
  DmJsonDocument *document = calloc(1, sizeof *document);
  if (document) document->strings = p.strings = malloc(length + 1);
  if (!document || !document->strings) {
    free(document);
    fail_memory(&p);
    return NULL;
  }
  /* The root starts zeroed, an empty object, as every value does. */
  bool ok = parse_value(&p, &document->root, 0);
  if (ok) {
    skip_whitespace(&p);
    if (p.pos < p.length) ok = fail_unexpected(&p, "only whitespace after the value");
  }
  if (!ok) {
    dm_json_free(document);
    return NULL;
  }
  return document;
}

void dm_json_free(DmJsonDocument *document) {
  if (!document) return;
  free_value_contents(&document->root);
  free(document->strings);
  free(document);
}

bool dm_json_is_utf8(const char *bytes, size_t length) {
  const unsigned char *s = (const unsigned char *)bytes;
  for (size_t i = 0; i < length;) {
    size_t k = utf8_sequence_length(s + i, length - i);
    if (k == 0) return false;
    i += k;
  }
  return true;
}

char *dm_json_excerpt(const char *string, size_t length, char out[DM_JSON_EXCERPT_BYTES + 4]) {
  size_t n = length;
  if (n > DM_JSON_EXCERPT_BYTES) {
    n = DM_JSON_EXCERPT_BYTES;
    /* Back off to the start of a UTF-8 sequence. */
    while (n > 0 && ((unsigned char)string[n] & 0xc0) == 0x80) n--;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)string[i];
    out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
  }
  strcpy(out + n, n < length ? "..." : "");
  return out;
}

const DmJsonValue *dm_json_object_get(const DmJsonValue *object, const char *key) {
  if (!object || object->type != DM_JSON_OBJECT || object->count == 0) return NULL;
  DmJsonMember probe = {.key = key, .key_length = strlen(key)};
  const DmJsonMember *probe_pointer = &probe;
  DmJsonMember **hit = bsearch(&probe_pointer, object->by_key, object->count,
                               sizeof *object->by_key, compare_members);
  return hit ? &(*hit)->value : NULL;
}
