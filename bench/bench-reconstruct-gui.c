/* The application's reconstruction time against darkmap-cli's for the same
 * request on the same binned shear (the COSMOS demo catalogue, its 72
 * X-ray clusters, the shipped kTNG prior, seed 1):
 *   - CLI process: `darkmap-cli wiener` or `sample-mmgan` on the window's
 *     binned shear written with dm_binned_shear_write, with --clusters and
 *     --significance-out (the window measures the clusters' significance
 *     too); wall time of the whole process, so reading the shear, prior and
 *     model and writing the posterior file are included;
 *   - in-process: dm_reconstruct on the same shear and request, called on
 *     the bench's main thread (the engine alone);
 *   - in-process at nice 10: the same call on a thread lowered as the
 *     window's worker lowers itself (darkmap_job_lower_thread_priority): on
 *     a loaded machine this alone separates the window from the CLI;
 *   - GUI: darkmap_window_reconstruct on a shown window of the field, from
 *     the call to the "reconstruct-finished" signal, the main loop iterating
 *     (the worker's copies and progress relay, the posterior listed and
 *     shown: significance, spectrum, the mean layer drawn).
 * Cases: Wiener at 128² × 0.8′ with 32 samples and at 360² × 0.29′ with 8;
 * MMGAN (data/models/mmgan-cosmos.safetensors, its 360² × 0.29′ grid) with
 * 8 samples on the CPU.  Each case: one untimed round, then R rounds of
 * (CLI, in-process, in-process at nice 10, GUI), interleaved so that the
 * machine's load hits all alike; medians (and the fastest run) are
 * compared.  Target: GUI / CLI <= 1.05.
 *
 * Run under a display: xvfb-run -a build/bench/bench-reconstruct-gui
 * (--runs R, --cases wiener-128,wiener-360,mmgan-360, --cli PATH). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include <darkmap/binning.h>
#include <darkmap/monotonic-clock.h>
#include <darkmap/reconstruct.h>
#include <darkmap/theory.h>

#include "bench-timing.h"
#include "darkmap-application.h"
#include "darkmap-job.h"
#include "darkmap-window.h"

#define MAX_RUNS 64
#define SEED 1
#define GUI_LIMIT_US (300 * G_USEC_PER_SEC)

typedef struct {
  const char *name;
  DmReconstructMethod method;
  int grid;                 /* pixels per side */
  double pixel_arcmin;
  int samples;
  const char *model;        /* data file of the model, or NULL */
} BenchCase;

static const BenchCase cases[] = {
  { "wiener-128", DM_RECONSTRUCT_WIENER, 128, 0.8, 32, NULL },
  { "wiener-360", DM_RECONSTRUCT_WIENER, 360, 0.29, 8, NULL },
  { "mmgan-360", DM_RECONSTRUCT_MMGAN, 360, 0.29, 8, "models/mmgan-cosmos.safetensors" },
};

enum { T_CLI, T_ENGINE, T_ENGINE_NICE, T_GUI, N_TIMES };

/* Processor seconds (user + system) of this process (RUSAGE_SELF) or of
 * its waited-for children (RUSAGE_CHILDREN) so far. */
static double
processor_seconds (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* ---- The window ---------------------------------------------------------- */

typedef struct {
  gboolean done;
  gint64 at;       /* monotonic µs of the signal */
  GError *error;
  gulong handler;  /* the connection to disconnect */
} Finished;

static void
on_finished (DarkmapWindow *window, const GError *error, Finished *finished)
{
  finished->done = TRUE;
  finished->at = g_get_monotonic_time ();
  finished->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Iterates the main loop until signal ("job-finished" or
 * "reconstruct-finished") is emitted; FALSE (message printed) on an error
 * or past the limit. */
static gboolean
wait_for (DarkmapWindow *window, const char *signal, Finished *finished)
{
  gint64 deadline = g_get_monotonic_time () + GUI_LIMIT_US;

  while (!finished->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (window, finished->handler);
  if (!finished->done || finished->error != NULL)
    {
      fprintf (stderr, "bench-reconstruct-gui: %s: %s\n", signal,
               finished->error != NULL ? finished->error->message : "no end");
      g_clear_error (&finished->error);
      return FALSE;
    }
  return TRUE;
}

/* Opens the catalogue on the case's grid in the window. */
static gboolean
open_field (DarkmapWindow *window, GFile *catalogue, const BenchCase *c)
{
  DarkmapJobSettings settings;
  Finished finished = { FALSE, 0, NULL, 0 };

  /* On a posterior layer the window fails to show a field of another grid
   * ("The mask (360 × 360) does not match the map shown"): back to κE. */
  g_object_set (window, "layer", "kappa-e", NULL);
  darkmap_job_settings_init (&settings);
  settings.grid_size = c->grid;
  settings.pixel_arcmin = c->pixel_arcmin;
  finished.handler =
    g_signal_connect (window, "job-finished", G_CALLBACK (on_finished), &finished);
  darkmap_window_open_catalogue (window, catalogue, &settings);
  return wait_for (window, "job-finished", &finished);
}

/* The window's frames while a reconstruction runs: how many were drawn
 * and the main thread's seconds from each before-paint to its after-paint
 * (the progress bar's updates redraw the window). */
typedef struct {
  int frames;
  gint64 began;    /* µs of the frame's before-paint */
  double seconds;
} Frames;

static void
on_before_paint (GdkFrameClock *clock, Frames *frames)
{
  frames->began = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock, Frames *frames)
{
  frames->frames++;
  frames->seconds += (g_get_monotonic_time () - frames->began) / 1e6;
}

/* Seconds from darkmap_window_reconstruct to "reconstruct-finished"; < 0
 * on failure.  frames: the frames drawn meanwhile. */
static double
time_gui (DarkmapWindow *window, const DmReconstructRequest *request, Frames *frames)
{
  Finished finished = { FALSE, 0, NULL, 0 };
  g_autoptr (GError) error = NULL;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gulong before = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), frames);
  gulong after = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), frames);
  gboolean ok;
  gint64 start;

  finished.handler =
    g_signal_connect (window, "reconstruct-finished", G_CALLBACK (on_finished), &finished);
  start = g_get_monotonic_time ();
  if (!darkmap_window_reconstruct (window, request, &error))
    {
      g_signal_handler_disconnect (window, finished.handler);
      fprintf (stderr, "bench-reconstruct-gui: %s\n", error->message);
      ok = FALSE;
    }
  else
    ok = wait_for (window, "reconstruct-finished", &finished);
  g_signal_handler_disconnect (clock, before);
  g_signal_handler_disconnect (clock, after);
  return ok ? (finished.at - start) / 1e6 : -1.0;
}

/* ---- The engine in this process ----------------------------------------- */

typedef struct {
  const DmBinnedShear *binned;
  const DmReconstructRequest *request;
  gboolean lowered;    /* at the window's worker priority */
} EngineCall;

/* Seconds of one dm_reconstruct; < 0 on failure. */
static double
time_engine (const EngineCall *call)
{
  DmError *error = NULL;
  double start = dm_monotonic_seconds ();
  DmReconstruction *r;

  if (call->lowered)
    darkmap_job_lower_thread_priority ();
  r = dm_reconstruct (call->binned, call->request, NULL, &error);
  if (r == NULL)
    {
      fprintf (stderr, "bench-reconstruct-gui: %s\n", error->message);
      dm_error_free (error);
      return -1.0;
    }
  dm_reconstruction_free (r);
  return dm_monotonic_seconds () - start;
}

static gpointer
engine_thread (gpointer data)
{
  double *seconds = g_new (double, 1);

  *seconds = time_engine (data);
  return seconds;
}

/* The same call on a new thread at the worker's niceness. */
static double
time_engine_lowered (const DmBinnedShear *binned, const DmReconstructRequest *request)
{
  EngineCall call = { binned, request, TRUE };
  g_autofree double *seconds = g_thread_join (g_thread_new ("bench-nice", engine_thread, &call));

  return *seconds;
}

/* ---- The command line ----------------------------------------------------- */

/* Seconds of the whole darkmap-cli process; < 0 on failure. */
static double
time_cli (char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  double start = dm_monotonic_seconds (), seconds;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, &error))
    {
      fprintf (stderr, "bench-reconstruct-gui: %s\n", error->message);
      return -1.0;
    }
  seconds = dm_monotonic_seconds () - start;
  if (!g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "bench-reconstruct-gui: darkmap-cli: %s\n%s", error->message, err);
      return -1.0;
    }
  return seconds;
}

/* ---- One case ------------------------------------------------------------ */

typedef struct {
  const char *cli;
  const char *theory_path;
  const char *clusters_path;
  const DmTheorySpectrum *theory;
  const char *scratch;
  int runs;
} BenchSetup;

/* Runs the case's rounds and prints its row; FALSE on a failure. */
static gboolean
run_case (DarkmapWindow *window, GFile *catalogue, const BenchSetup *setup, const BenchCase *c)
{
  g_autofree char *shear = g_build_filename (setup->scratch, "shear.fits", NULL);
  g_autofree char *out = g_build_filename (setup->scratch, "posterior.fits", NULL);
  g_autofree char *sig = g_build_filename (setup->scratch, "significance.csv", NULL);
  g_autofree char *model = c->model != NULL ? darkmap_find_data_file (c->model) : NULL;
  g_autofree char *samples = g_strdup_printf ("%d", c->samples);
  g_autofree char *seed = g_strdup_printf ("%d", SEED);
  const DmBinnedShear *binned;
  DmReconstructRequest request, engine_request;
  DmError *dm_error = NULL;
  /* Wall and processor seconds of the timed rounds. */
  double times[N_TIMES][MAX_RUNS], cpu[N_TIMES][MAX_RUNS];
  double median[N_TIMES], fastest[N_TIMES], cpu_median[N_TIMES];
  GPtrArray *argv = g_ptr_array_new ();

  if (!open_field (window, catalogue, c))
    return FALSE;
  binned = darkmap_window_get_result (window)->binned;
  if (!dm_binned_shear_write (shear, binned, &dm_error))
    {
      fprintf (stderr, "bench-reconstruct-gui: %s\n", dm_error->message);
      dm_error_free (dm_error);
      return FALSE;
    }

  /* The request: the window takes its own prior (the same table). */
  dm_reconstruct_request_init (&request, c->method);
  request.n_samples = c->samples;
  request.seed = SEED;
  request.model_path = model;
  if (model != NULL)
    request.device = "cpu";
  engine_request = request;
  engine_request.theory = setup->theory;
  engine_request.theory_path = setup->theory_path;

  g_ptr_array_add (argv, (gpointer) setup->cli);
  if (c->method == DM_RECONSTRUCT_WIENER)
    {
      g_ptr_array_add (argv, "wiener");
      g_ptr_array_add (argv, "--theory");
      g_ptr_array_add (argv, (gpointer) setup->theory_path);
    }
  else
    {
      g_ptr_array_add (argv, "sample-mmgan");
      g_ptr_array_add (argv, "--model");
      g_ptr_array_add (argv, model);
      g_ptr_array_add (argv, "--device");
      g_ptr_array_add (argv, "cpu");
    }
  g_ptr_array_add (argv, "--shear");
  g_ptr_array_add (argv, shear);
  g_ptr_array_add (argv, "--samples");
  g_ptr_array_add (argv, samples);
  g_ptr_array_add (argv, "--seed");
  g_ptr_array_add (argv, seed);
  g_ptr_array_add (argv, "--clusters");
  g_ptr_array_add (argv, (gpointer) setup->clusters_path);
  g_ptr_array_add (argv, "--significance-out");
  g_ptr_array_add (argv, sig);
  g_ptr_array_add (argv, "--out");
  g_ptr_array_add (argv, out);
  g_ptr_array_add (argv, NULL);

  /* Round 0 is the untimed warm-up (page cache, FFTW, the model file). */
  for (int round = 0; round <= setup->runs; round++)
    {
      EngineCall call = { binned, &engine_request, FALSE };
      double t[N_TIMES], p[N_TIMES], p0;
      Frames drawn = { 0, 0, 0.0 };

      p0 = processor_seconds (RUSAGE_CHILDREN);
      t[T_CLI] = time_cli ((char **) argv->pdata);
      p[T_CLI] = processor_seconds (RUSAGE_CHILDREN) - p0;
      p0 = processor_seconds (RUSAGE_SELF);
      t[T_ENGINE] = time_engine (&call);
      p[T_ENGINE] = processor_seconds (RUSAGE_SELF) - p0;
      p0 = processor_seconds (RUSAGE_SELF);
      t[T_ENGINE_NICE] = time_engine_lowered (binned, &engine_request);
      p[T_ENGINE_NICE] = processor_seconds (RUSAGE_SELF) - p0;
      p0 = processor_seconds (RUSAGE_SELF);
      t[T_GUI] = time_gui (window, &request, &drawn);
      p[T_GUI] = processor_seconds (RUSAGE_SELF) - p0;
      for (int k = 0; k < N_TIMES; k++)
        {
          if (t[k] < 0.0)
            {
              g_ptr_array_free (argv, TRUE);
              return FALSE;
            }
          if (round > 0)
            {
              times[k][round - 1] = t[k];
              cpu[k][round - 1] = p[k];
            }
        }
      fprintf (stderr, "%s round %d: cli %.3f s, engine %.3f s, engine nice %.3f s, gui %.3f s "
               "(processor %.3f %.3f %.3f %.3f s; gui frames %d, %.3f s)\n",
               c->name, round, t[T_CLI], t[T_ENGINE], t[T_ENGINE_NICE], t[T_GUI], p[T_CLI],
               p[T_ENGINE], p[T_ENGINE_NICE], p[T_GUI], drawn.frames, drawn.seconds);
    }
  g_ptr_array_free (argv, TRUE);
  for (int k = 0; k < N_TIMES; k++)
    {
      median[k] = bench_median (times[k], setup->runs);
      fastest[k] = times[k][0];
      cpu_median[k] = bench_median (cpu[k], setup->runs);
    }
  printf ("%-11s %4d² %5.2f′ %3d %8.3f %8.3f %8.3f %8.3f %9.3f %9.3f   (fastest: %.3f %.3f "
          "%.3f %.3f)\n",
          c->name, c->grid, c->pixel_arcmin, c->samples, median[T_CLI], median[T_ENGINE],
          median[T_ENGINE_NICE], median[T_GUI], median[T_GUI] / median[T_ENGINE],
          median[T_GUI] / median[T_CLI], fastest[T_CLI], fastest[T_ENGINE],
          fastest[T_ENGINE_NICE], fastest[T_GUI]);
  printf ("%-28s %8.3f %8.3f %8.3f %8.3f %9.3f %9.3f\n", "  processor seconds", cpu_median[T_CLI], cpu_median[T_ENGINE], cpu_median[T_ENGINE_NICE], cpu_median[T_GUI],
          cpu_median[T_GUI] / cpu_median[T_ENGINE], cpu_median[T_GUI] / cpu_median[T_CLI]);
  fflush (stdout);
  return TRUE;
}

static void
usage (void)
{
  fprintf (stderr, "usage: bench-reconstruct-gui [--runs R (1-%d, default 5)] "
                   "[--cases wiener-128,wiener-360,mmgan-360] [--cli darkmap-cli]\n"
                   "Run it under a display: xvfb-run -a.\n", MAX_RUNS);
}

int
main (int argc, char **argv)
{
  g_autoptr (DarkmapApplication) app = NULL;
  g_autoptr (GFile) catalogue = NULL;
  g_autofree char *catalogue_path = NULL;
  g_autofree char *theory_path = NULL;
  g_autofree char *clusters_path = NULL;
  g_autofree char *scratch = NULL;
  g_autoptr (GError) error = NULL;
  const char *case_list = "wiener-128,wiener-360,mmgan-360";
  DmTheorySpectrum *theory;
  DmError *dm_error = NULL;
  DarkmapWindow *window;
  BenchSetup setup = { BENCH_CLI, NULL, NULL, NULL, NULL, 5 };
  g_auto (GStrv) names = NULL;
  int status = 0;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--runs") == 0 && i + 1 < argc)
        setup.runs = atoi (argv[++i]);
      else if (strcmp (argv[i], "--cases") == 0 && i + 1 < argc)
        case_list = argv[++i];
      else if (strcmp (argv[i], "--cli") == 0 && i + 1 < argc)
        setup.cli = argv[++i];
      else
        {
          usage ();
          return strcmp (argv[i], "--help") == 0 ? 0 : 2;
        }
    }
  if (setup.runs < 1 || setup.runs > MAX_RUNS)
    {
      usage ();
      return 2;
    }
  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-reconstruct-gui: no display (run it under xvfb-run -a)\n");
      return 77;
    }
  app = darkmap_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    return 1;

  catalogue_path = darkmap_find_data_file ("cosmos/cosmos_shear_schrabback2010.fits");
  theory_path = darkmap_find_data_file ("theory/ktng_cl_theory.csv");
  clusters_path = darkmap_find_data_file ("cosmos/xray_finoguenov2007.csv");
  if ((theory = dm_theory_read_csv (theory_path, NULL, &dm_error)) == NULL)
    {
      fprintf (stderr, "bench-reconstruct-gui: %s\n", dm_error->message);
      dm_error_free (dm_error);
      return 1;
    }
  if ((scratch = g_dir_make_tmp ("bench-reconstruct-XXXXXX", &error)) == NULL)
    {
      fprintf (stderr, "bench-reconstruct-gui: %s\n", error->message);
      dm_theory_free (theory);
      return 1;
    }
  setup.theory_path = theory_path;
  setup.clusters_path = clusters_path;
  setup.theory = theory;
  setup.scratch = scratch;
  catalogue = g_file_new_for_path (catalogue_path);

  /* The demo window: the field and its cluster table, shown. */
  window = darkmap_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  {
    Finished finished = { FALSE, 0, NULL, 0 };

    finished.handler =
      g_signal_connect (window, "job-finished", G_CALLBACK (on_finished), &finished);
    darkmap_window_open_demo (window);
    if (!wait_for (window, "job-finished", &finished))
      status = 1;
  }

  printf ("# reconstruction: darkmap-cli process, dm_reconstruct in-process (nice 0 and the "
          "worker's nice 10) and the window, medians of %d runs, seconds\n", setup.runs);
  printf ("%-11s %5s %6s %3s %8s %8s %8s %8s %9s %9s\n", "case", "grid", "pixel", "K", "cli",
          "engine", "eng_nice", "gui", "gui/eng", "gui/cli");
  names = g_strsplit (case_list, ",", -1);
  for (guint n = 0; status == 0 && names[n] != NULL; n++)
    {
      const BenchCase *c = NULL;

      for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
        if (strcmp (names[n], cases[i].name) == 0)
          c = &cases[i];
      if (c == NULL)
        {
          fprintf (stderr, "bench-reconstruct-gui: no case %s\n", names[n]);
          status = 2;
        }
      else if (!run_case (window, catalogue, &setup, c))
        status = 1;
    }

  gtk_window_destroy (GTK_WINDOW (window));
  dm_theory_free (theory);
  {
    const char *files[] = { "shear.fits", "posterior.fits", "significance.csv" };

    for (size_t i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *path = g_build_filename (scratch, files[i], NULL);

        g_remove (path);
      }
    g_rmdir (scratch);
  }
  return status;
}
