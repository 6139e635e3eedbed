/* Helpers for the DarkmapWindow tests: an application, a window on the
 * demo field, waiting for jobs and frames without a fixed sleep. */
#ifndef DARKMAP_WINDOW_TEST_UTIL_H
#define DARKMAP_WINDOW_TEST_UTIL_H

#include <math.h>
#include <stdlib.h>

#include <gtk/gtk.h>

#include "darkmap-application.h"
#include "darkmap-window.h"
#include "test-util.h"

#define WAIT_LIMIT_US (20 * G_USEC_PER_SEC)

/* A file under the tests' scratch directory (newly allocated). */
static inline char *
scratch_path (const char *name)
{
  const char *dir = g_getenv ("DARKMAP_TEST_TMP");

  return g_build_filename (dir != NULL ? dir : g_get_tmp_dir (), name, NULL);
}

/* The q-quantile of n values sorted ascending (qsort with
 * compare_doubles), linear between order statistics: the tests' own
 * reference for the bands the pages draw. */
static inline int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static inline double
quantile (const double *sorted, int n, double q)
{
  double position = q * (n - 1);
  int j = (int) floor (position);

  return j >= n - 1 ? sorted[n - 1] : sorted[j] + (position - j) * (sorted[j + 1] - sorted[j]);
}

typedef struct {
  gboolean done;
  GError *error;
} JobWait;

static inline void
on_job_finished (DarkmapWindow *window, const GError *error, JobWait *wait)
{
  wait->done = TRUE;
  wait->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Iterates the main loop until the window's job ends; the job's error (or
 * NULL), or a G_IO_ERROR_TIMED_OUT error past the limit. */
static inline GError *
wait_for_job (DarkmapWindow *window)
{
  JobWait wait = { FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  gulong handler = g_signal_connect (window, "job-finished", G_CALLBACK (on_job_finished), &wait);

  while (!wait.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (window, handler);
  if (!wait.done)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the job did not finish");
  return wait.error;
}

static inline void
on_after_paint (GdkFrameClock *clock, gboolean *painted)
{
  *painted = TRUE;
}

/* Redraws the window and waits until the frame is painted. */
static inline gboolean
wait_for_frame (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  gboolean painted = FALSE;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  gulong handler;

  if (clock == NULL)
    return FALSE;
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);
  gtk_widget_queue_draw (window);
  while (!painted && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  return painted;
}

/* A registered application (no display: NULL, the test skips). */
static inline DarkmapApplication *
test_application (void)
{
  DarkmapApplication *app;

  if (!gtk_init_check ())
    return NULL;
  app = darkmap_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    g_clear_object (&app);
  return app;
}

/* A shown window on the demo field (catalogue and cluster table) whose job
 * has succeeded. */
static inline DarkmapWindow *
demo_window (DarkmapApplication *app)
{
  DarkmapWindow *window = darkmap_window_new (GTK_APPLICATION (app));
  g_autoptr (GError) error = NULL;

  gtk_window_present (GTK_WINDOW (window));
  darkmap_window_open_demo (window);
  error = wait_for_job (window);
  if (error != NULL)
    fprintf (stderr, "demo job: %s\n", error->message);
  CHECK (error == NULL);
  CHECK (darkmap_window_get_result (window) != NULL);
  return window;
}

/* The message dialogs open on top of window. */
static inline GList *
message_dialogs (GtkWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not owned */
  GList *dialogs = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (GTK_IS_MESSAGE_DIALOG (item) &&
          gtk_window_get_transient_for (GTK_WINDOW (item)) == window)
        dialogs = g_list_prepend (dialogs, item);
    }
  return dialogs;
}

#endif
