/* FFT plans: a 2-D transform against a direct DFT, NumPy's fftfreq order,
 * and wisdom written by one process being accepted by the next (each step in
 * a fresh child process, as two runs of the program would be). */
#include <complex.h>
#include <sys/wait.h>
#include <unistd.h>

#include "darkmap/fft.h"
#include "test-util.h"

static void check_against_dft(void) {
  enum { NX = 6, NY = 5 };
  DmError *error = NULL;
  const DmFftPlan *plan = dm_fft_plan(NX, NY, DM_FFT_C2C_FORWARD, &error);
  CHECK_OK(plan != NULL, error);
  dm_complex *in = dm_fft_alloc(NX * NY * sizeof *in), *out = dm_fft_alloc(NX * NY * sizeof *out);
  for (int i = 0; i < NX * NY; i++) in[i] = (float)(i % 7) - 2.5f + I * (float)(i % 3);
  if (plan) dm_fft_execute(plan, in, out);
  double worst = 0;
  for (int ky = 0; ky < NY; ky++)
    for (int kx = 0; kx < NX; kx++) {
      double complex sum = 0;
      for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++)
          sum += in[y * NX + x] * cexp(-2.0 * M_PI * I * ((double)kx * x / NX + (double)ky * y / NY));
      worst = fmax(worst, cabs(sum - out[ky * NX + kx]));
    }
  CHECK(worst < 1e-4);
  dm_fft_free(in);
  dm_fft_free(out);
}

static void check_freq(void) {
  const double even[4] = {0, 0.25, -0.5, -0.25}, odd[5] = {0, 0.2, 0.4, -0.4, -0.2};
  for (int i = 0; i < 4; i++) CHECK(dm_fft_freq(i, 4) == even[i]);
  for (int i = 0; i < 5; i++) CHECK_CLOSE(dm_fft_freq(i, 5), odd[i], 1e-15);
}

/* Runs step in a child process; returns its exit status. */
static int in_child(int (*step)(const char *), const char *path) {
  pid_t pid = fork();
  if (pid == 0) _exit(step(path));
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

static int measure_and_export(const char *path) {
  DmError *error = NULL;
  dm_fft_set_effort(DM_FFT_MEASURE);
  dm_fft_set_threads(2);
  if (!dm_fft_plan(48, 40, DM_FFT_C2C_FORWARD, &error)) return 1;
  return dm_fft_export_wisdom(path, &error) ? 0 : 2;
}

static int import_first(const char *path) {
  dm_fft_set_threads(2);
  return dm_fft_import_wisdom(path) ? 0 : 3;
}

int main(void) {
  /* The children first: a process forked after FFTW started its threads
   * would wait on threads it does not have. */
  const char *wisdom = dm_test_tmp_path("fft-wisdom");
  CHECK(in_child(measure_and_export, wisdom) == 0);
  CHECK(in_child(import_first, wisdom) == 0);
  unlink(wisdom);
  check_against_dft();
  check_freq();
  return dm_test_result();
}
