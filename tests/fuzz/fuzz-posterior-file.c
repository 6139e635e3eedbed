/* libFuzzer target: dm_posterior_read (the posterior file every method
 * writes) on arbitrary bytes, and on the files it accepts a write and
 * re-read that must give the same maps.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-posterior-file
 *   cp -r tests/fuzz/corpus/fuzz-posterior-file build-fuzz/corpus-posterior-file
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-posterior-file -dict=tests/fuzz/fits.dict -max_len=40000 \
 *       -max_total_time=300 build-fuzz/corpus-posterior-file
 *
 * allocator_may_return_null: as for fuzz-fits-image.  A crash, leak or
 * sanitizer report leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <stdint.h>

#include "darkmap/posterior.h"
#include "fuzz-maps.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The posterior's maps in a fixed order (NULL where absent). */
static void maps_of(const DmPosterior *p, const DmMap *maps[5]) {
  maps[0] = p->mean;
  maps[1] = p->std;
  maps[2] = p->samples;
  maps[3] = p->signif;
  maps[4] = p->std_raw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmPosterior *posterior = dm_posterior_read(path, &error);
  if (posterior) {
    const DmMap *maps[5];
    maps_of(posterior, maps);
    fuzz_check_maps(maps, 5, posterior->mean);
    const char *rewrite = fuzz_rewrite_path();
    fuzz_require_written(dm_posterior_write(rewrite, posterior, &error), &error);
    DmPosterior *again = dm_posterior_read(rewrite, &error);
    fuzz_require_written(again != NULL, &error);
    const DmMap *maps_again[5];
    maps_of(again, maps_again);
    fuzz_require_same_maps(maps, maps_again, 5);
    dm_posterior_free(again);
  }
  dm_posterior_free(posterior);
  dm_error_free(error);
  return 0;
}
