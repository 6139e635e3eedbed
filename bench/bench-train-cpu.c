/* CPU training speed and OpenMP's waiting threads: steps per second of a
 * short score-matching run (darkmap/score-network.h; by default the settings
 * of `darkmap-cli train-score --size 64 --width 8 --depth 3 --batch 4`: a
 * U-Net of 3 levels, base width 8, on 64² lognormal maps with haloes; the
 * command's own defaults are --size 128 --width 16 --depth 4 --batch 8) and of a
 * small MMGAN training run (darkmap/mmgan-train.h: 64² noiseless pool,
 * generator depth 3 width 8, critic width 8, 4 conditions × 2 samples), in
 * this process and in a copy of it started with OMP_WAIT_POLICY=PASSIVE
 * (OpenMP's threads sleep as soon as they are idle instead of spinning),
 * round by round so that the machine's load hits both alike.  The ratio
 * passive / default near 1 means that the engine gains nothing from the
 * variable: its OpenMP threads do not spin at the expense of the work.
 *
 * Each measure: the pools made once per process (untimed), then per round a
 * new network, optimiser and trainer, WARM_UP untimed steps, S timed steps;
 * steps/s = S / wall seconds, and the process's processor seconds (all
 * threads, getrusage) per step.  Medians over the rounds.  The last line is
 * one JSON object.
 *
 *   bench-train-cpu [--threads T] [--data-threads D] [--steps S]
 *                   [--mmgan-steps S] [--rounds R] [--busy K]
 *                   [--size N] [--width W] [--depth D] [--batch B]
 *
 * --threads: the network engine's threads (default: the online CPUs, as
 * darkmap-cli); --data-threads: the score trainer's (default the same, as
 * train-score's --threads); --busy: K processes that spin on the CPU
 * meanwhile, a reproducible busy machine (default 0: the machine as it is);
 * --size ... --batch: the score run's grid, U-Net and batch. */
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-timing.h"
#include "darkmap/mmgan-train.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/score-network.h"
#include "darkmap/score-train-pool.h"
#include "darkmap/theory.h"

extern char **environ;

enum { MAX_ROUNDS = 32, WARM_UP = 3, MMGAN_SIZE = 64 };

static void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-train-cpu: %s: %s\n", what, error ? error->message : "unknown error");
  exit(1);
}

typedef struct {
  int threads, data_threads, steps, mmgan_steps, rounds, busy;
  int size, width, depth, batch; /* the score run's maps and U-Net */
} Settings;

/* One process's figures for one round. */
typedef struct {
  double score_rate, score_cpu; /* steps/s, processor s per step */
  double mmgan_rate, mmgan_cpu;
} Measure;

/* The pools, made once per process. */
typedef struct {
  DmTheorySpectrum *theory;
  DmScoreTrainPool *score_pool;
  DmMockSurvey *survey;
  DmDataset *dataset;
  DmMmganPool *mmgan_pool;
} Data;

static double processor_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
         (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec;
}

static Data make_data(const Settings *s) {
  DmError *error = NULL;
  Data d = {0};
  if (!(d.theory = dm_theory_read_csv(BENCH_THEORY, NULL, &error))) fail("theory", error);
  DmDatasetConfig fields;
  dm_dataset_config_init(&fields);
  fields.theory = d.theory;
  fields.nx = fields.ny = s->size;
  fields.pixel_arcmin = 0.29;
  fields.haloes = true;
  fields.seed = 1;
  d.score_pool = dm_score_train_pool_new(&fields, 32, 8, 1, s->data_threads, NULL, &error);
  if (!d.score_pool) fail("score pool", error);
  if (s->mmgan_steps == 0) return d;
  if (!(d.survey = dm_mock_survey_new_noiseless(MMGAN_SIZE, MMGAN_SIZE, NULL, &error)))
    fail("survey", error);
  fields.nx = fields.ny = MMGAN_SIZE;
  fields.haloes = false;
  if (!(d.dataset = dm_dataset_new(&fields, &error))) fail("dataset", error);
  DmMmganPoolOptions po = {.n_kappa = 8, .n_noise = 2, .n_validation = 1, .noise_seed = 1};
  if (!(d.mmgan_pool = dm_mmgan_pool_new(d.dataset, d.survey, &po, NULL, &error)))
    fail("MMGAN pool", error);
  return d;
}

static void free_data(Data *d) {
  dm_mmgan_pool_free(d->mmgan_pool);
  dm_dataset_free(d->dataset);
  dm_mock_survey_free(d->survey);
  dm_score_train_pool_free(d->score_pool);
  dm_theory_free(d->theory);
}

/* Runs WARM_UP + steps steps of run(trainer); *rate and *cpu get the timed
 * steps' steps/s and processor seconds per step. */
typedef bool (*StepsFunc)(void *trainer, int steps, DmError **error);

static void time_steps(StepsFunc run, void *trainer, int steps, double *rate, double *cpu) {
  DmError *error = NULL;
  if (!run(trainer, WARM_UP, &error)) fail("warm-up steps", error);
  double start = dm_monotonic_seconds(), start_cpu = processor_seconds();
  if (!run(trainer, steps, &error)) fail("training steps", error);
  double wall = dm_monotonic_seconds() - start;
  *rate = steps / wall;
  *cpu = (processor_seconds() - start_cpu) / steps;
}

static bool score_steps(void *trainer, int steps, DmError **error) {
  return dm_score_trainer_run(trainer, steps, NULL, NULL, error);
}

static bool mmgan_steps(void *trainer, int steps, DmError **error) {
  return dm_mmgan_trainer_run(trainer, steps, NULL, NULL, error);
}

static void measure_score(const Settings *s, const Data *d, Measure *m) {
  DmError *error = NULL;
  DmScorePrior *prior = dm_score_prior_new(d->theory, s->size, s->size, 0.29, &error);
  DmNn *nn = prior ? dm_nn_new(DM_NN_DEVICE_CPU, s->threads, &error) : NULL;
  DmNnParams *params = nn ? dm_nn_params_new(nn) : NULL;
  DmUNetConfig config = {.in_channels = 1,
                         .out_channels = 1,
                         .depth = s->depth,
                         .base_width = s->width,
                         .groups = s->width % 4 == 0   ? 4
                                   : s->width % 2 == 0 ? 2
                                                       : 1,
                         .slope = 0.2f,
                         .noise_features = 16};
  DmUNet *unet = params ? dm_unet_new(params, &config, 1, &error) : NULL;
  DmAdamConfig adam_config = dm_adam_config_default();
  adam_config.clip_norm = 1.0f;
  DmAdam *adam = unet ? dm_adam_new(params, &adam_config, &error) : NULL;
  DmScoreNetwork network = {nn, unet, prior ? dm_score_prior_variance(prior, 0.0) : 0.0, false};
  DmScoreTrainOptions options;
  dm_score_train_options_init(&options);
  options.batch = s->batch;
  options.sigma_max = 0.3;
  options.threads = s->data_threads;
  DmScoreTrainer *trainer =
      adam ? dm_score_trainer_new(prior, &network, params, adam, dm_score_train_pool_map,
                                  d->score_pool, &options, &error)
           : NULL;
  if (!trainer) fail("score trainer", error);
  time_steps(score_steps, trainer, s->steps, &m->score_rate, &m->score_cpu);
  dm_score_trainer_free(trainer);
  dm_adam_free(adam);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  dm_score_prior_free(prior);
}

static void measure_mmgan(const Settings *s, const Data *d, Measure *m) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, s->threads, &error);
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = MMGAN_SIZE;
  c.pixel_arcmin = 0.29;
  c.depth = 3;
  c.base_width = 8;
  c.critic_base = 8;
  dm_mmgan_pool_statistics(d->mmgan_pool, &c.kappa_mean, &c.kappa_std, &c.shear_scale);
  DmMmgan *mmgan = nn ? dm_mmgan_new(nn, &c, true, 1, &error) : NULL;
  DmMmganTrainer *trainer = mmgan ? dm_mmgan_trainer_new(mmgan, d->mmgan_pool, NULL, &error) : NULL;
  if (!trainer) fail("MMGAN trainer", error);
  time_steps(mmgan_steps, trainer, s->mmgan_steps, &m->mmgan_rate, &m->mmgan_cpu);
  dm_mmgan_trainer_free(trainer);
  dm_mmgan_free(mmgan);
  dm_nn_free(nn);
}

static void measure(const Settings *s, const Data *d, Measure *m) {
  *m = (Measure){0};
  measure_score(s, d, m);
  if (s->mmgan_steps > 0) measure_mmgan(s, d, m);
}

/* The child's one measure: this program run again with
 * OMP_WAIT_POLICY=PASSIVE and --child, its one output line parsed. */
static void measure_passive(char **argv, Measure *m) {
  int envc = 0;
  while (environ[envc]) envc++;
  char **envp = malloc((size_t)(envc + 2) * sizeof *envp);
  if (!envp) fail("memory", NULL);
  int kept = 0;
  for (int i = 0; i < envc; i++)
    if (strncmp(environ[i], "OMP_WAIT_POLICY=", 16) != 0) envp[kept++] = environ[i];
  envp[kept++] = "OMP_WAIT_POLICY=PASSIVE";
  envp[kept] = NULL;
  int argc = 0;
  while (argv[argc]) argc++;
  char **args = malloc((size_t)(argc + 2) * sizeof *args);
  if (!args) fail("memory", NULL);
  memcpy(args, argv, (size_t)argc * sizeof *args);
  args[argc] = "--child";
  args[argc + 1] = NULL;
  int fds[2];
  if (pipe(fds) != 0) fail("pipe", NULL);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid;
  if (posix_spawn(&pid, "/proc/self/exe", &actions, NULL, args, envp) != 0)
    fail("starting the passive copy", NULL);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  FILE *out = fdopen(fds[0], "r");
  int fields = out ? fscanf(out, "%lf %lf %lf %lf", &m->score_rate, &m->score_cpu, &m->mmgan_rate,
                            &m->mmgan_cpu)
                   : 0;
  if (out) fclose(out);
  int status = 0;
  waitpid(pid, &status, 0);
  if (fields != 4 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("the passive copy's figures", NULL);
  free(args);
  free(envp);
}

/* A process that spins on the CPU until killed (or this one exits). */
static pid_t start_busy(void) {
  pid_t pid = fork();
  if (pid < 0) fail("fork", NULL);
  if (pid > 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (volatile unsigned long spins = 0;; spins++) {
  }
}

static void print_row(const char *what, const Measure *own, const Measure *passive, bool mmgan) {
  printf("%-8s %10.2f %10.2f %10.4f %10.4f", what, own->score_rate, passive->score_rate,
         own->score_cpu, passive->score_cpu);
  if (mmgan)
    printf(" %10.2f %10.2f %10.4f %10.4f", own->mmgan_rate, passive->mmgan_rate, own->mmgan_cpu,
           passive->mmgan_cpu);
  printf("\n");
  fflush(stdout);
}

/* The median of field (an offset into Measure) over n measures. */
static double median_of(const Measure *m, int n, size_t field) {
  double values[MAX_ROUNDS];
  for (int i = 0; i < n; i++) values[i] = *(const double *)((const char *)&m[i] + field);
  return bench_median(values, n);
}

static Measure medians(const Measure *m, int n) {
  return (Measure){median_of(m, n, offsetof(Measure, score_rate)),
                   median_of(m, n, offsetof(Measure, score_cpu)),
                   median_of(m, n, offsetof(Measure, mmgan_rate)),
                   median_of(m, n, offsetof(Measure, mmgan_cpu))};
}

int main(int argc, char **argv) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  Settings s = {.threads = cpus > 0 ? (int)cpus : 1,
                .data_threads = 0,
                .steps = 30,
                .mmgan_steps = 10,
                .rounds = 5,
                .size = 64,
                .width = 8,
                .depth = 3,
                .batch = 4};
  bool child = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      s.threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--data-threads") && i + 1 < argc)
      s.data_threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
      s.steps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--mmgan-steps") && i + 1 < argc)
      s.mmgan_steps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
      s.rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--busy") && i + 1 < argc)
      s.busy = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size") && i + 1 < argc)
      s.size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--width") && i + 1 < argc)
      s.width = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--depth") && i + 1 < argc)
      s.depth = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      s.batch = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--child"))
      child = true;
    else {
      fprintf(stderr,
              "usage: %s [--threads T] [--data-threads D] [--steps S] [--mmgan-steps S]\n"
              "          [--rounds R] [--busy K] [--size N] [--width W] [--depth D] [--batch B]\n",
              argv[0]);
      return 2;
    }
  }
  if (s.data_threads == 0) s.data_threads = s.threads;
  if (s.threads < 1 || s.data_threads < 1 || s.steps < 1 || s.mmgan_steps < 0 || s.busy < 0 ||
      s.busy > 64 || s.rounds < 1 || s.rounds > MAX_ROUNDS || s.width < 1 || s.batch < 1 ||
      s.depth < 1 || s.depth > 8 || s.size < 4 || s.size % (1 << s.depth) != 0) {
    fprintf(stderr,
            "bench-train-cpu: threads >= 1, steps >= 1, rounds 1..%d, busy 0..64, depth 1..8, "
            "size a multiple of 2^depth\n",
            MAX_ROUNDS);
    return 2;
  }
  if (!child && getenv("OMP_WAIT_POLICY")) {
    fprintf(stderr, "bench-train-cpu: run it without OMP_WAIT_POLICY (it sets it for the copy)\n");
    return 2;
  }
  /* The spinning neighbours start before this process has threads (fork). */
  pid_t busy[64];
  for (int i = 0; !child && i < s.busy; i++) busy[i] = start_busy();
  Data data = make_data(&s);
  if (child) {
    Measure m;
    measure(&s, &data, &m);
    printf("%.6g %.6g %.6g %.6g\n", m.score_rate, m.score_cpu, m.mmgan_rate, m.mmgan_cpu);
    free_data(&data);
    return 0;
  }
  const bool mmgan = s.mmgan_steps > 0;
  printf(
      "# %ld CPUs, load average %.2f, %d spinning processes beside; %d network threads, %d "
      "score data threads\n",
      cpus, bench_load_average(), s.busy, s.threads, s.data_threads);
  printf("# score: %d² maps, U-Net depth %d width %d, batch %d, %d steps after %d\n", s.size,
         s.depth, s.width, s.batch, s.steps, WARM_UP);
  if (mmgan)
    printf("# MMGAN: %d², generator depth 3 width 8, critic 8, 4 x 2 samples, %d steps after %d\n",
           MMGAN_SIZE, s.mmgan_steps, WARM_UP);
  printf(
      "# default: OMP_WAIT_POLICY unset; passive: OMP_WAIT_POLICY=PASSIVE (a copy of this "
      "program)\n");
  printf("%-8s %10s %10s %10s %10s", "round", "score/s", "passive/s", "cpu_s/st", "passive");
  if (mmgan) printf(" %10s %10s %10s %10s", "mmgan/s", "passive/s", "cpu_s/st", "passive");
  printf("\n");
  Measure own[MAX_ROUNDS], passive[MAX_ROUNDS];
  for (int r = 0; r < s.rounds; r++) {
    /* Alternate which goes first, so that a trend in the load hits both. */
    if (r % 2 == 0) measure(&s, &data, &own[r]);
    measure_passive(argv, &passive[r]);
    if (r % 2 == 1) measure(&s, &data, &own[r]);
    char label[16];
    snprintf(label, sizeof label, "%d", r + 1);
    print_row(label, &own[r], &passive[r], mmgan);
  }
  Measure own_median = medians(own, s.rounds), passive_median = medians(passive, s.rounds);
  print_row("median", &own_median, &passive_median, mmgan);
  printf("# passive / default steps/s: score %.3f",
         passive_median.score_rate / own_median.score_rate);
  if (mmgan) printf(", MMGAN %.3f", passive_median.mmgan_rate / own_median.mmgan_rate);
  printf("; load average at the end %.2f\n", bench_load_average());
  printf(
      "{\"score_steps_per_s\": %.4g, \"score_passive_steps_per_s\": %.4g, "
      "\"score_ratio\": %.4g, \"mmgan_steps_per_s\": %.4g, "
      "\"mmgan_passive_steps_per_s\": %.4g, \"mmgan_ratio\": %.4g}\n",
      own_median.score_rate, passive_median.score_rate,
      passive_median.score_rate / own_median.score_rate, own_median.mmgan_rate,
      passive_median.mmgan_rate, mmgan ? passive_median.mmgan_rate / own_median.mmgan_rate : 0.0);
  for (int i = 0; i < s.busy; i++) {
    kill(busy[i], SIGKILL);
    waitpid(busy[i], NULL, 0);
  }
  free_data(&data);
  return 0;
}
