/* The application's responsiveness on real data (the COSMOS demo, 360²):
 *
 *   - time to the demo map: `darkmap --demo` as a fresh process (this
 *     program run again with --time-to-map, which runs the application
 *     as main.c does), from the spawn to the first frame painted after the
 *     demo's job has ended, with where it goes: process start (exec,
 *     libraries), GTK init and the application's start-up (display, theme,
 *     CSS, resources, accelerators; the demo's job starts there), the window
 *     built, its first frame, the job (catalogue read, binning,
 *     Kaiser-Squires on a worker) and the first frame of the map.  The job's stages are timed beside it in this
 *     process (the engine calls the job makes, one after the other);
 *     target: time to map under 0.5 s;
 *   - main-loop stalls: for each job the window can run on the field, a
 *     probe on the main loop (a 5 ms timer at high priority) records how
 *     late each tick comes; the longest delay is the worst freeze a user
 *     could see.  Each job is started from the main loop (as a click
 *     would) and watched until it has ended, a frame shows it, and the
 *     work it leaves behind (bands, statistics) has settled.  Target: no
 *     stall over 16 ms (one frame at 60 Hz).  The window's first frames,
 *     before any job, belong to the start-up (the time to the demo map
 *     above has them); their worst stall is printed on a line of its own.
 * Every figure is the worst (and the median) of R runs; the peer in the
 * same run is the idle main loop's own worst delay.
 *
 * Run under a display: xvfb-run -a build/bench/bench-app-responsiveness
 * [--runs R (default 5)] [--jobs open,smoothing,...]; GSK_RENDERER=cairo
 * as the tests use.  Settings, recent files and trained models go to a
 * scratch folder. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include <darkmap/binning.h>
#include <darkmap/catalog.h>
#include <darkmap/ks.h>
#include <darkmap/train.h>

#include "bench-timing.h"
#include "darkmap-application.h"
#include "darkmap-i18n.h"
#include "darkmap-job.h"
#include "darkmap-posterior-result.h"
#include "darkmap-sample-player.h"
#include "darkmap-smoother.h"
#include "darkmap-stats-page.h"
#include "darkmap-universes-page.h"
#include "darkmap-window.h"

#define PROBE_MS 5
#define MAX_RUNS 32
#define JOB_LIMIT_US (300 * G_USEC_PER_SEC)
/* Work a job leaves to the main loop after its end (a band measured on a
 * worker and shown) is watched this long after its first frame. */
#define SETTLE_US (300 * 1000)
#define DEMO_CATALOGUE "cosmos/cosmos_shear_schrabback2010.fits"

/* ---- Time to the demo map, in a fresh process --------------------------- */

/* The moments of the child's start-up, monotonic µs (the clock is the
 * system's: the parent's spawn time compares with them). */
enum { T_MAIN, T_STARTUP, T_WINDOW, T_FIRST_FRAME, T_JOB_DONE, T_MAP, N_MOMENTS };

static const char *const moment_names[N_MOMENTS] = {
  "process start (exec, libraries)", "GTK init, start-up (theme, CSS)", "window built",
  "window's first frame", "demo job (read, bin, KS) to its end", "first frame of the map",
};

typedef struct {
  gint64 at[N_MOMENTS];
  GtkWindow *window;
  gboolean first_frame_ends;  /* the peer: done at the window's first frame */
} ChildTimes;

static void
on_child_after_paint (GdkFrameClock *clock, ChildTimes *t)
{
  gint64 now = g_get_monotonic_time ();

  if (t->at[T_FIRST_FRAME] == 0)
    t->at[T_FIRST_FRAME] = now;
  if ((t->at[T_JOB_DONE] != 0 || t->first_frame_ends) && t->at[T_MAP] == 0)
    {
      t->at[T_MAP] = now;
      gtk_window_destroy (t->window);
    }
}

static void
on_child_job_finished (DarkmapWindow *window, const GError *error, ChildTimes *t)
{
  if (error != NULL)
    fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
  t->at[T_JOB_DONE] = g_get_monotonic_time ();
}

static void
on_child_realize (GtkWidget *window, ChildTimes *t)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_child_after_paint), t);
}

static void
on_child_window_added (GtkApplication *app, GtkWindow *window, ChildTimes *t)
{
  t->at[T_WINDOW] = g_get_monotonic_time ();
  t->window = window;
  g_signal_connect (window, "job-finished", G_CALLBACK (on_child_job_finished), t);
  g_signal_connect (window, "realize", G_CALLBACK (on_child_realize), t);
}

static void
on_child_startup (GApplication *app, ChildTimes *t)
{
  t->at[T_STARTUP] = g_get_monotonic_time ();
}

/* `darkmap --demo` as app/main.c runs it; prints the moments on one line
 * (first_frame_ends: T_MAP is the window's first frame). */
static int
time_to_map_child (gboolean first_frame_ends)
{
  ChildTimes t = { { g_get_monotonic_time () }, NULL, first_frame_ends };
  char *argv[] = { "darkmap", "--demo", NULL };
  g_autoptr (DarkmapApplication) app = NULL;
  int status;

  darkmap_i18n_init ();
  app = darkmap_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app))
                             | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "startup", G_CALLBACK (on_child_startup), &t);
  g_signal_connect (app, "window-added", G_CALLBACK (on_child_window_added), &t);
  status = g_application_run (G_APPLICATION (app), 2, argv);
  if (status != 0 || t.at[T_MAP] == 0)
    return 1;
  for (int k = 0; k < N_MOMENTS; k++)
    printf ("%" G_GINT64_FORMAT "%c", t.at[k], k + 1 < N_MOMENTS ? ' ' : '\n');
  return 0;
}

/* One fresh process (mode: --time-to-map or --time-to-window; envp: its
 * environment, NULL: this one's): the seconds of each moment after the
 * previous one (spans[0] from the spawn) and the total; FALSE on a
 * failure. */
static gboolean
time_to_map_once (const char *self_path, const char *mode, char **envp,
                  double spans[N_MOMENTS], double *total)
{
  char *argv[] = { (char *) self_path, (char *) mode, NULL };
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  gint64 at[N_MOMENTS], spawned;
  int status;

  spawned = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                     &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "bench-app-responsiveness: %s: %s\n", mode, error->message);
      return FALSE;
    }
  if (sscanf (out, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
              " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &at[0], &at[1],
              &at[2], &at[3], &at[4], &at[5]) != N_MOMENTS)
    return FALSE;
  for (int k = 0; k < N_MOMENTS; k++)
    {
      /* The window's first frame may come after the job ends: each span
       * from the latest moment before it. */
      gint64 before = spawned;

      for (int j = 0; j < k; j++)
        if (at[j] <= at[k])
          before = MAX (before, at[j]);
      spans[k] = (at[k] - before) / 1e6;
    }
  *total = (at[T_MAP] - spawned) / 1e6;
  return TRUE;
}

/* The demo job's engine calls on this thread, as DarkmapJob makes them:
 * seconds of the read, the binning and KS (with both smoothings). */
enum { S_READ, S_BIN, S_KS, N_STAGES };

static gboolean
time_job_stages (const char *catalogue, double seconds[N_STAGES])
{
  DarkmapJobSettings settings;
  DmCatalogColumns columns;
  DmGridSpec spec;
  DmKsOptions ks = { .pad = false, .smooth_sigma_pixels = 0.0 };
  DmError *error = NULL;
  DmCatalog *catalog;
  DmBinnedShear *binned;
  DmMap *e = NULL, *b = NULL, *se = NULL, *sb = NULL;
  gint64 t0, t1, t2, t3;
  gboolean ok;

  darkmap_job_settings_init (&settings);
  darkmap_job_settings_columns (&settings, &columns);
  darkmap_job_settings_grid_spec (&settings, &spec);
  t0 = g_get_monotonic_time ();
  if ((catalog = dm_catalog_read (catalogue, 0, &columns, NULL, &error)) == NULL)
    {
      fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
      dm_error_free (error);
      return FALSE;
    }
  t1 = g_get_monotonic_time ();
  binned = dm_bin_catalog (catalog, &spec, NULL, &error);
  dm_catalog_free (catalog);
  t2 = g_get_monotonic_time ();
  ok = binned != NULL && dm_ks_shear_to_kappa (binned->shear, &ks, &e, &b, &error)
       && (se = darkmap_smooth_map (e, settings.smooth_sigma, &error)) != NULL
       && (sb = darkmap_smooth_map (b, settings.smooth_sigma, &error)) != NULL;
  t3 = g_get_monotonic_time ();
  if (!ok)
    {
      fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
      dm_error_free (error);
    }
  dm_binned_shear_free (binned);
  dm_map_free (e);
  dm_map_free (b);
  dm_map_free (se);
  dm_map_free (sb);
  seconds[S_READ] = (t1 - t0) / 1e6;
  seconds[S_BIN] = (t2 - t1) / 1e6;
  seconds[S_KS] = (t3 - t2) / 1e6;
  return ok;
}

/* Worst and median of n values (sorted in place). */
static void
worst_median (double *values, int n, double *worst, double *median)
{
  *median = bench_median (values, n);
  *worst = values[n - 1];
}

/* Time to the demo map, runs times, with its peer in the same runs: the
 * same start-up without the demo's data (DARKMAP_DATA_DIR an empty folder
 * of scratch: the welcome page, no job) to the window's first frame, what
 * the map's time would be if the job cost nothing. */
static gboolean
run_time_to_map (const char *self_path, const char *catalogue, const char *scratch, int runs)
{
  double spans[N_MOMENTS][MAX_RUNS], totals[MAX_RUNS], peers[MAX_RUNS];
  double stages[N_STAGES][MAX_RUNS];
  double worst, median, peer_worst, peer_median;
  g_autofree char *empty = g_build_filename (scratch, "no-data", NULL);
  g_auto (GStrv) peer_env = g_environ_setenv (g_get_environ (), "DARKMAP_DATA_DIR", empty, TRUE);
  static const char *const stage_names[N_STAGES] = {
    "  catalogue read (417,117 galaxies)", "  binning (360^2)", "  Kaiser-Squires + smoothing",
  };

  g_mkdir_with_parents (empty, 0700);
  for (int r = 0; r < runs; r++)
    {
      double s[N_MOMENTS], peer_spans[N_MOMENTS], st[N_STAGES];

      if (!time_to_map_once (self_path, "--time-to-map", NULL, s, &totals[r])
          || !time_to_map_once (self_path, "--time-to-window", peer_env, peer_spans, &peers[r])
          || !time_job_stages (catalogue, st))
        return FALSE;
      for (int k = 0; k < N_MOMENTS; k++)
        spans[k][r] = s[k];
      for (int k = 0; k < N_STAGES; k++)
        stages[k][r] = st[k];
      fprintf (stderr, "time to map run %d: %.3f s (peer %.3f s)\n", r + 1, totals[r], peers[r]);
    }
  printf ("# time to the demo map (darkmap --demo, a fresh process), %d runs, seconds\n", runs);
  printf ("%-40s %9s %9s\n", "span", "worst", "median");
  for (int k = 0; k < N_MOMENTS; k++)
    {
      worst_median (spans[k], runs, &worst, &median);
      printf ("%-40s %9.3f %9.3f\n", moment_names[k], worst, median);
    }
  printf ("%-40s %9s %9s\n", "the job's stages (this process, alone):", "", "");
  for (int k = 0; k < N_STAGES; k++)
    {
      worst_median (stages[k], runs, &worst, &median);
      printf ("%-40s %9.3f %9.3f\n", stage_names[k], worst, median);
    }
  worst_median (totals, runs, &worst, &median);
  worst_median (peers, runs, &peer_worst, &peer_median);
  printf ("%-40s %9.3f %9.3f   target 0.5 s: %.2fx\n", "time to map (spawn to map shown)", worst,
          median, 0.5 / worst);
  printf ("%-40s %9.3f %9.3f   map/peer (medians): %.2f\n",
          "peer: spawn to first frame, no demo data", peer_worst, peer_median,
          median / peer_median);
  return TRUE;
}

/* ---- Main-loop stalls during each job ----------------------------------- */

typedef struct {
  DarkmapWindow *window;
  char *catalogue;
  char *scratch;
  /* The probe: monotonic µs of its last tick (or of its start), the
   * longest lateness; the main thread's processor µs at the last tick, the
   * most it used between two ticks (its work alone, whatever the load). */
  gint64 last_tick, worst, last_cpu, worst_cpu;
  /* Ends seen: a job, a reconstruction, a training, an export, a save. */
  gboolean job_done, reconstruct_done, training_done, exported, saved;
  int painted;            /* frames painted since the watch began */
} Bench;

typedef struct {
  const char *name;
  const char *what;       /* the row's description */
  /* Starts the job (called from the main loop); FALSE when it cannot. */
  gboolean (*start) (Bench *b);
  /* TRUE once the job has ended (NULL: when start returns). */
  gboolean (*ended) (Bench *b);
} BenchJob;

/* Processor µs this thread has used. */
static gint64
thread_cpu_us (void)
{
  struct timespec t;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  return (gint64) t.tv_sec * G_USEC_PER_SEC + t.tv_nsec / 1000;
}

static gboolean
on_probe (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time (), cpu = thread_cpu_us ();

  b->worst = MAX (b->worst, now - b->last_tick - PROBE_MS * 1000);
  b->worst_cpu = MAX (b->worst_cpu, cpu - b->last_cpu);
  b->last_tick = now;
  b->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

/* Starts the probe on the main loop; its source id. */
static guint
start_probe (Bench *b)
{
  b->worst = b->worst_cpu = 0;
  b->last_tick = g_get_monotonic_time ();
  b->last_cpu = thread_cpu_us ();
  return g_timeout_add_full (G_PRIORITY_HIGH, PROBE_MS, on_probe, b, NULL);
}

static void
on_after_paint (GdkFrameClock *clock, Bench *b)
{
  b->painted++;
}

static void
on_job_finished (DarkmapWindow *window, const GError *error, Bench *b)
{
  if (error != NULL)
    fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
  b->job_done = TRUE;
}

static void
on_reconstruct_finished (DarkmapWindow *window, const GError *error, Bench *b)
{
  if (error != NULL)
    fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
  b->reconstruct_done = TRUE;
}

static void
on_training_finished (DarkmapWindow *window, const GError *error, Bench *b)
{
  if (error != NULL)
    fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
  b->training_done = TRUE;
}

typedef struct {
  Bench *bench;
  const BenchJob *job;
  gboolean started, ok;
} Starter;

static gboolean
start_job (gpointer data)
{
  Starter *s = data;

  s->ok = s->job->start (s->bench);
  s->started = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until deadline (monotonic µs) or until the frames
 * painted reach frames; TRUE when they did. */
static gboolean
iterate_until (Bench *b, gint64 deadline, int frames)
{
  while (b->painted < frames && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return b->painted >= frames;
}

/* One run of job: the worst main-loop stall from its start until it has
 * ended, been painted and settled, in ms (cpu_ms: the most processor time
 * the main thread used between two ticks; seconds: the time to its end);
 * < 0 on a failure. */
static double
watch (Bench *b, const BenchJob *job, double *cpu_ms, double *seconds)
{
  Starter starter = { b, job, FALSE, FALSE };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->window));
  gulong painted = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), b);
  gint64 deadline = g_get_monotonic_time () + JOB_LIMIT_US, start, end = 0;
  guint probe;
  gboolean ended = FALSE;

  b->job_done = b->reconstruct_done = b->training_done = b->exported = b->saved = FALSE;
  b->painted = 0;
  probe = start_probe (b);
  start = b->last_tick;
  g_idle_add (start_job, &starter);
  while (g_get_monotonic_time () < deadline && !ended)
    {
      g_main_context_iteration (NULL, TRUE);
      ended = starter.started && (!starter.ok || job->ended == NULL || job->ended (b));
    }
  if (ended && starter.ok)
    {
      /* Its frame, then what it left to do. */
      end = g_get_monotonic_time ();
      b->painted = 0;
      gtk_widget_queue_draw (GTK_WIDGET (b->window));
      iterate_until (b, deadline, 1);
      iterate_until (b, g_get_monotonic_time () + SETTLE_US, G_MAXINT);
      while (job->ended != NULL && !job->ended (b) && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (probe);
  g_signal_handler_disconnect (clock, painted);
  if (!ended || !starter.ok)
    {
      fprintf (stderr, "bench-app-responsiveness: %s: %s\n", job->name,
               ended ? "could not start" : "no end");
      return -1.0;
    }
  *seconds = (end - start) / 1e6;
  *cpu_ms = b->worst_cpu / 1e3;
  return b->worst / 1e3;
}

/* ---- The jobs -------------------------------------------------------------- */

static gboolean
job_ended (Bench *b)
{
  return b->job_done;
}

static gboolean
reconstruct_ended (Bench *b)
{
  return b->reconstruct_done;
}

static gboolean
training_ended (Bench *b)
{
  return b->training_done;
}

static gboolean
smoothing_ended (Bench *b)
{
  return !darkmap_window_is_smoothing (b->window);
}

static gboolean
statistics_ended (Bench *b)
{
  return !darkmap_stats_page_is_measuring (
    DARKMAP_STATS_PAGE (darkmap_window_get_stats_page (b->window)));
}

static gboolean
universes_ended (Bench *b)
{
  return !darkmap_universes_page_is_generating (
    DARKMAP_UNIVERSES_PAGE (darkmap_window_get_universes_page (b->window)));
}

static gboolean
start_open (Bench *b)
{
  g_autoptr (GFile) file = g_file_new_for_path (b->catalogue);

  g_object_set (b->window, "layer", "kappa-e", "page", "map", NULL);
  darkmap_window_open_file (b->window, file);
  return TRUE;
}

static gboolean
start_open_clusters (Bench *b)
{
  g_autofree char *path = darkmap_find_data_file ("cosmos/xray_finoguenov2007.csv");
  g_autoptr (GFile) file = g_file_new_for_path (path);

  return darkmap_window_open_clusters (b->window, file, NULL);
}

static gboolean
start_smoothing (Bench *b)
{
  GtkRange *scale = GTK_RANGE (darkmap_window_get_smoothing_scale (b->window));

  gtk_range_set_value (scale, gtk_range_get_value (scale) == 2.0 ? 4.0 : 2.0);
  return TRUE;
}

static gboolean
reconstruct (Bench *b, DmReconstructMethod method, const char *model, int samples)
{
  g_autofree char *model_path = model != NULL ? darkmap_find_data_file (model) : NULL;
  g_autoptr (GError) error = NULL;
  DmReconstructRequest request;

  g_object_set (b->window, "page", "map", NULL);
  dm_reconstruct_request_init (&request, method);
  request.n_samples = samples;
  request.model_path = model_path;
  request.device = "cpu";
  if (method == DM_RECONSTRUCT_SCORE_FLOW)
    {
      request.flow.n_steps = 4;
      request.flow.n_corrector = 0;
    }
  if (!darkmap_window_reconstruct (b->window, &request, &error))
    {
      fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
start_wiener (Bench *b)
{
  return reconstruct (b, DM_RECONSTRUCT_WIENER, NULL, 8);
}

static gboolean
start_mmgan (Bench *b)
{
  return reconstruct (b, DM_RECONSTRUCT_MMGAN, "models/mmgan-cosmos.safetensors", 8);
}

static gboolean
start_score (Bench *b)
{
  return reconstruct (b, DM_RECONSTRUCT_SCORE_FLOW, "models/score-cosmos.safetensors", 2);
}

static gboolean
start_layers (Bench *b)
{
  static const char *const layers[] = {
    "mean", "std", "significance", "sample", "kappa-b", "shear", "counts", "noise", "kappa-e",
  };

  /* Each switch is its own main-loop dispatch, as a click is: its frame
   * drawn before the next (the probe runs meanwhile). */
  for (size_t i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      b->painted = 0;
      g_object_set (b->window, "layer", layers[i], NULL);
      gtk_widget_queue_draw (GTK_WIDGET (b->window));
      iterate_until (b, g_get_monotonic_time () + G_USEC_PER_SEC, 1);
    }
  return TRUE;
}

static gboolean
start_flipbook (Bench *b)
{
  DarkmapSamplePlayer *player = DARKMAP_SAMPLE_PLAYER (darkmap_window_get_sample_player (b->window));
  int n = darkmap_sample_player_get_n_samples (player);

  g_object_set (b->window, "layer", "sample", NULL);
  for (int i = 0; i < n; i++)
    {
      b->painted = 0;
      darkmap_sample_player_step (player, 1);
      iterate_until (b, g_get_monotonic_time () + G_USEC_PER_SEC, 1);
    }
  g_object_set (b->window, "layer", "kappa-e", NULL);
  return n > 0;
}

static gboolean
start_spectrum (Bench *b)
{
  g_object_set (b->window, "page", "spectrum", NULL);
  return TRUE;
}

static gboolean
start_statistics (Bench *b)
{
  g_object_set (b->window, "page", "statistics", NULL);
  return TRUE;
}

static gboolean
start_back_to_map (Bench *b)
{
  g_object_set (b->window, "page", "map", NULL);
  return TRUE;
}

static gboolean
report (gboolean ok, GError *error)
{
  if (!ok)
    fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
  g_clear_error (&error);
  return ok;
}

/* A file the window writes at once (as its dialogs do), name in the
 * scratch folder. */
static gboolean
write_now (Bench *b, const char *name,
           gboolean (*write) (DarkmapWindow *window, const char *path, GError **error))
{
  g_autofree char *path = g_build_filename (b->scratch, name, NULL);
  GError *error = NULL;

  return report (write (b->window, path, &error), error);
}

static gboolean
start_export_fits (Bench *b)
{
  return write_now (b, "kappa.fits", darkmap_window_export_fits);
}

static void
on_exported (GObject *window, GAsyncResult *result, gpointer data)
{
  Bench *b = data;
  GError *error = NULL;

  report (darkmap_window_export_view_finish (DARKMAP_WINDOW (window), result, &error), error);
  b->exported = TRUE;
}

static gboolean
exported (Bench *b)
{
  return b->exported;
}

/* As the Export dialog does it: the file written on a worker. */
static gboolean
start_export_png (Bench *b)
{
  g_autofree char *path = g_build_filename (b->scratch, "view.png", NULL);

  darkmap_window_export_view_async (b->window, path, 1200, 150.0, on_exported, b);
  return TRUE;
}

static gboolean
start_export_significance (Bench *b)
{
  return write_now (b, "significance.csv", darkmap_window_export_significance);
}

static void
on_saved (GObject *window, GAsyncResult *result, gpointer data)
{
  Bench *b = data;
  GError *error = NULL;

  report (darkmap_window_save_posterior_finish (DARKMAP_WINDOW (window), result, &error), error);
  b->saved = TRUE;
}

static gboolean
saved (Bench *b)
{
  return b->saved;
}

/* As the Save Posterior dialog does it: the file written on a worker. */
static gboolean
start_save_posterior (Bench *b)
{
  g_autofree char *path = g_build_filename (b->scratch, "posterior.fits", NULL);

  darkmap_window_save_posterior_async (b->window, path, on_saved, b);
  return TRUE;
}

static gboolean
start_training (Bench *b)
{
  g_autofree char *model = g_build_filename (b->scratch, "bench-tiny.safetensors", NULL);
  GError *error = NULL;
  DmTrainRequest request;

  /* A tiny score prior: a few steps, reported every other. */
  dm_train_request_init (&request, DM_TRAIN_SCORE_HYBRID, DM_TRAIN_PRESET_QUICK);
  request.size = 32;
  request.width = 4;
  request.depth = 2;
  request.pool_maps = 8;
  request.validation = 2;
  request.batch = 2;
  request.steps = 8;
  request.report_every = 2;
  request.validate_every = 4;
  request.checkpoint_every = 50;
  request.device = "cpu";
  request.threads = 1;
  request.name = "bench-tiny";
  request.model_path = model;
  g_remove (model);
  return report (darkmap_window_start_training (b->window, &request, &error), error);
}

static gboolean
start_universes (Bench *b)
{
  g_autofree char *model = darkmap_find_data_file ("models/cosmogan-cosmos.safetensors");

  darkmap_window_show_universes (b->window, model);
  return TRUE;
}

static const BenchJob jobs[] = {
  { "open", "open the demo field (read, bin, KS), shown", start_open, job_ended },
  { "clusters", "open the X-ray cluster table", start_open_clusters, NULL },
  { "smoothing", "smoothing changed (KS maps smoothed again)", start_smoothing, smoothing_ended },
  { "spectrum", "power spectrum page", start_spectrum, NULL },
  { "map", "back to the map page", start_back_to_map, NULL },
  { "wiener", "Wiener, 8 samples (+ significance, band)", start_wiener, reconstruct_ended },
  { "mmgan", "MMGAN, 8 samples on the CPU", start_mmgan, reconstruct_ended },
  { "layers", "layers: mean, std, significance, sample...", start_layers, NULL },
  { "flipbook", "flip-book: every sample shown in turn", start_flipbook, NULL },
  { "statistics", "statistics page (measured, band)", start_statistics, statistics_ended },
  { "map-again", "back to the map page", start_back_to_map, NULL },
  { "export-fits", "export the kappa E map (FITS)", start_export_fits, NULL },
  { "export-png", "export the view (PNG, 1200 pt, 150 dpi)", start_export_png, exported },
  { "export-significance", "export the clusters' significance (CSV)",
    start_export_significance, NULL },
  { "save-posterior", "save the posterior (FITS, on a worker)", start_save_posterior, saved },
  { "score", "score sampler (flow, 2 samples, 4 steps)", start_score, reconstruct_ended },
  { "training", "training a tiny score prior (8 steps)", start_training, training_ended },
  { "universes", "emulated universes page (CosmoGAN)", start_universes, universes_ended },
  { "map-last", "back to the map page", start_back_to_map, NULL },
};

/* The idle main loop's own worst delay over seconds. */
static double
idle_jitter (Bench *b, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint probe;

  probe = start_probe (b);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (probe);
  return b->worst / 1e3;
}

/* The window's first frames, before any job: the worst main-loop stall
 * from its presentation until two frames are painted and it has settled, in
 * ms (cpu_ms as watch's).  Part of the start-up, which the time to the
 * demo map measures as a whole. */
static double
first_frames (Bench *b, double *cpu_ms)
{
  GdkFrameClock *clock;
  gulong painted;
  guint probe;

  probe = start_probe (b);
  gtk_window_present (GTK_WINDOW (b->window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->window));
  painted = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), b);
  b->painted = 0;
  iterate_until (b, g_get_monotonic_time () + JOB_LIMIT_US, 2);
  iterate_until (b, g_get_monotonic_time () + SETTLE_US, G_MAXINT);
  g_signal_handler_disconnect (clock, painted);
  g_source_remove (probe);
  *cpu_ms = b->worst_cpu / 1e3;
  return b->worst / 1e3;
}

static gboolean
run_stalls (Bench *b, int runs, const char *job_list)
{
  g_auto (GStrv) names = job_list != NULL ? g_strsplit (job_list, ",", -1) : NULL;
  static double stalls[G_N_ELEMENTS (jobs)][MAX_RUNS], cpu[G_N_ELEMENTS (jobs)][MAX_RUNS];
  static double times[G_N_ELEMENTS (jobs)][MAX_RUNS];
  double jitter[MAX_RUNS], worst, median, worst_cpu, median_cpu, worst_t, median_t;
  gboolean chosen[G_N_ELEMENTS (jobs)];

  for (size_t j = 0; j < G_N_ELEMENTS (jobs); j++)
    chosen[j] = names == NULL || j == 0 || g_strv_contains ((const char *const *) names,
                                                            jobs[j].name);
  double first_stall, first_cpu;

  first_stall = first_frames (b, &first_cpu);
  for (int r = 0; r < runs; r++)
    {
      for (size_t j = 0; j < G_N_ELEMENTS (jobs); j++)
        {
          if (!chosen[j])
            continue;
          stalls[j][r] = watch (b, &jobs[j], &cpu[j][r], &times[j][r]);
          if (stalls[j][r] < 0.0)
            return FALSE;
          fprintf (stderr, "run %d %-20s stall %7.1f ms (processor %.1f ms), %.3f s\n", r + 1,
                   jobs[j].name, stalls[j][r], cpu[j][r], times[j][r]);
        }
      jitter[r] = idle_jitter (b, 1.0);
    }
  printf ("# main-loop stalls while the window runs each job on the demo field (360^2), "
          "%d runs; a %d ms probe at high priority; target: none over 16 ms\n"
          "# stall: the probe's longest delay; cpu: the most processor time the main thread "
          "used between two ticks (its own work, whatever the machine's load)\n", runs,
          PROBE_MS);
  printf ("%-20s %-46s %9s %9s %9s %9s %9s\n", "job", "", "stall max", "median", "cpu max",
          "median", "job s");
  for (size_t j = 0; j < G_N_ELEMENTS (jobs); j++)
    {
      if (!chosen[j])
        continue;
      worst_median (stalls[j], runs, &worst, &median);
      worst_median (cpu[j], runs, &worst_cpu, &median_cpu);
      worst_median (times[j], runs, &worst_t, &median_t);
      printf ("%-20s %-46s %9.1f %9.1f %9.1f %9.1f %9.3f\n", jobs[j].name, jobs[j].what, worst,
              median, worst_cpu, median_cpu, median_t);
    }
  printf ("%-20s %-46s %9.1f %9s %9.1f\n", "(start-up)",
          "the window's first frames, before any job", first_stall, "", first_cpu);
  worst_median (jitter, runs, &worst, &median);
  printf ("%-20s %-46s %9.1f %9.1f\n", "peer: idle", "the idle main loop, 1 s", worst, median);
  return TRUE;
}

static void
usage (void)
{
  fprintf (stderr, "usage: bench-app-responsiveness [--runs R (1-%d, default 5)] "
                   "[--jobs open,clusters,...] [--no-time-to-map]\n"
                   "Run it under a display: xvfb-run -a.\n", MAX_RUNS);
}

int
main (int argc, char **argv)
{
  g_autoptr (DarkmapApplication) app = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *scratch = NULL;
  g_autofree char *self_path = NULL;
  const char *job_list = NULL;
  gboolean time_to_map = TRUE;
  Bench b = { NULL, NULL, NULL, 0, 0, 0, 0, FALSE, FALSE, FALSE, FALSE, FALSE, 0 };
  int runs = 5, status = 0;

  if (argc == 2 && strcmp (argv[1], "--time-to-map") == 0)
    return time_to_map_child (FALSE);
  if (argc == 2 && strcmp (argv[1], "--time-to-window") == 0)
    return time_to_map_child (TRUE);
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--runs") == 0 && i + 1 < argc)
        runs = atoi (argv[++i]);
      else if (strcmp (argv[i], "--jobs") == 0 && i + 1 < argc)
        job_list = argv[++i];
      else if (strcmp (argv[i], "--no-time-to-map") == 0)
        time_to_map = FALSE;
      else
        {
          usage ();
          return strcmp (argv[i], "--help") == 0 ? 0 : 2;
        }
    }
  if (runs < 1 || runs > MAX_RUNS)
    {
      usage ();
      return 2;
    }
  /* Settings in memory; recent files and models in a scratch folder (the
   * child processes inherit both). */
  if ((scratch = g_dir_make_tmp ("bench-app-XXXXXX", &error)) == NULL)
    {
      fprintf (stderr, "bench-app-responsiveness: %s\n", error->message);
      return 1;
    }
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("XDG_DATA_HOME", scratch, TRUE);
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  b.scratch = scratch;
  b.catalogue = darkmap_find_data_file (DEMO_CATALOGUE);

  if (time_to_map && !run_time_to_map (self_path != NULL ? self_path : argv[0], b.catalogue,
                                        scratch, runs))
    status = 1;

  if (status == 0)
    {
      if (!gtk_init_check ())
        {
          fprintf (stderr, "bench-app-responsiveness: no display (run it under xvfb-run -a)\n");
          return 77;
        }
      app = darkmap_application_new ();
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      if (!g_application_register (G_APPLICATION (app), NULL, NULL))
        return 1;
      b.window = darkmap_window_new (GTK_APPLICATION (app));
      g_signal_connect (b.window, "job-finished", G_CALLBACK (on_job_finished), &b);
      g_signal_connect (b.window, "reconstruct-finished", G_CALLBACK (on_reconstruct_finished),
                        &b);
      g_signal_connect (b.window, "training-finished", G_CALLBACK (on_training_finished), &b);
      if (!run_stalls (&b, runs, job_list))
        status = 1;
      gtk_window_destroy (GTK_WINDOW (b.window));
    }
  g_free (b.catalogue);
  {
    g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", scratch);

    if (system (rm) != 0)
      fprintf (stderr, "bench-app-responsiveness: %s left behind\n", scratch);
  }
  return status;
}
