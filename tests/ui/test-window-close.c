/* Closing the window without losing work, on the demo field:
 *  - with nothing to lose (a field alone, a result saved, a posterior file
 *    opened) it closes at once, asking nothing, by the close button,
 *    window.close (Ctrl+W) or app.quit;
 *  - with an unsaved reconstruction it asks "Save the result before
 *    closing?": Cancel keeps the window, Save… writes the posterior file
 *    chosen (what Save Posterior writes) and closes, Discard closes;
 *    two unsaved results are both named in one question;
 *  - during a reconstruction, "Stop the reconstruction and close?": Stop
 *    and Close closes;
 *  - during a training with an unsaved result, "Stop the training and
 *    close?" then the unsaved result's question: Stop and Close, Discard
 *    closes the window once the training's checkpoint is saved. */
#include <string.h>

#include <glib/gstdio.h>

#include "train-test-util.h"

/* The unsaved result's question's responses (darkmap-window-close.c). */
#define RESPONSE_SAVE 1
#define RESPONSE_DISCARD 2

/* Iterates until *flag, at most seconds; *flag. */
static gboolean
wait_for_flag (const gboolean *flag, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!*flag && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return *flag;
}

/* Whether window (a reference held) is closed: destroyed, no longer one of
 * the application's. */
static gboolean
is_closed (DarkmapWindow *window)
{
  return gtk_window_get_application (GTK_WINDOW (window)) == NULL
         && !gtk_widget_get_visible (GTK_WIDGET (window));
}

/* Iterates until window is closed, at most seconds. */
static gboolean
wait_for_close (DarkmapWindow *window, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!is_closed (window) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return is_closed (window);
}

/* A window on the demo field, a reference held. */
static DarkmapWindow *
held_demo_window (DarkmapApplication *app)
{
  return g_object_ref (demo_window (app));
}

static void
on_reconstructed (DarkmapWindow *window, const GError *error, gboolean *done)
{
  if (error != NULL)
    fprintf (stderr, "reconstruction: %s\n", error->message);
  CHECK (error == NULL);
  *done = TRUE;
}

/* A Kaiser-Squires reconstruction of the field, listed as a result. */
static void
reconstruct_ks (DarkmapWindow *window)
{
  DmReconstructRequest request;
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE;
  gulong handler = g_signal_connect (window, "reconstruct-finished",
                                     G_CALLBACK (on_reconstructed), &done);

  dm_reconstruct_request_init (&request, DM_RECONSTRUCT_KS);
  CHECK (darkmap_window_reconstruct (window, &request, &error));
  CHECK (wait_for_flag (&done, 20.0));
  g_signal_handler_disconnect (window, handler);
}

/* The one question shown over window: its headline and secondary text
 * (newly allocated), or NULL when there is not exactly one. */
static GtkDialog *
the_question (DarkmapWindow *window, char **headline, char **detail)
{
  GList *dialogs = message_dialogs (GTK_WINDOW (window));
  GtkDialog *question = NULL;

  g_clear_pointer (headline, g_free);
  g_clear_pointer (detail, g_free);
  if (g_list_length (dialogs) == 1)
    {
      question = GTK_DIALOG (dialogs->data);
      g_object_get (question, "text", headline, "secondary-text", detail, NULL);
    }
  g_list_free (dialogs);
  return question;
}

/* Closing window (a reference held) with nothing to lose: at once, no
 * question. */
static void
check_closes_at_once (DarkmapWindow *window)
{
  g_autofree char *headline = NULL, *detail = NULL;

  gtk_window_close (GTK_WINDOW (window));
  CHECK (is_closed (window));
  CHECK (the_question (window, &headline, &detail) == NULL);
}

/* The file chooser Save… shows (GtkFileChooserNative's own dialog without a
 * portal), or NULL. */
static GtkFileChooser *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not owned */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (item) && gtk_widget_get_visible (GTK_WIDGET (item)))
        return GTK_FILE_CHOOSER (item);
    }
  return NULL;
}

/* Whether two posterior files hold the same mean map (their DATE cards
 * may differ). */
static gboolean
same_mean (const char *a, const char *b)
{
  DmPosterior *pa = dm_posterior_read (a, NULL), *pb = dm_posterior_read (b, NULL);
  gboolean same = pa != NULL && pb != NULL && pa->mean->nx == pb->mean->nx
                  && pa->mean->ny == pb->mean->ny
                  && memcmp (pa->mean->data, pb->mean->data,
                             dm_map_plane_size (pa->mean) * sizeof (float)) == 0;

  dm_posterior_free (pa);
  dm_posterior_free (pb);
  return same;
}

static void
check_nothing_to_lose (DarkmapApplication *app)
{
  g_autoptr (DarkmapWindow) window = held_demo_window (app);
  g_autofree char *path = scratch_path ("close-saved.fits");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                 "window.close");

  /* Ctrl+W's action and app.quit close as the close button does. */
  CHECK (accels[0] != NULL && strcmp (accels[0], "<Control>w") == 0);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "window.close", NULL));
  CHECK (is_closed (window));
  g_object_unref (window);
  window = held_demo_window (app);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  CHECK (is_closed (window));
  g_object_unref (window);
  window = held_demo_window (app);
  check_closes_at_once (window);

  /* A result saved, then the file opened again beside it. */
  g_object_unref (window);
  window = held_demo_window (app);
  reconstruct_ks (window);
  CHECK (darkmap_window_save_posterior (window, path, &error));
  CHECK (darkmap_window_open_posterior (window, file, &error));
  CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == 2);
  check_closes_at_once (window);
  g_unlink (path);
}

static void
check_unsaved (DarkmapApplication *app)
{
  g_autoptr (DarkmapWindow) window = held_demo_window (app);
  g_autofree char *headline = NULL, *detail = NULL;
  g_autofree char *chosen = scratch_path ("close-chosen.fits");
  g_autofree char *reference = scratch_path ("close-reference.fits");
  g_autofree char *folder = g_path_get_dirname (chosen);
  g_autoptr (GFile) folder_file = g_file_new_for_path (folder);
  g_autoptr (GError) error = NULL;
  GtkDialog *question;
  GtkFileChooser *chooser;

  g_unlink (chosen);
  reconstruct_ks (window);

  /* Cancel keeps the window. */
  gtk_window_close (GTK_WINDOW (window));
  question = the_question (window, &headline, &detail);
  CHECK (question != NULL);
  CHECK (g_strcmp0 (headline, "Save the result before closing?") == 0);
  CHECK (g_str_has_prefix (detail, "The result Kaiser-Squires ("));
  CHECK (g_str_has_suffix (detail, "), reconstructed in this window, has not been saved: "
                                   "closing the window discards it."));
  if (question == NULL)
    return;
  gtk_dialog_response (question, GTK_RESPONSE_CANCEL);
  iterate_for (0.1);
  CHECK (!is_closed (window) && gtk_widget_get_visible (GTK_WIDGET (window)));
  CHECK (the_question (window, &headline, &detail) == NULL);

  /* Save… writes the file chosen, what Save Posterior writes, and closes. */
  CHECK (darkmap_window_save_posterior (window, reference, &error));
  reconstruct_ks (window);
  gtk_window_close (GTK_WINDOW (window));
  question = the_question (window, &headline, &detail);
  CHECK (question != NULL);
  if (question == NULL)
    return;
  gtk_dialog_response (question, RESPONSE_SAVE);
  iterate_for (0.2);
  CHECK (!is_closed (window));
  chooser = find_file_chooser ();
  CHECK (chooser != NULL);
  if (chooser == NULL)
    return;
  CHECK (gtk_file_chooser_set_current_folder (chooser, folder_file, &error));
  gtk_file_chooser_set_current_name (chooser, "close-chosen.fits");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  CHECK (wait_for_close (window, 20.0));
  CHECK (same_mean (chosen, reference));
  g_unlink (chosen);
  g_unlink (reference);

  /* Two unsaved results in one question; Discard closes. */
  g_object_unref (window);
  window = held_demo_window (app);
  reconstruct_ks (window);
  reconstruct_ks (window);
  gtk_window_close (GTK_WINDOW (window));
  question = the_question (window, &headline, &detail);
  CHECK (question != NULL);
  CHECK (g_strcmp0 (headline, "Save the result before closing?") == 0);
  CHECK (g_str_has_suffix (detail, "closing the window discards it. 1 more result is unsaved: "
                                   "Save… asks about it next, Discard discards it too."));
  if (question == NULL)
    return;
  gtk_dialog_response (question, RESPONSE_DISCARD);
  CHECK (is_closed (window));
}

static void
check_reconstruction_running (DarkmapApplication *app)
{
  g_autoptr (DarkmapWindow) window = held_demo_window (app);
  DmReconstructRequest request;
  g_autofree char *headline = NULL, *detail = NULL;
  g_autoptr (GError) error = NULL;
  GtkDialog *question;

  /* Its end is only seen by the main loop, not iterated before the close. */
  dm_reconstruct_request_init (&request, DM_RECONSTRUCT_WIENER);
  request.n_samples = 16;
  CHECK (darkmap_window_reconstruct (window, &request, &error));
  gtk_window_close (GTK_WINDOW (window));
  question = the_question (window, &headline, &detail);
  CHECK (question != NULL);
  CHECK (g_strcmp0 (headline, "Stop the reconstruction and close?") == 0);
  if (question == NULL)
    return;
  gtk_dialog_response (question, GTK_RESPONSE_ACCEPT);
  CHECK (is_closed (window));
}

static void
check_training_running (DarkmapApplication *app)
{
  g_autoptr (DarkmapWindow) window = held_demo_window (app);
  g_autofree char *model_path = NULL;
  g_autofree char *checkpoint = NULL;
  g_autofree char *headline = NULL, *detail = NULL;
  g_autofree DmTrainCheckpointInfo *info = g_new0 (DmTrainCheckpointInfo, 1);
  DmTrainRequest request;
  DmError *dm_error = NULL;
  g_autoptr (GError) error = NULL;
  GtkDialog *question;

  /* Far from done when closed. */
  tiny_request (&request, "close-tiny", 100000, &model_path);
  checkpoint = dm_train_checkpoint_path (&request);
  g_unlink (checkpoint);
  g_unlink (model_path);

  reconstruct_ks (window);
  CHECK (darkmap_window_start_training (window, &request, &error));
  CHECK (wait_for_step (DARKMAP_TRAIN_DASHBOARD (darkmap_window_get_train_dashboard (window)),
                        TINY_REPORT_EVERY));

  gtk_window_close (GTK_WINDOW (window));
  question = the_question (window, &headline, &detail);
  CHECK (question != NULL);
  CHECK (g_strcmp0 (headline, "Stop the training and close?") == 0);
  CHECK (g_strcmp0 (detail, "The training of close-tiny.safetensors cannot go on once the "
                            "window is closed. Stopping saves its finished steps in a "
                            "checkpoint: resume it later from Train a Model.") == 0);
  if (question == NULL)
    return;
  gtk_dialog_response (question, GTK_RESPONSE_ACCEPT);
  question = the_question (window, &headline, &detail);
  CHECK (question != NULL);
  CHECK (g_strcmp0 (headline, "Save the result before closing?") == 0);
  CHECK (darkmap_window_is_training (window));
  if (question == NULL)
    return;
  gtk_dialog_response (question, RESPONSE_DISCARD);
  CHECK (!is_closed (window));
  CHECK (wait_for_close (window, 30.0));
  CHECK (dm_train_checkpoint_read (checkpoint, info, &dm_error));
  if (dm_error != NULL)
    {
      fprintf (stderr, "checkpoint: %s\n", dm_error->message);
      dm_error_free (dm_error);
    }
  CHECK (info->step > 0 && info->step < 100000);
  printf ("closed at step %lld\n", (long long) info->step);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();

  if (app == NULL)
    return DM_TEST_SKIP;
  /* Save…'s file chooser records the file among the recent ones, with the
   * program's names as the application sets them. */
  g_set_prgname ("darkmap");
  g_set_application_name ("Darkmap");
  check_nothing_to_lose (app);
  check_unsaved (app);
  check_reconstruction_running (app);
  check_training_running (app);
  return dm_test_result ();
}
