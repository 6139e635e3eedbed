/* DarkmapWindow, training: the Train dialog (win.train) and its worker job
 * (dm_train, the call darkmap-cli's train commands make), the Training page
 * with the dashboard, the header's progress button, the unfinished
 * trainings to resume, and "Reconstruct with This Model" (a CosmoGAN: its
 * universes drawn on the Emulated Universes page).  Closing the window
 * during a training asks first (darkmap-window-close.c).  The window's
 * state is in darkmap-window-private.h.
 *
 * A running training holds the application, so that the window going away
 * (or the last one closing) lets its checkpoint be written before the
 * process ends: the window's disposal cancels the training, whose finished
 * steps the engine then saves. */
#include "darkmap-window-private.h"

#include "darkmap-train-files.h"

#include <errno.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#define TRAINING_PAGE "training"

enum { SIGNAL_TRAINING_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

gboolean
darkmap_window_is_training (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  return self->train_job != NULL;
}

GtkWidget *
darkmap_window_get_train_dashboard (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->train_dashboard);
}

GtkWindow *
darkmap_window_get_train_dialog (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WINDOW (self->train_dialog);
}

/* The header's button: the training's progress, to its page. */
static void
update_training_button (DarkmapWindow *self)
{
  g_autofree char *text = darkmap_train_dashboard_describe_progress (self->train_dashboard);

  gtk_widget_set_visible (self->training_button, text != NULL);
  if (text != NULL)
    gtk_button_set_label (GTK_BUTTON (self->training_button), text);
}

/* The info bar's count of the models folder's unfinished trainings, the
 * running one left out. */
static void
refresh_unfinished (DarkmapWindow *self)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autoptr (GPtrArray) unfinished = darkmap_train_find_unfinished (folder);
  guint n = 0;

  for (guint i = 0; i < unfinished->len; i++)
    {
      const DarkmapUnfinishedTraining *training = g_ptr_array_index (unfinished, i);

      if (self->train_job == NULL
          || g_strcmp0 (training->checkpoint_path,
                        darkmap_train_job_get_checkpoint_path (self->train_job)) != 0)
        n++;
    }
  darkmap_train_dashboard_set_n_unfinished (self->train_dashboard, n);
}

static void
update_training_actions (DarkmapWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.train", self->train_job == NULL);
}

/* What the job's completion needs: the window and the application the
 * training holds. */
typedef struct
{
  DarkmapWindow *window;        /* a reference */
  GApplication *application;    /* a reference, held; or NULL */
} TrainingEnd;

static void
on_training_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  TrainingEnd *end = user_data;
  DarkmapWindow *self = end->window;
  DarkmapTrainJob *job = DARKMAP_TRAIN_JOB (source);
  g_autoptr (GError) error = NULL;
  DmTrainResult result;
  gboolean ok = darkmap_train_job_run_finish (job, res, &result, &error);
  const char *model_path = darkmap_train_job_get_model_path (job);
  const char *checkpoint_path = darkmap_train_job_get_checkpoint_path (job);
  gint64 checkpoint_step = -1;

  if (end->application != NULL)
    {
      g_application_release (end->application);
      g_object_unref (end->application);
    }
  g_free (end);
  if (job != self->train_job)
    {
      /* The window went away meanwhile. */
      g_object_unref (self);
      return;
    }
  if (g_file_test (checkpoint_path, G_FILE_TEST_EXISTS))
    {
      g_autofree DmTrainCheckpointInfo *info = g_new0 (DmTrainCheckpointInfo, 1);
      DmError *dm_error = NULL;

      if (dm_train_checkpoint_read (checkpoint_path, info, &dm_error))
        checkpoint_step = info->step;
      else
        {
          g_debug ("Checkpoint %s not read: %s", checkpoint_path, dm_error->message);
          dm_error_free (dm_error);
        }
    }
  darkmap_train_dashboard_set_finished (self->train_dashboard, ok ? &result : NULL, error,
                                        checkpoint_step);
  g_clear_object (&self->train_job);
  /* The Reconstruct dialog and the model library list the model (or its
   * new weights and card) at once. */
  if (g_file_test (model_path, G_FILE_TEST_EXISTS))
    darkmap_model_list_reload (darkmap_model_list_get_default ());
  update_training_actions (self);
  update_training_button (self);
  refresh_unfinished (self);
  if (!ok && !self->close_after_training
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    darkmap_window_show_error (self, _("The training failed"), error->message);
  g_signal_emit (self, signals[SIGNAL_TRAINING_FINISHED], 0, error);
  if (self->close_after_training)
    gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
}

static void
on_training_progress (DarkmapWindow *self)
{
  update_training_button (self);
}

/* The folders of the model and its checkpoint (the user's models folder
 * may not exist yet). */
static gboolean
make_folders (const DmTrainRequest *request, GError **error)
{
  char *checkpoint_path = dm_train_checkpoint_path (request);
  const char *paths[] = { request->model_path, checkpoint_path };
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *folder = paths[i] != NULL ? g_path_get_dirname (paths[i]) : NULL;
      int saved_errno;

      if (folder == NULL || g_mkdir_with_parents (folder, 0755) == 0)
        continue;
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot make the folder %s: %s"), folder, g_strerror (saved_errno));
      ok = FALSE;
    }
  free (checkpoint_path);
  return ok;
}

gboolean
darkmap_window_start_training (DarkmapWindow *self, const DmTrainRequest *request,
                               GError **error)
{
  DmTrainRequest full;
  DmError *dm_error = NULL;
  TrainingEnd *end;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  if (self->train_job != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A training runs in this window already: wait for it, or cancel "
                             "it, first."));
      return FALSE;
    }
  full = *request;
  if (full.theory_path == NULL)
    full.theory_path = self->theory_path;
  if (full.kind == DM_TRAIN_MMGAN && full.catalog_path == NULL && self->result != NULL)
    {
      full.catalog_path = self->result->path;
      darkmap_job_settings_grid_spec (&self->field_settings, &full.grid);
      full.pixel_arcmin = full.grid.pixel_arcmin;
    }
  /* A new training of the open field's catalogue reads its table and
   * columns (a resumed one, those its checkpoint recorded). */
  if (!full.resume && self->result != NULL
      && g_strcmp0 (full.catalog_path, self->result->path) == 0)
    {
      full.catalog_hdu = self->field_settings.hdu;
      darkmap_job_settings_columns (&self->field_settings, &full.catalog_columns);
    }

  if (full.theory_path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No theory table: Darkmap’s data folder is missing."));
      return FALSE;
    }
  if (!dm_train_check (&full, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  if (!make_folders (&full, error)
      || (self->train_job = darkmap_train_job_new (&full, error)) == NULL)
    return FALSE;
  self->close_after_training = FALSE;
  g_signal_connect_object (self->train_job, "notify::fraction",
                           G_CALLBACK (on_training_progress), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->train_job, "notify::paused", G_CALLBACK (on_training_progress),
                           self, G_CONNECT_SWAPPED);
  darkmap_train_dashboard_set_job (self->train_dashboard, self->train_job);
  update_training_button (self);
  update_training_actions (self);
  refresh_unfinished (self);
  gtk_stack_set_visible_child_name (self->stack, TRAINING_PAGE);

  end = g_new0 (TrainingEnd, 1);
  end->window = g_object_ref (self);
  if (gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    {
      end->application = G_APPLICATION (g_object_ref (gtk_window_get_application (
                                                        GTK_WINDOW (self))));
      g_application_hold (end->application);
    }
  darkmap_train_job_run_async (self->train_job, on_training_done, end);
  return TRUE;
}

/* FALSE with error (message: a format naming the path) when the file a
 * training was started with is gone. */
static gboolean
check_recorded_file (const char *path, const char *message, GError **error)
{
  if (path[0] != '\0' && g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, message, path);
  return FALSE;
}

gboolean
darkmap_window_resume_training (DarkmapWindow *self, const char *checkpoint_path,
                                GError **error)
{
  g_autofree DmTrainCheckpointInfo *info = g_new0 (DmTrainCheckpointInfo, 1);
  DmTrainRequest request;
  DmError *dm_error = NULL;
  gboolean own_maps;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (checkpoint_path != NULL, FALSE);
  if (!dm_train_checkpoint_read (checkpoint_path, info, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  /* A CosmoGAN trained on the user's maps needs them, not the theory. */
  own_maps = info->request.kind == DM_TRAIN_COSMOGAN && info->maps_path[0] != '\0';
  if ((own_maps
       && !check_recorded_file (info->maps_path,
                                _("The training maps this training was started with, “%s”, are "
                                  "missing: put them back there to resume the training."),
                                error))
      || (!own_maps
          && !check_recorded_file (info->theory_path,
                                   _("The theory table this training was started with, “%s”, "
                                     "is missing: put it back there to resume the training."),
                                   error))
      || (info->request.kind == DM_TRAIN_MMGAN
          && !check_recorded_file (info->catalog_path,
                                   _("The catalogue this training was started with, “%s”, is "
                                     "missing: put it back there to resume the training."),
                                   error)))
    return FALSE;
  /* The request's strings point into info. */
  request = info->request;
  request.resume = true;
  request.checkpoint_path = checkpoint_path;
  return darkmap_window_start_training (self, &request, error);
}

/* ---- The Train dialog --------------------------------------------------- */

static void
on_dialog_train (DarkmapTrainDialog *dialog, DarkmapWindow *self)
{
  DmTrainRequest request;
  g_autoptr (GError) error = NULL;

  if (!darkmap_train_dialog_get_request (dialog, &request))
    return;
  if (!darkmap_window_start_training (self, &request, &error))
    darkmap_window_show_error (self, _("Could not start the training"), error->message);
}

static void
on_dialog_resume (DarkmapTrainDialog *dialog, const char *checkpoint_path, DarkmapWindow *self)
{
  g_autoptr (GError) error = NULL;

  if (!darkmap_window_resume_training (self, checkpoint_path, &error))
    darkmap_window_show_error (self, _("Could not resume the training"), error->message);
}

/* The Train dialog's "Rebin the Field for a Quick Training": the
 * catalogue again on the quick MMGAN's grid; the dialog follows the new
 * field when the job ends (on_job_finished). */
static void
on_dialog_rebin (DarkmapTrainDialog *dialog, int size, double pixel_arcmin,
                 DarkmapWindow *self)
{
  DarkmapJobSettings settings = self->field_settings;
  g_autoptr (GFile) file = NULL;

  if (self->result == NULL)
    return;
  settings.grid_size = size;
  settings.pixel_arcmin = pixel_arcmin;
  file = g_file_new_for_path (self->result->path);
  darkmap_window_open_catalogue (self, file, &settings);
}

/* A new field: the Train dialog, if shown, trains for it. */
static void
on_job_finished (DarkmapWindow *self, const GError *error)
{
  if (self->train_dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (self->train_dialog)))
    darkmap_train_dialog_set_field (self->train_dialog, self->result,
                                    self->result != NULL ? &self->field_settings : NULL);
}

static void
train_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);

  if (self->train_dialog == NULL)
    {
      self->train_dialog = darkmap_train_dialog_new (GTK_WINDOW (self), self->theory_path);
      g_object_ref_sink (self->train_dialog);
      g_signal_connect_object (self->train_dialog, "train", G_CALLBACK (on_dialog_train), self,
                               0);
      g_signal_connect_object (self->train_dialog, "resume", G_CALLBACK (on_dialog_resume), self,
                               0);
      g_signal_connect_object (self->train_dialog, "unfinished-changed",
                               G_CALLBACK (refresh_unfinished), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->train_dialog, "rebin-requested",
                               G_CALLBACK (on_dialog_rebin), self, 0);
    }
  darkmap_train_dialog_set_field (self->train_dialog, self->result,
                                  self->result != NULL ? &self->field_settings : NULL);
  darkmap_train_dialog_refresh_unfinished (self->train_dialog);
  gtk_window_present (GTK_WINDOW (self->train_dialog));
}

/* ---- Reconstruct with This Model ---------------------------------------- */

static void
on_reconstruct_with_model (DarkmapTrainDashboard *dashboard, const char *model_path,
                           DarkmapWindow *self)
{
  DarkmapTrainJob *job = darkmap_train_dashboard_get_job (dashboard);
  DmReconstructRequest current, request;
  DmReconstructMethod method;
  DarkmapReconstructDialog *dialog;

  if (darkmap_train_job_get_request (job)->kind == DM_TRAIN_COSMOGAN)
    {
      darkmap_window_show_universes (self, model_path);
      return;
    }
  if (self->result == NULL)
    {
      darkmap_window_show_error (self, _("Could not reconstruct with the model"),
                                 _("Open the survey’s catalogue first."));
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (self), "win.reconstruct", NULL);
  if ((dialog = self->reconstruct_dialog) == NULL)
    return;
  darkmap_reconstruct_dialog_get_request (dialog, &current);
  if (darkmap_train_job_get_request (job)->kind == DM_TRAIN_MMGAN)
    method = DM_RECONSTRUCT_MMGAN;
  else if (current.method == DM_RECONSTRUCT_SCORE_HMC
           || current.method == DM_RECONSTRUCT_SCORE_FLOW)
    method = current.method;
  else
    method = DM_RECONSTRUCT_SCORE_HMC;
  dm_reconstruct_request_init (&request, method);
  request.model_path = model_path;
  request.device = current.device;
  request.seed = current.seed;
  if (current.method == method)
    request.n_samples = current.n_samples;
  darkmap_reconstruct_dialog_set_request (dialog, &request);
}

/* ---- Set-up ------------------------------------------------------------- */

void
darkmap_window_training_class_init (GtkWidgetClass *widget_class)
{
  /* training-finished (GError *error): NULL when every step was done or
   * the time budget ran out; G_IO_ERROR_CANCELLED when cancelled. */
  signals[SIGNAL_TRAINING_FINISHED] =
    g_signal_new ("training-finished", G_TYPE_FROM_CLASS (widget_class), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  gtk_widget_class_install_action (widget_class, "win.train", NULL, train_action);
  g_type_ensure (DARKMAP_TYPE_TRAIN_DASHBOARD);
}

/* The Training page shows: its count of unfinished trainings follows the
 * models folder.  Read then rather than as the window starts, since each
 * checkpoint is read whole (tens of MB for a full-size model's). */
static void
on_page_changed (DarkmapWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), TRAINING_PAGE) == 0)
    refresh_unfinished (self);
}

void
darkmap_window_training_init (DarkmapWindow *self)
{
  GtkWidget *header = gtk_window_get_titlebar (GTK_WINDOW (self));

  self->train_dashboard = DARKMAP_TRAIN_DASHBOARD (darkmap_train_dashboard_new ());
  gtk_stack_add_titled (self->stack, GTK_WIDGET (self->train_dashboard), TRAINING_PAGE,
                        _("Training"));
  g_signal_connect_object (self->train_dashboard, "reconstruct",
                           G_CALLBACK (on_reconstruct_with_model), self, 0);

  /* Beside the page switcher: the training's progress while it runs, a
   * click away from its page. */
  self->training_button = gtk_button_new ();
  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (self->training_button),
                                           "win.page::" TRAINING_PAGE);
  gtk_widget_set_tooltip_text (self->training_button, _("Show the training’s dashboard"));
  gtk_widget_add_css_class (self->training_button, "flat");
  gtk_widget_add_css_class (self->training_button, "numeric");
  gtk_widget_set_visible (self->training_button, FALSE);
  if (GTK_IS_HEADER_BAR (header))
    gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->training_button);

  g_signal_connect (self, "job-finished", G_CALLBACK (on_job_finished), NULL);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (on_page_changed), self, G_CONNECT_SWAPPED);
  update_training_actions (self);
}

void
darkmap_window_training_dispose (DarkmapWindow *self)
{
  /* A training still running saves its finished steps and ends; its
   * completion holds the window and the application until then. */
  if (self->train_job != NULL)
    {
      darkmap_train_job_cancel (self->train_job);
      darkmap_train_job_set_paused (self->train_job, FALSE);
    }
  g_clear_object (&self->train_job);
  if (self->train_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->train_dialog));
  g_clear_object (&self->train_dialog);
}
