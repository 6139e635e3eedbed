/* Streaming FITS writer: a 3-HDU file written plane by plane out of order
 * reads back bit for bit, with its WCS and metadata; the file appears only
 * on finish; an index out of range is refused clearly; a plane never
 * written fails the finish; abort leaves no file and keeps an existing
 * target.  The dataset writer streams: 64 tuples at 128² (12.8 MB of
 * pixels) are written with less than 8 MB of memory growth. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "darkmap/dataset.h"
#include "darkmap/fits-cube-writer.h"
#include "darkmap/fits.h"
#include "darkmap/theory.h"
#include "test-util.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif
#ifdef TEST_ASAN
/* From the sanitizer allocator interface (sanitizer/allocator_interface.h,
 * which GCC does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

enum { NX = 24, NY = 16, N_HDUS = 3 };
static const int n_planes[N_HDUS] = {3, 4, 1};

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void write_text(const char *path, const char *text) {
  FILE *file = fopen(path, "w");
  CHECK(file != NULL);
  if (!file) return;
  fputs(text, file);
  fclose(file);
}

static bool has_text(const char *path, const char *text) {
  char line[64] = "";
  FILE *file = fopen(path, "r");
  if (!file) return false;
  bool read = fgets(line, sizeof line, file) != NULL;
  fclose(file);
  return read && strcmp(line, text) == 0;
}

/* The three images: a TAN cube with every metadata type, a cube without WCS
 * or metadata, a 2-D image with the WCS.  Pixels include NaN, −inf, −0 and
 * a subnormal, which must survive bit for bit. */
typedef struct {
  DmMap *maps[N_HDUS];
  DmWcs *wcs;
} Images;

static void images_free(Images *images) {
  for (int h = 0; h < N_HDUS; h++) dm_map_free(images->maps[h]);
  dm_wcs_free(images->wcs);
}

static bool images_make(Images *images, DmError **error) {
  memset(images, 0, sizeof *images);
  images->wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1161025, 2.247490268, 0.29 / 60.0, NX,
                                NY, true, error);
  bool ok = images->wcs != NULL;
  for (int h = 0; ok && h < N_HDUS; h++) {
    images->maps[h] = dm_map_new(NX, NY, n_planes[h], h == 1 ? NULL : images->wcs, error);
    ok = images->maps[h] != NULL;
    for (size_t i = 0; ok && i < dm_map_plane_size(images->maps[h]) * (size_t)n_planes[h]; i++)
      images->maps[h]->data[i] = (float)(h + 1) * 1000.0f + (float)i * 0.37f - 50.0f;
  }
  if (!ok) return false;
  images->maps[0]->data[5] = NAN;
  images->maps[0]->data[NX * NY + 6] = -INFINITY;
  images->maps[1]->data[3 * NX * NY + 7] = -0.0f;
  images->maps[2]->data[8] = 1e-40f;
  return dm_map_set_string(images->maps[0], "METHOD", "Kaiser-Squires", "reconstruction",
                           error) &&
         dm_map_set_double(images->maps[0], "PIXSCALE", 0.29, "pixel side [arcmin]", error) &&
         dm_map_set_int(images->maps[0], "SEED", 1234567890123L, NULL, error) &&
         dm_map_set_bool(images->maps[0], "PADDED", true, NULL, error) &&
         dm_map_add_history(images->maps[0], "written plane by plane", error) &&
         dm_map_set_string(images->maps[2], "CONTENT", "mask", NULL, error);
}

static DmFitsCubeWriter *open_writer(const char *path, const Images *images, DmError **error) {
  DmFitsCubeHdu hdus[N_HDUS] = {dm_fits_cube_hdu_for_map(images->maps[0], NULL),
                                dm_fits_cube_hdu_for_map(images->maps[1], "SECOND"),
                                dm_fits_cube_hdu_for_map(images->maps[2], "THIRD")};
  return dm_fits_cube_writer_new(path, hdus, N_HDUS, error);
}

static bool write_plane(DmFitsCubeWriter *writer, const Images *images, int hdu, int plane,
                        DmError **error) {
  return dm_fits_cube_writer_write_plane(writer, hdu, plane,
                                         dm_map_plane(images->maps[hdu], plane), error);
}

static bool same_bits(const DmMap *a, const DmMap *b) {
  return a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes &&
         memcmp(a->data, b->data, dm_map_plane_size(a) * (size_t)a->nplanes * sizeof(float)) ==
             0;
}

/* Every plane, HDUs interleaved and planes backwards, one of them first
 * written wrong and then replaced; indices out of range are refused on the
 * way without harming the file. */
static void test_out_of_order(const char *path, const Images *images) {
  DmError *error = NULL;
  remove(path);
  DmFitsCubeWriter *writer = open_writer(path, images, &error);
  CHECK_OK(writer, error);
  if (!writer) return;

  CHECK_OK(write_plane(writer, images, 0, 1, &error), error);
  CHECK_OK(write_plane(writer, images, 1, 3, &error), error);
  CHECK_OK(dm_fits_cube_writer_write_plane(writer, 2, 0, dm_map_plane(images->maps[1], 2),
                                           &error),
           error); /* wrong pixels, replaced below */
  CHECK_FAILS(dm_fits_cube_writer_write_plane(writer, 3, 0, images->maps[0]->data, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_fits_cube_writer_write_plane(writer, -1, 0, images->maps[0]->data, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(write_plane(writer, images, 0, 3, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_fits_cube_writer_write_plane(writer, 2, 1, images->maps[2]->data, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_fits_cube_writer_write_plane(writer, 1, -1, images->maps[1]->data, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_fits_cube_writer_write_map(writer, 1, images->maps[0], &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_OK(write_plane(writer, images, 1, 2, &error), error);
  CHECK_OK(write_plane(writer, images, 2, 0, &error), error);
  CHECK_OK(write_plane(writer, images, 0, 2, &error), error);
  CHECK_OK(write_plane(writer, images, 1, 0, &error), error);
  CHECK_OK(write_plane(writer, images, 0, 0, &error), error);
  CHECK_OK(write_plane(writer, images, 1, 1, &error), error);

  CHECK(!file_exists(path) && dm_test_count_temporaries(path) == 0); /* unnamed while written */
  CHECK_OK(dm_fits_cube_writer_finish(writer, &error), error);
  CHECK(file_exists(path) && dm_test_count_temporaries(path) == 0);

  const char *names[N_HDUS] = {NULL, "SECOND", "THIRD"};
  for (int h = 0; h < N_HDUS; h++) {
    DmMap *back = dm_fits_read_image(path, names[h], &error);
    CHECK_OK(back, error);
    if (!back) continue;
    CHECK(same_bits(images->maps[h], back));
    if (h == 1)
      CHECK(back->wcs == NULL);
    else
      CHECK(back->wcs && dm_wcs_equal(back->wcs, images->wcs, NX, NY, 1e-9));
    CHECK(dm_map_find_card(back, "ORIGIN") && dm_map_find_card(back, "CREATOR") &&
          dm_map_find_card(back, "DATE"));
    dm_map_free(back);
  }

  DmMap *primary = dm_fits_read_image(path, NULL, &error);
  CHECK_OK(primary, error);
  if (primary) {
    const DmMetaCard *card = dm_map_find_card(primary, "METHOD");
    CHECK(card && card->type == DM_META_STRING && strcmp(card->text, "Kaiser-Squires") == 0 &&
          card->comment && strcmp(card->comment, "reconstruction") == 0);
    card = dm_map_find_card(primary, "PIXSCALE");
    CHECK(card && card->type == DM_META_DOUBLE && card->number == 0.29);
    card = dm_map_find_card(primary, "SEED");
    CHECK(card && card->type == DM_META_INT && card->number == 1234567890123.0);
    card = dm_map_find_card(primary, "PADDED");
    CHECK(card && card->type == DM_META_BOOL && card->number == 1.0);
    bool history = false;
    for (int c = 0; c < primary->n_cards; c++)
      history = history || (primary->cards[c].type == DM_META_HISTORY &&
                            strcmp(primary->cards[c].text, "written plane by plane") == 0);
    CHECK(history);
    CHECK(dm_map_find_card(primary, "NAXIS3") == NULL &&
          dm_map_find_card(primary, "CRVAL1") == NULL);
  }
  dm_map_free(primary);
  DmMap *third = dm_fits_read_image(path, "THIRD", &error);
  CHECK_OK(third, error);
  if (third) {
    const DmMetaCard *card = dm_map_find_card(third, "CONTENT");
    CHECK(card && strcmp(card->text, "mask") == 0);
    CHECK(dm_map_find_card(third, "METHOD") == NULL);
  }
  dm_map_free(third);
  printf("3 HDUs (3, 4 and 1 planes) written out of order read back bit for bit\n");
  remove(path);
}

/* Abort and failed finishes leave no file and keep an existing target. */
static void test_abort(const char *path, const Images *images) {
  DmError *error = NULL;
  remove(path);

  DmFitsCubeWriter *writer = open_writer(path, images, &error);
  CHECK_OK(writer, error);
  if (writer) {
    CHECK_OK(write_plane(writer, images, 0, 0, &error), error);
    dm_fits_cube_writer_abort(writer);
  }
  CHECK(!file_exists(path) && dm_test_count_temporaries(path) == 0);

  /* Every plane written and then aborted: the target keeps its text. */
  write_text(path, "precious");
  writer = open_writer(path, images, &error);
  CHECK_OK(writer, error);
  if (writer) {
    for (int h = 0; h < N_HDUS; h++)
      CHECK_OK(dm_fits_cube_writer_write_map(writer, h, images->maps[h], &error), error);
    dm_fits_cube_writer_abort(writer);
  }
  CHECK(has_text(path, "precious") && dm_test_count_temporaries(path) == 0);

  /* One plane never written: the finish fails and changes nothing. */
  writer = open_writer(path, images, &error);
  CHECK_OK(writer, error);
  if (writer) {
    CHECK_OK(dm_fits_cube_writer_write_map(writer, 0, images->maps[0], &error), error);
    CHECK_OK(dm_fits_cube_writer_write_map(writer, 2, images->maps[2], &error), error);
    for (int p = 0; p < 4; p++)
      if (p != 2) CHECK_OK(write_plane(writer, images, 1, p, &error), error);
    CHECK_FAILS(dm_fits_cube_writer_finish(writer, &error), error, DM_ERROR_INVALID_ARGUMENT);
  }
  CHECK(has_text(path, "precious") && dm_test_count_temporaries(path) == 0);

  /* Refused before anything is created. */
  CHECK_FAILS(open_writer(dm_test_tmp_path("no-such-dir/cube.fits"), images, &error), error,
              DM_ERROR_IO);
  DmFitsCubeHdu bad = dm_fits_cube_hdu_for_map(images->maps[1], NULL);
  bad.nplanes = 0;
  CHECK_FAILS(dm_fits_cube_writer_new(path, &bad, 1, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK(has_text(path, "precious") && dm_test_count_temporaries(path) == 0);
  remove(path);
  printf("abort and failed finishes leave no file and keep an existing target\n");
}

/* Memory the process holds, by the measure a build can trust: the
 * allocator's live bytes under AddressSanitizer (whose quarantine keeps
 * freed blocks resident), else the peak resident size. */
static double memory_mark_bytes(void) {
#ifdef TEST_ASAN
  return (double)__sanitizer_get_current_allocated_bytes();
#else
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss * 1024.0;
#endif
}

typedef struct {
  double peak;
  int reports;
} MemoryWatch;

static void watch_memory(void *user_data, double fraction, const char *stage) {
  MemoryWatch *watch = user_data;
  double mark = memory_mark_bytes();
  if (mark > watch->peak) watch->peak = mark;
  watch->reports++;
}

/* 64 tuples at 128² are written with memory growing by less than 8 MB,
 * where holding the cubes would take 12.6 MB. */
static void test_dataset_memory(const char *path) {
  enum { N = 64, SIDE = 128 };
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return;
  DmDatasetConfig config;
  dm_dataset_config_init(&config);
  config.theory = theory;
  config.nx = config.ny = SIDE;
  config.seed = 7;
  DmDataset *set = dm_dataset_new(&config, &error);
  CHECK_OK(set, error);
  /* One tuple first, so that what a single tuple needs is in the baseline. */
  DmDatasetTuple *warm = set ? dm_dataset_tuple(set, 0, &error) : NULL;
  CHECK_OK(warm, error);
  dm_dataset_tuple_free(warm);

  MemoryWatch watch = {.peak = 0.0, .reports = 0};
  DmProgress progress = {.report = watch_memory, .user_data = &watch, .cancel = NULL};
  double before = memory_mark_bytes();
  if (set) CHECK_OK(dm_dataset_write(set, 0, N, path, &progress, &error), error);
  double after = memory_mark_bytes();
  double growth = (watch.peak > after ? watch.peak : after) - before;
  /* A kappa and 2 shear planes per tuple, and the 2 noise and 1 mask planes
   * of the survey. */
  double file_bytes = (3.0 * N + 3.0) * SIDE * SIDE * sizeof(float);
  printf("dataset of %d tuples at %d²: %.1f MB of pixels written with %.2f MB of memory "
         "growth (%s)\n",
         N, SIDE, file_bytes / 1e6, growth / 1e6,
#ifdef TEST_ASAN
         "live heap at each tuple"
#else
         "peak resident size"
#endif
  );
  CHECK(watch.reports == N);
  CHECK(growth < 8e6);

  struct stat st;
  CHECK(stat(path, &st) == 0 && (double)st.st_size >= file_bytes);
  DmDatasetFile *file = dm_dataset_file_read(path, &error);
  CHECK_OK(file, error);
  if (file) {
    uint64_t first = 0;
    int count = 0;
    dm_dataset_file_range(file, &first, &count);
    CHECK(first == 0 && count == N);
    DmDatasetTuple *read = dm_dataset_file_tuple(file, N - 1, &error);
    DmDatasetTuple *made = dm_dataset_tuple(set, N - 1, &error);
    CHECK(read && made && same_bits(read->kappa, made->kappa) &&
          same_bits(read->shear, made->shear));
    dm_dataset_tuple_free(read);
    dm_dataset_tuple_free(made);
  }
  dm_dataset_file_free(file);
  remove(path);
  dm_dataset_free(set);
  dm_theory_free(theory);
}

int main(void) {
  /* First, while the process's peak memory is still low. */
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("dataset.fits"));
  test_dataset_memory(path);

  DmError *error = NULL;
  Images images;
  bool made = images_make(&images, &error);
  CHECK_OK(made, error);
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("cube.fits"));
  if (made) {
    test_out_of_order(path, &images);
    test_abort(path, &images);
  }
  images_free(&images);
  return dm_test_result();
}
