/* A small strict JSON reader for the headers of weights files: objects,
 * arrays, strings and non-negative integers, nothing else.
 *
 * Strict means: RFC 8259 syntax with no extension; strings are valid UTF-8
 * (no overlong forms, no surrogates, no control characters) and their
 * escapes, \uXXXX included, decode to valid UTF-8 (a surrogate pair or
 * nothing); integers are decimal digits without a sign, fraction, exponent
 * or leading zero and fit in 64 bits; objects have no duplicate keys;
 * nesting is limited; only whitespace may follow the value.  true, false,
 * null, negative and fractional numbers are refused.  Every refusal is a
 * DM_ERROR_FORMAT naming the problem and its byte offset. */
#ifndef DARKMAP_IO_JSON_READER_H
#define DARKMAP_IO_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"

typedef enum {
  DM_JSON_OBJECT = 0, /* a zeroed value is an empty object */
  DM_JSON_ARRAY,
  DM_JSON_STRING,
  DM_JSON_INTEGER,
} DmJsonType;

typedef struct DmJsonValue DmJsonValue;
typedef struct DmJsonMember DmJsonMember;

/* One value; read only the fields of its type. */
struct DmJsonValue {
  DmJsonType type;
  size_t offset;           /* where the value starts in the text, for messages */
  union {
    /* DM_JSON_STRING: the decoded UTF-8 bytes, NUL-terminated; length
     * counts them without the terminator (a \u0000 escape makes it exceed
     * strlen).  The bytes live in the document's string store. */
    struct {
      const char *string;
      size_t length;
    };
    uint64_t integer;      /* DM_JSON_INTEGER */
    /* DM_JSON_ARRAY: count items; DM_JSON_OBJECT: count members in
     * document order, and by_key, the same members sorted by key for
     * lookups. */
    struct {
      size_t count;
      union {
        DmJsonValue *items;
        DmJsonMember *members;
      };
      DmJsonMember **by_key;
    };
  };
};

struct DmJsonMember {
  const char *key;         /* decoded, NUL-terminated, in the string store */
  size_t key_length;
  DmJsonValue value;
};

/* A parsed text: the root value, and one store holding every decoded
 * string (never larger than the text). */
typedef struct {
  DmJsonValue root;
  char *strings;
} DmJsonDocument;

/* Parses text[0, length) (which need not be NUL-terminated).  max_depth is
 * the number of nested containers allowed (1: a flat object or array).
 * Returns the document (free with dm_json_free), or NULL with *error set. */
DmJsonDocument *dm_json_parse(const char *text, size_t length, int max_depth, DmError **error);
void dm_json_free(DmJsonDocument *document);

/* Whether bytes[0, length) are valid UTF-8 by the rules strings follow. */
bool dm_json_is_utf8(const char *bytes, size_t length);

/* A printable excerpt of a decoded string for messages: at most
 * DM_JSON_EXCERPT_BYTES bytes cut at a character boundary, "..." appended
 * when cut, control characters and NULs shown as '?'.  Returns out. */
#define DM_JSON_EXCERPT_BYTES 60
char *dm_json_excerpt(const char *string, size_t length, char out[DM_JSON_EXCERPT_BYTES + 4]);

/* The member of an object with that key (compared over key_length bytes),
 * or NULL. */
const DmJsonValue *dm_json_object_get(const DmJsonValue *object, const char *key);

#endif
