/* DarkmapWindow, closing without losing work: the close button, Ctrl+W
 * (window.close) and app.quit all come through "close-request", which asks
 * first when closing would lose something, in this order:
 *  - a training runs: "Stop the training and close?" (its finished steps
 *    are saved in its checkpoint, to resume from Train a Model);
 *  - a reconstruction runs: "Stop the reconstruction and close?";
 *  - a result is unsaved: a reconstruction made in this window (any method,
 *    Kaiser-Squires included) still in the Results list and not written
 *    since by Save Posterior.  Posterior files opened are saved already,
 *    results removed from the list are discarded already, and the field's
 *    own Kaiser-Squires maps come back from the catalogue in a second.
 *    Save… saves it (the posterior file chooser), then asks again about the
 *    next unsaved one, if any, or closes; Discard closes without them.
 * Every answer but Cancel goes on to the next question; the window closes
 * once all are answered (after a stopped training's checkpoint is saved).
 * With nothing to lose it closes at once.  The window's state is in
 * darkmap-window-private.h. */
#include "darkmap-window-private.h"

#include <glib/gi18n.h>

#define TRAINING_PAGE "training"

/* What closing would lose, asked about in this order. */
typedef enum
{
  LOSS_NONE = 0,
  LOSS_TRAINING = 1 << 0,
  LOSS_RECONSTRUCTION = 1 << 1,
  LOSS_UNSAVED = 1 << 2,
} Loss;

/* The responses of the unsaved result's question besides Cancel. */
enum { RESPONSE_SAVE = 1, RESPONSE_DISCARD = 2 };

static void continue_closing (DarkmapWindow *self);

void
darkmap_window_mark_posterior_saved (DarkmapWindow *self, DarkmapPosteriorResult *result)
{
  g_hash_table_add (self->saved_posteriors, g_object_ref (result));
}

/* The results of the list made in this window and not saved since, in
 * the list's order (references). */
static GPtrArray *
unsaved_posteriors (DarkmapWindow *self)
{
  GListModel *list = G_LIST_MODEL (self->posteriors);
  GPtrArray *unsaved = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      DarkmapPosteriorResult *result = g_list_model_get_item (list, i);

      if (darkmap_posterior_result_get_source (result) == NULL
          && !g_hash_table_contains (self->saved_posteriors, result))
        g_ptr_array_add (unsaved, result);
      else
        g_object_unref (result);
    }
  return unsaved;
}

/* The first loss not agreed to yet, or LOSS_NONE. */
static Loss
next_loss (DarkmapWindow *self)
{
  g_autoptr (GPtrArray) unsaved = NULL;

  if (self->train_job != NULL && !(self->close_agreed & LOSS_TRAINING))
    return LOSS_TRAINING;
  if (darkmap_window_is_reconstructing (self) && !(self->close_agreed & LOSS_RECONSTRUCTION))
    return LOSS_RECONSTRUCTION;
  unsaved = unsaved_posteriors (self);
  if (unsaved->len > 0 && !(self->close_agreed & LOSS_UNSAVED))
    return LOSS_UNSAVED;
  return LOSS_NONE;
}

/* Everything agreed: the window goes, or, during a training, stops it and
 * goes once the engine has saved its finished steps (on_training_done). */
static void
close_now (DarkmapWindow *self)
{
  if (self->train_job == NULL)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  self->close_after_training = TRUE;
  darkmap_window_cancel_reconstruction (self);
  darkmap_train_job_cancel (self->train_job);
  darkmap_train_job_set_paused (self->train_job, FALSE);
  gtk_stack_set_visible_child_name (self->stack, TRAINING_PAGE);
}

/* Save…'s file written: on to the next question, or closing. */
static gboolean
continue_after_save (gpointer data)
{
  DarkmapWindow *self = data;

  if (!self->close_after_training && gtk_widget_get_visible (GTK_WIDGET (self)))
    continue_closing (self);
  return G_SOURCE_REMOVE;
}

/* Save…'s DarkmapWindowSaveFunc: the posterior selected by Save…. */
static gboolean
save_and_close (DarkmapWindow *self, const char *path, GError **error)
{
  if (!darkmap_window_save_posterior (self, path, error))
    return FALSE;
  /* The file chooser finishes its response before the window goes. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, continue_after_save, g_object_ref (self),
                   g_object_unref);
  return TRUE;
}

static void
on_question_response (GtkDialog *dialog, int response, DarkmapWindow *self)
{
  Loss loss = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "darkmap-loss"));

  /* The window may go before this emission ends, and with it the last
   * reference to the dialog: no longer its parent, first. */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  self->close_question = NULL;
  if (response == GTK_RESPONSE_ACCEPT || response == RESPONSE_DISCARD)
    {
      self->close_agreed |= loss;
      continue_closing (self);
    }
  else if (response == RESPONSE_SAVE)
    {
      g_autoptr (GPtrArray) unsaved = unsaved_posteriors (self);

      if (unsaved->len == 0)
        {
          continue_closing (self);
          return;
        }
      darkmap_window_select_posterior (self, g_ptr_array_index (unsaved, 0));
      darkmap_window_choose_file_to_save (self, _("Save the Posterior"), "posterior.fits",
                                          _("FITS images"), "fits", save_and_close,
                                          _("Could not save the posterior"));
    }
}

/* A question of the window's, Cancel its default. */
static GtkWidget *
new_question (DarkmapWindow *self, Loss loss, const char *headline, const char *detail)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s",
                                              headline);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_object_set_data (G_OBJECT (dialog), "darkmap-loss", GINT_TO_POINTER (loss));
  return dialog;
}

/* A question about a job running: Stop and Close, or Cancel. */
static GtkWidget *
new_stop_question (DarkmapWindow *self, Loss loss, const char *headline, const char *detail)
{
  GtkWidget *dialog = new_question (self, loss, headline, detail);

  gtk_widget_add_css_class (gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Stop and Close"),
                                                   GTK_RESPONSE_ACCEPT),
                            "destructive-action");
  return dialog;
}

static GtkWidget *
ask_training (DarkmapWindow *self)
{
  g_autofree char *name = g_path_get_basename (darkmap_train_job_get_model_path (self->train_job));
  g_autofree char *detail =
    g_strdup_printf (_("The training of %s cannot go on once the window is closed. Stopping "
                       "saves its finished steps in a checkpoint: resume it later from Train "
                       "a Model."), name);

  return new_stop_question (self, LOSS_TRAINING, _("Stop the training and close?"), detail);
}

static GtkWidget *
ask_reconstruction (DarkmapWindow *self)
{
  return new_stop_question (
    self, LOSS_RECONSTRUCTION, _("Stop the reconstruction and close?"),
    _("The reconstruction running in this window cannot go on once the window is closed: "
      "what it has computed so far is lost."));
}

static GtkWidget *
ask_unsaved (DarkmapWindow *self)
{
  g_autoptr (GPtrArray) unsaved = unsaved_posteriors (self);
  DarkmapPosteriorResult *first = g_ptr_array_index (unsaved, 0);
  g_autoptr (GString) detail = g_string_new (NULL);
  GtkWidget *dialog;

  /* TRANSLATORS: the method ("Wiener filter"), then its summary (the
   * model, the samples, the device, the time taken) */
  g_string_printf (detail, _("The result %s (%s), reconstructed in this window, has not been "
                             "saved: closing the window discards it."),
                   darkmap_posterior_result_get_title (first),
                   darkmap_posterior_result_get_summary (first));
  if (unsaved->len > 1)
    {
      g_string_append_c (detail, ' ');
      g_string_append_printf (detail,
                              ngettext ("%u more result is unsaved: Save… asks about it "
                                        "next, Discard discards it too.",
                                        "%u more results are unsaved: Save… asks about each "
                                        "next, Discard discards them too.",
                                        unsaved->len - 1),
                              unsaved->len - 1);
    }
  dialog = new_question (self, LOSS_UNSAVED, _("Save the result before closing?"), detail->str);
  gtk_widget_add_css_class (gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Discard"),
                                                   RESPONSE_DISCARD),
                            "destructive-action");
  gtk_widget_add_css_class (gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Save…"),
                                                   RESPONSE_SAVE),
                            "suggested-action");
  return dialog;
}

/* Asks the next question, or closes when there is none left. */
static void
continue_closing (DarkmapWindow *self)
{
  GtkWidget *dialog;

  switch (next_loss (self))
    {
    case LOSS_TRAINING:
      dialog = ask_training (self);
      break;
    case LOSS_RECONSTRUCTION:
      dialog = ask_reconstruction (self);
      break;
    case LOSS_UNSAVED:
      dialog = ask_unsaved (self);
      break;
    case LOSS_NONE:
    default:
      close_now (self);
      return;
    }
  self->close_question = dialog;
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_question_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
on_close_request (GtkWindow *window, DarkmapWindow *self)
{
  if (self->close_after_training)
    return TRUE; /* closing as soon as the checkpoint is saved */
  if (self->close_question != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->close_question));
      return TRUE;
    }
  /* Each close asks afresh. */
  self->close_agreed = 0;
  if (next_loss (self) == LOSS_NONE)
    return FALSE;
  continue_closing (self);
  return TRUE;
}

void
darkmap_window_close_init (DarkmapWindow *self)
{
  self->saved_posteriors = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref,
                                                  NULL);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), self);
}

void
darkmap_window_close_dispose (DarkmapWindow *self)
{
  g_clear_pointer (&self->saved_posteriors, g_hash_table_unref);
}
