/* dm_pm_run: an unperturbed lattice stays put bit for bit; the same seed
 * gives bit-identical snapshots, in this process and in children run with
 * OMP_NUM_THREADS 1 and 2, and another seed other ones; snapshots come at
 * the requested scale factors in order; progress, cancel, a failing
 * snapshot function and bad requests stop the run with their messages. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "darkmap/memory-budget.h"
#include "darkmap/particle-mesh.h"
#include "test-util.h"

typedef struct {
  int calls;
  double a[4];
  float *positions;   /* the last snapshot's, count × 3 */
  size_t count;
  int fail_at;        /* call that fails (0: none) */
} Taken;

static bool take(const DmPmSnapshot *snapshot, void *user_data, DmError **error) {
  Taken *taken = user_data;
  if (taken->calls < 4) taken->a[taken->calls] = snapshot->a;
  taken->calls++;
  if (taken->fail_at == taken->calls)
    return dm_error_set(error, DM_ERROR_IO, 0, "Snapshot %d could not be written.", taken->calls);
  if (!taken->positions) taken->positions = malloc(3 * snapshot->count * sizeof(float));
  taken->count = snapshot->count;
  memcpy(taken->positions, snapshot->positions, 3 * snapshot->count * sizeof(float));
  return true;
}

static bool fail_silently(const DmPmSnapshot *snapshot, void *user_data, DmError **error) {
  return false;
}

/* sigma8 of 1e-20 leaves the particles on the lattice's cell centres; with
 * box = mesh = particles these are at x + 1/2, painted as exact eighths. */
static void test_unperturbed_lattice(void) {
  DmPmRequest request;
  dm_pm_request_init(&request);
  request.cosmology.sigma8 = 1e-20;
  request.box = 32.0;
  request.mesh = request.particles = 32;
  double a_end = 1.0;
  Taken taken = {0};
  DmError *error = NULL;
  CHECK_OK(dm_pm_run(&request, &a_end, 1, take, &taken, NULL, &error), error);
  CHECK(taken.calls == 1 && taken.count == 32 * 32 * 32);
  size_t moved = 0, i = 0;
  for (int z = 0; z < 32; z++)
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++, i++) {
        const float *p = taken.positions + 3 * i;
        moved += p[0] != x + 0.5f || p[1] != y + 0.5f || p[2] != z + 0.5f;
      }
  CHECK(moved == 0);
  free(taken.positions);
}

static void run(const DmPmRequest *request, Taken *taken) {
  double a[3] = {0.25, 0.5, 1.0};
  DmError *error = NULL;
  CHECK_OK(dm_pm_run(request, a, 3, take, taken, NULL, &error), error);
  CHECK(taken->calls == 3);
  CHECK(taken->a[0] == 0.25 && taken->a[1] == 0.5 && taken->a[2] == 1.0);
}

/* The reproducibility run: 96³ particles, enough work for the paint and the
 * readout to use 2 threads. */
static void reproducibility_request(DmPmRequest *request, uint64_t seed) {
  dm_pm_request_init(request);
  request->mesh = request->particles = 96;
  request->steps = 2;
  request->seed = seed;
}

/* Child mode: runs seed 42 and writes the last snapshot's positions to path. */
static int write_positions(const char *path) {
  DmPmRequest request;
  reproducibility_request(&request, 42);
  Taken taken = {0};
  run(&request, &taken);
  FILE *f = fopen(path, "wb");
  bool ok = f && taken.positions &&
            fwrite(taken.positions, sizeof(float), 3 * taken.count, f) == 3 * taken.count;
  if (f) fclose(f);
  free(taken.positions);
  return ok && dm_test_result() == 0 ? 0 : 1;
}

/* This program in child mode under OMP_NUM_THREADS = threads (read as
 * OpenMP starts, hence a new process); its positions, malloc'ed. */
static float *positions_with_threads(const char *threads, size_t floats) {
  char path[4096];
  const char *dir = getenv("DARKMAP_TEST_TMP");
  snprintf(path, sizeof path, "%s/test-pm-run-%s-threads.bin", dir ? dir : "/tmp", threads);
  pid_t child = fork();
  if (child == 0) {
    setenv("OMP_NUM_THREADS", threads, 1);
    execl("/proc/self/exe", "test-pm-run", "--write", path, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0);
  float *positions = malloc(floats * sizeof *positions);
  FILE *f = fopen(path, "rb");
  CHECK(f && fread(positions, sizeof(float), floats, f) == floats);
  if (f) fclose(f);
  unlink(path);
  return positions;
}

static void test_reproducible(void) {
  DmPmRequest request;
  reproducibility_request(&request, 42);
  Taken same = {0}, again = {0}, other = {0};
  run(&request, &same);
  run(&request, &again);
  reproducibility_request(&request, 43);
  run(&request, &other);
  size_t floats = 3 * same.count;
  CHECK(memcmp(same.positions, again.positions, floats * sizeof(float)) == 0);
  CHECK(dm_test_max_abs_difference(same.positions, other.positions, floats) > 1.0);
  float *one = positions_with_threads("1", floats), *two = positions_with_threads("2", floats);
  CHECK(memcmp(one, same.positions, floats * sizeof(float)) == 0);
  CHECK(memcmp(two, same.positions, floats * sizeof(float)) == 0);
  free(one);
  free(two);
  free(same.positions);
  free(again.positions);
  free(other.positions);
}

typedef struct {
  int reports;
  double last;
  atomic_int *cancel;
  int cancel_after;   /* reports before cancelling (0: never) */
} Watch;

static void watch(void *user_data, double fraction, const char *stage) {
  Watch *w = user_data;
  w->reports++;
  CHECK(fraction >= w->last && fraction <= 1.0 && stage && stage[0]);
  w->last = fraction;
  if (w->cancel_after && w->reports == w->cancel_after) atomic_store(w->cancel, 1);
}

static void test_progress_and_cancel(void) {
  DmPmRequest request;
  dm_pm_request_init(&request);
  request.mesh = request.particles = 16;
  request.steps = 5;
  double a[2] = {0.5, 1.0};
  atomic_int cancel = 0;
  Watch w = {0, 0.0, &cancel, 0};
  DmProgress progress = {watch, &w, &cancel};
  Taken taken = {0};
  DmError *error = NULL;
  /* boundaries 0.1, 0.28, 0.46, 0.5 (a snapshot put in), 0.64, 0.82, 1 */
  CHECK_OK(dm_pm_run(&request, a, 2, take, &taken, &progress, &error), error);
  CHECK(w.reports == 7 && w.last == 1.0);
  CHECK(taken.calls == 2 && taken.a[0] == 0.5 && taken.a[1] == 1.0);

  Watch stop = {0, 0.0, &cancel, 3};
  progress.user_data = &stop;
  taken.calls = 0;
  CHECK_FAILS(dm_pm_run(&request, a, 2, take, &taken, &progress, &error), error,
              DM_ERROR_CANCELLED);
  CHECK(taken.calls == 0);
  free(taken.positions);

  atomic_store(&cancel, 0);
  Taken failing = {.fail_at = 2};
  CHECK(!dm_pm_run(&request, a, 2, take, &failing, NULL, &error));
  CHECK(error && error->code == DM_ERROR_IO &&
        strcmp(error->message, "Snapshot 2 could not be written.") == 0);
  dm_error_clear(&error);
  free(failing.positions);
  CHECK(!dm_pm_run(&request, a, 2, fail_silently, NULL, NULL, &error));
  CHECK(error &&
        strcmp(error->message, "The simulation's snapshot at a = 0.5 could not be taken.") == 0);
  dm_error_clear(&error);
}

/* A request that fails with its message. */
static void check_refused(const DmPmRequest *request, const double *a, int n, const char *message) {
  DmError *error = NULL;
  Taken taken = {0};
  CHECK(!dm_pm_run(request, a, n, take, &taken, NULL, &error));
  CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT);
  if (error && strcmp(error->message, message) != 0)
    fprintf(stderr, "message \"%s\", expected \"%s\"\n", error->message, message);
  CHECK(error && strcmp(error->message, message) == 0);
  CHECK(taken.calls == 0);
  dm_error_clear(&error);
}

static void test_bad_requests(void) {
  DmPmRequest good, request;
  dm_pm_request_init(&good);
  good.mesh = good.particles = 16;
  double a = 1.0, unsorted[2] = {0.5, 0.4}, early = 0.05, late = 1.5;
  enum { FIELDS = 5 };
  DmPmRequest bad[FIELDS] = {good, good, good, good, good};
  bad[0].box = 0.0;
  bad[1].mesh = 2048;
  bad[2].particles = 17;
  bad[3].steps = 0;
  bad[4].a_start = 1.0;
  static const char *const messages[FIELDS] = {
      "Box side 0 Mpc/h is not a positive number.",
      "Mesh 2048 is out of range (8 to 1024 cells per side).",
      "17 particles per side are out of range (2 to the mesh's 16).",
      "0 steps are out of range (1 to 1000).",
      "Initial scale factor 1 is out of range (between 0 and 1).",
  };
  for (int i = 0; i < FIELDS; i++) check_refused(&bad[i], &a, 1, messages[i]);
  request = good;
  request.cosmology.omega_m = 0.0;
  DmError *error = NULL;
  CHECK_FAILS(dm_pm_run(&request, &a, 1, take, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  check_refused(&good, &a, 0,
                "A simulation needs at least one snapshot and a function to take it.");
  check_refused(&good, &early, 1,
                "Snapshot scale factor 0.05 is out of range (after the initial 0.1, up to 1).");
  check_refused(&good, &late, 1,
                "Snapshot scale factor 1.5 is out of range (after the initial 0.1, up to 1).");
  check_refused(&good, unsorted, 2,
                "Snapshot scale factor 0.4 is out of order (after 0.5, up to 1).");

  /* 1024³ particles need 44 GiB: refused before allocating where the machine has less */
  request = good;
  request.mesh = request.particles = 1024;
  double need = dm_pm_memory_bytes(&request);
  CHECK(need > 40.0 * 1073741824.0);
  if (dm_memory_physical_bytes() > 0.0 && dm_memory_physical_bytes() < need) {
    Taken taken = {0};
    CHECK_FAILS(dm_pm_run(&request, &a, 1, take, &taken, NULL, &error), error,
                DM_ERROR_NO_MEMORY);
    CHECK(taken.calls == 0);
  }
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--write") == 0) return write_positions(argv[2]);
  test_unperturbed_lattice();
  test_reproducible();
  test_progress_and_cancel();
  test_bad_requests();
  return dm_test_result();
}
