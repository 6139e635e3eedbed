/* SHA-256 of files against the FIPS 180-2 example vectors: the empty
 * message, "abc", the 448-bit two-block message and one million 'a' (which
 * crosses the 64 KiB read size), plus a missing file's error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/sha256.h"
#include "test-util.h"

static void check_digest(const char *label, const char *content, size_t n, const char *expected) {
  const char *path = dm_test_tmp_path("sha256-input");
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  CHECK(fwrite(content, 1, n, f) == n);
  fclose(f);
  char hex[65] = "";
  DmError *error = NULL;
  CHECK_OK(dm_sha256_file(path, hex, &error), error);
  printf("%-22s %s %s\n", label, hex, strcmp(hex, expected) == 0 ? "ok" : "WRONG");
  CHECK(strcmp(hex, expected) == 0);
  remove(path);
}

int main(void) {
  check_digest("empty", "", 0,
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  check_digest("abc", "abc", 3,
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  check_digest("448 bits", two_blocks, strlen(two_blocks),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  size_t million = 1000000;
  char *as = malloc(million);
  memset(as, 'a', million);
  check_digest("one million 'a'", as, million,
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(as);

  char hex[65];
  DmError *error = NULL;
  CHECK(!dm_sha256_file(dm_test_tmp_path("no-such-file"), hex, &error));
  CHECK(error && error->code == DM_ERROR_NOT_FOUND);
  if (error) printf("missing file: %s\n", error->message);
  dm_error_free(error);
  return dm_test_result();
}
