/* The memory budget (darkmap/memory-budget.h): sizes in human units, and
 * absurd sizes refused before anything is allocated, in milliseconds, with
 * a message naming what they would need, while a large but reasonable size
 * still works.  The sizes come from the caller (maps) or from files whose
 * headers declare them: a FITS image of 10^6 × 10^6 pixels in 3 kB, and
 * sparse files as long as their headers say (a safetensors file, a galaxy
 * catalogue and a cluster table) whose contents would need twice this
 * machine's memory; reconstruction batches whose working memory the
 * machine cannot hold; a safetensors header over the readers' limit, which
 * the writer refuses; and a file that would need more than its folder's
 * free space. */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "darkmap/catalog.h"
#include "darkmap/cluster-table.h"
#include "darkmap/fits.h"
#include "darkmap/map.h"
#include "darkmap/memory-budget.h"
#include "darkmap/model-info.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/reconstruct.h"
#include "darkmap/safetensors.h"
#include "reconstruct/reconstruct-test-util.h"
#include "test-util.h"

/* The machine's memory as the messages write it. */
static const char *physical_text(void) {
  static char text[DM_MEMORY_TEXT_SIZE];
  return dm_memory_format(dm_memory_physical_bytes(), text);
}

/* error's message is "<subject> would need <need>; this machine has <its
 * memory>.", with the subject printf-formatted, after the context a caller
 * may have put before it ("context: "); clears error. */
static void check_refusal(DmError **error, const char *need, const char *subject, ...)
    __attribute__((format(printf, 3, 4)));
static void check_refusal(DmError **error, const char *need, const char *subject, ...) {
  char expected[1024], what[512];
  va_list args;
  va_start(args, subject);
  vsnprintf(what, sizeof what, subject, args);
  va_end(args);
  snprintf(expected, sizeof expected, "%s would need %s; this machine has %s.", what, need,
           physical_text());
  CHECK(*error != NULL && (*error)->code == DM_ERROR_NO_MEMORY);
  const char *message = *error ? (*error)->message : "";
  size_t n = strlen(message), m = strlen(expected);
  bool right = strcmp(message, expected) == 0 ||
               (n > m + 2 && strncmp(message + n - m - 2, ": ", 2) == 0 &&
                strcmp(message + n - m, expected) == 0);
  if (!right) {
    fprintf(stderr, "message:  %s\nexpected: %s\n", message, expected);
    dm_test_failures++;
  }
  dm_error_clear(error);
}

static void check_format(void) {
  char text[DM_MEMORY_TEXT_SIZE];
  CHECK(strcmp(dm_memory_format(0.0, text), "0 B") == 0);
  CHECK(strcmp(dm_memory_format(1023.0, text), "1023 B") == 0);
  CHECK(strcmp(dm_memory_format(1536.0, text), "1.5 KiB") == 0);
  CHECK(strcmp(dm_memory_format(1048575.0, text), "1.0 MiB") == 0);
  CHECK(strcmp(dm_memory_format(23.4 * 1073741824.0, text), "23.4 GiB") == 0);
  CHECK(strcmp(dm_memory_format(4e12, text), "3.6 TiB") == 0);
  CHECK(strcmp(dm_memory_format(3.0 * 1152921504606846976.0, text), "3.0 EiB") == 0);
  CHECK(strcmp(dm_memory_format(1e22, text), "8673.6 EiB") == 0);
  printf("this machine has %s\n", physical_text());
}

static void check_budget(void) {
  DmError *error = NULL;
  double physical = dm_memory_physical_bytes();
  CHECK(physical > 0.0);
  CHECK_OK(dm_memory_check(&error, physical, "All of memory"), error);
  CHECK(!dm_memory_check(&error, 2.0 * physical, "Twice %s", "the memory"));
  char need[DM_MEMORY_TEXT_SIZE];
  check_refusal(&error, dm_memory_format(2.0 * physical, need), "Twice the memory");
  /* A product of int sizes that overflows 64 bits is still a number. */
  double huge = 2147483647.0 * 2147483647.0 * 2147483647.0 * 4.0;
  CHECK(!dm_memory_check(&error, huge, "A %d × %d × %d map", 2147483647, 2147483647,
                         2147483647));
  check_refusal(&error, dm_memory_format(huge, need),
                "A 2147483647 × 2147483647 × 2147483647 map");
}

static void check_maps(void) {
  DmError *error = NULL;
  double start = dm_monotonic_seconds();
  CHECK(dm_map_new(1000000, 1000000, 1, NULL, &error) == NULL);
  check_refusal(&error, "3.6 TiB", "A 1000000 × 1000000 map");
  CHECK(dm_map_new(360, 360, 1000000000, NULL, &error) == NULL);
  check_refusal(&error, "471.5 TiB", "A 360 × 360 map of 1000000000 planes");
  double seconds = dm_monotonic_seconds() - start;
  printf("absurd maps refused in %.3f ms\n", 1e3 * seconds);
  CHECK(seconds < 0.05);
  /* Large but fine: 8192² floats (256 MiB), every page touched. */
  DmMap *large = dm_map_new(8192, 8192, 1, NULL, &error);
  CHECK_OK(large != NULL, error);
  if (large) {
    for (size_t i = 0; i < dm_map_plane_size(large); i += 1024) large->data[i] = 1.0f;
    CHECK(large->data[8192 * 8191] == 1.0f);
  }
  dm_map_free(large);
}

/* Appends one FITS card (keyword = value) to header. */
static void card(char *header, const char *key, const char *value) {
  char text[81];
  snprintf(text, sizeof text, "%-8s= %20s", key, value);
  snprintf(header + strlen(header), 81, "%-80s", text);
}

/* Writes header (whole cards, END added, padded to 2880 bytes) to file. */
static void write_header(FILE *file, char *header) {
  snprintf(header + strlen(header), 81, "%-80s", "END");
  size_t n = strlen(header), padded = (n + 2879) / 2880 * 2880;
  memset(header + n, ' ', padded - n);
  fwrite(header, 1, padded, file);
}

/* A FITS file with an empty primary HDU and a binary table of n_rows rows
 * of the float columns names (a sparse file as long as the table says);
 * false when the file system cannot hold it. */
static bool write_sparse_table(const char *path, long long n_rows, const char *const *names,
                               int n_columns) {
  static char header[4 * 2880];
  FILE *file = fopen(path, "wb");
  if (!file) return false;
  header[0] = '\0';
  card(header, "SIMPLE", "T");
  card(header, "BITPIX", "8");
  card(header, "NAXIS", "0");
  card(header, "EXTEND", "T");
  write_header(file, header);
  char number[32], key[16], quoted[32];
  header[0] = '\0';
  card(header, "XTENSION", "'BINTABLE'");
  card(header, "BITPIX", "8");
  card(header, "NAXIS", "2");
  snprintf(number, sizeof number, "%d", 4 * n_columns);
  card(header, "NAXIS1", number);
  snprintf(number, sizeof number, "%lld", n_rows);
  card(header, "NAXIS2", number);
  card(header, "PCOUNT", "0");
  card(header, "GCOUNT", "1");
  snprintf(number, sizeof number, "%d", n_columns);
  card(header, "TFIELDS", number);
  for (int i = 0; i < n_columns; i++) {
    snprintf(key, sizeof key, "TTYPE%d", i + 1);
    snprintf(quoted, sizeof quoted, "'%-8s'", names[i]);
    card(header, key, quoted);
    snprintf(key, sizeof key, "TFORM%d", i + 1);
    card(header, key, "'1E      '");
  }
  write_header(file, header);
  long long data = n_rows * 4 * n_columns;
  bool ok = ftruncate(fileno(file), (off_t)(ftell(file) + (data + 2879) / 2880 * 2880)) == 0;
  return fclose(file) == 0 && ok;
}

/* An image header of 10^6 × 10^6 float pixels with no data. */
static void check_fits_image(void) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("huge-image.fits");
  static char header[2880];
  FILE *file = fopen(path, "wb");
  header[0] = '\0';
  card(header, "SIMPLE", "T");
  card(header, "BITPIX", "-32");
  card(header, "NAXIS", "2");
  card(header, "NAXIS1", "1000000");
  card(header, "NAXIS2", "1000000");
  write_header(file, header);
  fclose(file);
  CHECK(dm_fits_read_image(path, NULL, &error) == NULL);
  CHECK(error && strncmp(error->message, "Cannot read HDU 1 of ", 21) == 0);
  check_refusal(&error, "3.6 TiB", "A 1000000 × 1000000 map");
  remove(path);
}

/* A safetensors file of one F32 tensor of bytes bytes (sparse); false when
 * the file system cannot hold it. */
static bool write_sparse_safetensors(const char *path, uint64_t bytes) {
  char json[256];
  snprintf(json, sizeof json,
           "{\"w\":{\"dtype\":\"F32\",\"shape\":[%llu],\"data_offsets\":[0,%llu]}}",
           (unsigned long long)(bytes / 4), (unsigned long long)bytes);
  uint64_t length = strlen(json);
  unsigned char length_bytes[8];
  for (int i = 0; i < 8; i++) length_bytes[i] = (unsigned char)(length >> (8 * i));
  FILE *file = fopen(path, "wb");
  if (!file) return false;
  bool ok = fwrite(length_bytes, 1, 8, file) == 8 && fwrite(json, 1, length, file) == length &&
            ftruncate(fileno(file), (off_t)(8 + length + bytes)) == 0;
  return fclose(file) == 0 && ok;
}

/* Files as long as their headers say, whose contents would need twice the
 * machine's memory. */
static void check_sparse_files(void) {
  DmError *error = NULL;
  double twice = 2.0 * dm_memory_physical_bytes();
  char need[DM_MEMORY_TEXT_SIZE], path[4096];
  double start = dm_monotonic_seconds();

  uint64_t bytes = 4 * (uint64_t)(twice / 4.0);
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("huge.safetensors"));
  if (write_sparse_safetensors(path, bytes)) {
    CHECK(dm_safetensors_read(path, &error) == NULL);
    check_refusal(&error, dm_memory_format((double)bytes, need), "The tensors of %s (%llu bytes)",
                  path, (unsigned long long)bytes);
  } else {
    printf("no sparse file of %s here: that case is skipped\n", dm_memory_format(twice, need));
  }
  remove(path);

  /* A galaxy catalogue: 5 columns of doubles in memory. */
  static const char *const galaxies[] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  long long rows = (long long)(twice / (5.0 * sizeof(double))) + 1;
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("huge-catalogue.fits"));
  if (write_sparse_table(path, rows, galaxies, 5)) {
    CHECK(dm_catalog_read(path, 0, NULL, NULL, &error) == NULL);
    check_refusal(&error, dm_memory_format(rows * 40.0, need), "The %lld rows of %s", rows, path);
  } else {
    printf("no sparse catalogue of %lld rows here: that case is skipped\n", rows);
  }
  remove(path);

  /* A cluster table: 4 numbers and a label pointer per row in memory (the
   * reader takes tables of up to 2^40 bytes on disk). */
  static const char *const clusters[] = {"RA", "DEC", "Z", "MASS"};
  rows = (long long)(twice / (4.0 * sizeof(double) + sizeof(char *))) + 1;
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("huge-clusters.fits"));
  if (rows <= (1LL << 40) / 16 && write_sparse_table(path, rows, clusters, 4)) {
    CHECK(dm_cluster_table_read(path, &error) == NULL);
    check_refusal(&error, dm_memory_format(rows * 40.0, need), "A cluster table of %lld rows",
                  rows);
  } else {
    printf("no cluster table of %lld rows here (or over the reader's 2^40 bytes): skipped\n", rows);
  }
  remove(path);
  double seconds = dm_monotonic_seconds() - start;
  printf("files declaring %s refused in %.1f ms\n", dm_memory_format(twice, need),
         1e3 * seconds);
  CHECK(seconds < 0.5);
}

/* On the CPU a batch's network-engine memory counts
 * (dm_reconstruct_memory_bound): the smallest batch at 360² that the
 * machine cannot hold, of samples of the shipped MMGAN and of theory-score
 * chains, is refused before any work, naming it. */
static void check_batches(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmBinnedShear *binned = dm_test_binned_new(360, 360, 0.29, NULL, NULL, NULL, NULL, NULL);
  double map_bytes = 360.0 * 360.0 * sizeof(float), physical = dm_memory_physical_bytes();
  char need[DM_MEMORY_TEXT_SIZE];
  struct {
    DmReconstructMethod method;
    const char *model;
  } cases[] = {{DM_RECONSTRUCT_MMGAN, "models/mmgan-cosmos.safetensors"},
               {DM_RECONSTRUCT_SCORE_HMC, NULL}};
  for (size_t i = 0; theory && i < sizeof cases / sizeof *cases; i++) {
    DmReconstructRequest r;
    dm_reconstruct_request_init(&r, cases[i].method);
    r.theory = theory;
    r.model_path = cases[i].model ? dm_test_app_data_path(cases[i].model) : NULL;
    r.device = "cpu";
    DmModelInfo info;
    CHECK_OK(!r.model_path || dm_model_info_read(r.model_path, &info, &error), error);
    DmReconstructMemory memory =
        dm_reconstruct_memory(r.method, 360, 360, r.model_path ? &info : NULL);
    /* The posterior (2 maps a sample and 3) and the batch's bound. */
    int batch = (int)((physical - 3.0 * map_bytes - memory.fixed_bytes) /
                      (2.0 * map_bytes + memory.sample_bytes)) +
                1;
    r.n_samples = r.batch = batch;
    double bytes = (2.0 * batch + 3.0) * map_bytes + dm_reconstruct_memory_bound(&memory, batch);
    double start = dm_monotonic_seconds();
    CHECK(!dm_reconstruct_check(binned, &r, &error));
    double seconds = dm_monotonic_seconds() - start;
    check_refusal(&error, dm_memory_format(bytes, need),
                  "A posterior of %d samples of 360 × 360 pixels in batches of %d", batch, batch);
    printf("%s: a batch of %d refused in %.1f ms\n", dm_reconstruct_method_name(r.method), batch,
           1e3 * seconds);
    CHECK(seconds < 0.1);
    /* Two fewer fit, with the three maps of the summary. */
    r.n_samples = r.batch = batch - 2;
    CHECK_OK(dm_reconstruct_check(binned, &r, &error), error);
  }
  dm_binned_shear_free(binned);
  dm_theory_free(theory);
}

/* The writer refuses a header the reader would refuse: 1 MiB of
 * metadata, more than any model's. */
static void check_safetensors_header(void) {
  DmError *error = NULL;
  size_t n = DM_ST_MAX_HEADER_BYTES;
  char *value = malloc(n + 1);
  memset(value, 'x', n);
  value[n] = '\0';
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  CHECK_OK(dm_safetensors_writer_add_metadata(w, "note", value, &error), error);
  const char *path = dm_test_tmp_path("long-header.safetensors");
  CHECK(!dm_safetensors_writer_write(w, path, &error));
  CHECK(error && strcmp(error->message,
                        "The header of 0 tensors and 1 metadata entries would be 1048608 bytes, "
                        "over the 1 MiB that readers accept") == 0);
  if (error) printf("%s\n", error->message);
  dm_error_clear(&error);
  CHECK(access(path, F_OK) != 0);
  dm_safetensors_writer_free(w);
  free(value);
}

/* A file of twice the free space of the test folder is refused, naming
 * the folder; one byte is not. */
static void check_disk(void) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("absent.fits");
  struct statvfs fs;
  CHECK(statvfs(getenv("DARKMAP_TEST_TMP") ? getenv("DARKMAP_TEST_TMP") : "/tmp", &fs) == 0);
  double twice = 2.0 * (double)fs.f_bavail * (double)fs.f_frsize + 1e9;
  CHECK_OK(dm_disk_check(&error, path, 1.0, "One byte"), error);
  CHECK(!dm_disk_check(&error, path, twice, "A file of %s", "twice the free space"));
  char need[DM_MEMORY_TEXT_SIZE], expected[256];
  snprintf(expected, sizeof expected, "A file of twice the free space would need %s on disk; /",
           dm_memory_format(twice, need));
  const char *message = error ? error->message : "";
  size_t n = strlen(message);
  CHECK(error && error->code == DM_ERROR_IO);
  CHECK(strncmp(message, expected, strlen(expected)) == 0 && strstr(message, " has ") &&
        n > 6 && strcmp(message + n - 6, " free.") == 0);
  printf("%s\n", message);
  dm_error_clear(&error);
}

int main(void) {
  check_format();
  check_budget();
  check_maps();
  check_fits_image();
  check_sparse_files();
  check_batches();
  check_safetensors_header();
  check_disk();
  return dm_test_result();
}
