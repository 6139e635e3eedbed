/* DarkmapModelLibrary: the model list with each model's card, rename,
 * delete, import, export, Evaluate on a Mock and Calibrate on Mocks. */
#include "darkmap-model-library.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-application.h"
#include "darkmap-calibrate-job.h"
#include "darkmap-calibration-text.h"
#include "darkmap-card-text.h"
#include "darkmap-evaluate-job.h"
#include "darkmap-file-chooser.h"
#include "darkmap-model-files.h"
#include "darkmap/model-card.h"

#define MODEL_SUFFIX ".safetensors"
/* The demo catalogue's grid without an open field: 37′ of COSMOS at its
 * own pixel scale. */
#define DEMO_GRID_SIZE 128
/* Calibrate on Mocks: mocks and samples on each (dm_calibrate_model's
 * defaults, as darkmap-cli calibrate). */
#define CALIBRATION_MOCKS 4
#define CALIBRATION_SAMPLES 32

struct _DarkmapModelLibrary
{
  GtkWindow parent_instance;

  GtkListBox *list_box;          /* bound to models */
  GtkLabel *read_only_label;
  GtkLabel *calibration_label;   /* the selected model's calibration */
  GtkLabel *survey_label;
  GtkLabel *truths_label;        /* what the mocks' truths are */
  GtkSpinButton *samples_spin;
  GtkProgressBar *progress_bar;
  GtkWidget *calibrate_button;
  GtkWidget *cancel_button;
  GtkGrid *table_grid;           /* the evaluation shown: a header row and one row per method */
  GtkLabel *message_label;
  GtkTextView *card_view;

  DarkmapModelList *models;      /* a reference to the application's list */
  char *selected_path;           /* the model selected, found again after a reload; or NULL */

  char *catalogue_path;          /* the field's catalogue, or the demo's */
  gboolean has_field;            /* catalogue_path is the open field's */
  DarkmapJobSettings settings;   /* how it is read and binned */
  char *theory_path;             /* the shipped theory table */
  char *request_model;           /* the last request's model path */

  DarkmapMockJob *job;           /* the evaluation or calibration running, or NULL */
  GCancellable *cancellable;     /* its */
  char *evaluated_path;          /* the model of the job or of the evaluation shown */
  char *evaluated_catalogue;     /* its catalogue file */
  char *truths_path;             /* the mocks' truth maps, or NULL: simulated */
  char *evaluated_truths;        /* those of the evaluation shown, or NULL */
  DmModelEvaluationRequest evaluated_request;  /* its settings (no strings kept) */
  gboolean has_evaluation;
  DmModelEvaluation evaluation;  /* the last one finished */

  int calibration_mocks;         /* Calibrate on Mocks' request */
  int calibration_samples;
  gboolean has_calibration;
  DmCalibrationResult calibration;  /* the last one finished */
  gboolean disposed;             /* closed while a job ran: its end changes nothing */
};

G_DEFINE_FINAL_TYPE (DarkmapModelLibrary, darkmap_model_library, GTK_TYPE_WINDOW)

enum { SIGNAL_EVALUATION_FINISHED, SIGNAL_CALIBRATION_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

enum { PROP_0, PROP_CALIBRATION_MOCKS, PROP_CALIBRATION_SAMPLES, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- The list ------------------------------------------------------------ */

static GtkWidget *
add_label (GtkWidget *box, const char *text, const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_widget_set_visible (label, text[0] != '\0');
  gtk_box_append (GTK_BOX (box), label);
  return label;
}

static char *
describe_size (gint64 n_parameters)
{
  if (n_parameters >= 1000000)
    return g_strdup_printf (_("%.1f M parameters"), n_parameters / 1e6);
  if (n_parameters >= 1000)
    return g_strdup_printf (_("%.1f k parameters"), n_parameters / 1e3);
  return g_strdup_printf (_("%d parameters"), (int) n_parameters);
}

static const char *
describe_origin (DarkmapModelOrigin origin)
{
  switch (origin)
    {
    case DARKMAP_MODEL_SHIPPED:
      return _("Shipped with Darkmap: read-only");
    case DARKMAP_MODEL_OTHER:
      return _("A file outside your models folder");
    case DARKMAP_MODEL_USER:
      break;
    }
  return "";
}

/* A row: the name in bold, kind, grid and size, the card's summary and its
 * scores, and where the file is. */
static GtkWidget *
create_row (gpointer item, gpointer user_data)
{
  DarkmapModel *model = item;
  const DmModelInfo *info = darkmap_model_get_info (model);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autofree char *size = describe_size (info->n_parameters);
  /* TRANSLATORS: a model's kind, grid and size */
  g_autofree char *what = g_strdup_printf (_("%s · %s · %s"), darkmap_model_get_kind_text (model),
                                           darkmap_model_get_grid_text (model), size);
  g_autofree char *calibration = darkmap_calibration_text (&info->calibration);
  GtkWidget *summary;

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  add_label (box, darkmap_model_get_name (model), "heading");
  add_label (box, what, "caption");
  summary = add_label (box, darkmap_model_get_summary (model), "caption");
  gtk_label_set_lines (GTK_LABEL (summary), 3);
  gtk_label_set_ellipsize (GTK_LABEL (summary), PANGO_ELLIPSIZE_END);
  add_label (box, darkmap_model_get_validation (model), "dim-label");
  add_label (box, calibration, "dim-label");
  add_label (box, describe_origin (darkmap_model_get_origin (model)), "dim-label");
  return box;
}

static void
show_card (DarkmapModelLibrary *self, DarkmapModel *model)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->card_view);
  g_autofree char *path = model != NULL ? darkmap_model_get_card_path (model) : NULL;
  g_autofree char *card = NULL;

  if (path != NULL && g_file_get_contents (path, &card, NULL, NULL))
    darkmap_card_text_render (buffer, card);
  else if (model != NULL)
    gtk_text_buffer_set_text (buffer, _("This model has no card."), -1);
  else
    gtk_text_buffer_set_text (buffer, "", 0);
}

/* ---- State --------------------------------------------------------------- */

static void
show_message (DarkmapModelLibrary *self, const char *text, gboolean is_error)
{
  gtk_label_set_text (self->message_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text[0] != '\0');
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
}

/* The grid a mock of model is made on: the field's (or the demo's),
 * with the model's size and pixel scale where it records them. */
static void
mock_grid (DarkmapModelLibrary *self, DarkmapModel *model, DmGridSpec *grid)
{
  const DmModelInfo *info = darkmap_model_get_info (model);

  darkmap_job_settings_grid_spec (&self->settings, grid);
  if (info->nx > 0)
    {
      grid->nx = info->nx;
      grid->ny = info->ny;
    }
  if (info->pixel_arcmin > 0.0)
    grid->pixel_arcmin = info->pixel_arcmin;
}

static void
update_survey_label (DarkmapModelLibrary *self, DarkmapModel *model)
{
  g_autofree char *name = g_path_get_basename (self->catalogue_path);
  g_autofree char *text = NULL, *truth = NULL;
  DmGridSpec grid;

  if (model == NULL)
    {
      gtk_label_set_text (self->survey_label, "");
      return;
    }
  mock_grid (self, model, &grid);
  if (self->truths_path != NULL)
    {
      g_autofree char *maps = g_path_get_basename (self->truths_path);

      /* TRANSLATORS: the file of truth maps */
      truth = g_strdup_printf (_("a tile of the maps of %s"), maps);
    }
  else
    truth = g_strdup (_("a lognormal field with NFW haloes"));
  if (self->has_field)
    /* TRANSLATORS: the catalogue file, the grid, then what the truth is */
    text = g_strdup_printf (_("A mock of the open field (%s) on %d × %d pixels of %g′: %s, "
                              "the field’s mask and its galaxies’ rotated noise."),
                            name, grid.nx, grid.ny, grid.pixel_arcmin, truth);
  else
    /* TRANSLATORS: the grid, then what the truth is */
    text = g_strdup_printf (_("A mock of the COSMOS demo catalogue on %d × %d pixels of %g′: "
                              "%s, its mask and its galaxies’ rotated noise."),
                            grid.nx, grid.ny, grid.pixel_arcmin, truth);
  gtk_label_set_text (self->survey_label, text);
}

/* What Calibrate on Mocks does for model, or why it cannot: the button's
 * tooltip. */
static const char *
describe_calibrate (DarkmapModel *model)
{
  if (model != NULL && darkmap_model_get_info (model)->kind == DM_MODEL_COSMOGAN)
    return _("An emulator draws maps from the prior, not posterior samples: it has no error "
             "bars to calibrate");
  switch (model != NULL ? darkmap_model_get_origin (model) : DARKMAP_MODEL_USER)
    {
    case DARKMAP_MODEL_SHIPPED:
      return _("A shipped model is read-only: import a copy of it to calibrate the copy");
    case DARKMAP_MODEL_OTHER:
      return _("Only a model in your models folder can be calibrated: import it first");
    case DARKMAP_MODEL_USER:
      break;
    }
  return _("Fit the factor that makes the model’s error bars cover the truth of simulated "
           "surveys as often as they say, and store it in the model: every later sampling "
           "applies it");
}

static void
update_actions (DarkmapModelLibrary *self)
{
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  gboolean running = self->job != NULL;
  gboolean user = model != NULL && darkmap_model_get_origin (model) == DARKMAP_MODEL_USER;
  /* An emulator samples no posterior: nothing to evaluate or calibrate. */
  gboolean posterior = model != NULL && darkmap_model_get_info (model)->kind != DM_MODEL_COSMOGAN;
  gboolean mocks = posterior && !running && self->theory_path != NULL;
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "library.rename", user && !running);
  gtk_widget_action_set_enabled (widget, "library.delete", user && !running);
  gtk_widget_action_set_enabled (widget, "library.export", model != NULL);
  gtk_widget_action_set_enabled (widget, "library.evaluate", mocks);
  gtk_widget_action_set_enabled (widget, "library.calibrate", mocks && user);
  gtk_widget_set_tooltip_text (self->calibrate_button, describe_calibrate (model));
  gtk_widget_action_set_enabled (widget, "library.cancel", running);
  gtk_widget_action_set_enabled (widget, "library.choose-truths", !running);
  gtk_widget_action_set_enabled (widget, "library.simulated-truths",
                                 !running && self->truths_path != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_widget_set_visible (self->cancel_button, running);
}

static void
clear_table (DarkmapModelLibrary *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table_grid))) != NULL)
    gtk_grid_remove (self->table_grid, child);
}

static void
attach_cell (DarkmapModelLibrary *self, const char *text, int column, int row, gboolean bold)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.0 : 1.0);
  gtk_widget_add_css_class (label, bold ? "heading" : "numeric");
  gtk_grid_attach (self->table_grid, label, column, row, 1, 1);
}

static const char *
method_title (DmEvalMethod method)
{
  switch (method)
    {
    case DM_EVAL_KS:
      return _("Kaiser-Squires");
    case DM_EVAL_WIENER:
      return _("Wiener filter");
    case DM_EVAL_SCORE:
      return _("Score sampler, theory prior");
    case DM_EVAL_SCORE_FLOW:
      return _("Probability flow, theory prior");
    case DM_EVAL_SCORE_HYBRID:
    case DM_EVAL_MMGAN:
    case DM_EVAL_N_METHODS:
      break;
    }
  return "";
}

static void
attach_row (DarkmapModelLibrary *self, const char *title, const DmEvalMetrics *m, int row)
{
  g_autofree char *r = g_strdup_printf ("%.3f", m->r);
  g_autofree char *rmse = g_strdup_printf ("%.4f", m->rmse);
  g_autofree char *c68 = isnan (m->coverage68) ? g_strdup ("–")
                                               : g_strdup_printf ("%.3f", m->coverage68);
  g_autofree char *c95 = isnan (m->coverage95) ? g_strdup ("–")
                                               : g_strdup_printf ("%.3f", m->coverage95);
  g_autofree char *seconds = g_strdup_printf (_("%.1f s"), m->seconds);

  attach_cell (self, title, 0, row, FALSE);
  attach_cell (self, r, 1, row, FALSE);
  attach_cell (self, rmse, 2, row, FALSE);
  attach_cell (self, c68, 3, row, FALSE);
  attach_cell (self, c95, 4, row, FALSE);
  attach_cell (self, seconds, 5, row, FALSE);
}

/* The evaluation's table: the model first, then the baselines that ran. */
static void
show_table (DarkmapModelLibrary *self, const char *model_name)
{
  const DmEvalResult *table = &self->evaluation.table;
  /* TRANSLATORS: the evaluation table's columns: Pearson r, RMSE, the
   * coverage of the 68 % and 95 % credible intervals, the time taken */
  const char *headers[] = { _("Method"), _("r"), _("RMSE"), _("68 %"), _("95 %"), _("Time") };
  int row = 1;

  clear_table (self);
  for (int c = 0; c < (int) G_N_ELEMENTS (headers); c++)
    attach_cell (self, headers[c], c, 0, TRUE);
  if (self->evaluation.has_model && table->method[self->evaluation.model_method].done)
    {
      /* TRANSLATORS: the model's name in the evaluation table */
      g_autofree char *title = g_strdup_printf (_("%s (this model)"), model_name);

      attach_row (self, title, &table->method[self->evaluation.model_method], row++);
    }
  for (int m = DM_EVAL_KS; m <= DM_EVAL_SCORE_FLOW; m++)
    if (m != DM_EVAL_SCORE_HYBRID && table->method[m].done)
      attach_row (self, method_title (m), &table->method[m], row++);
}

/* The selected model's calibration in one line, the fit in its tooltip. */
static void
show_calibration (DarkmapModelLibrary *self, DarkmapModel *model)
{
  const DmCalibration *calibration = model != NULL
                                     ? &darkmap_model_get_info (model)->calibration : NULL;
  g_autofree char *text = calibration != NULL ? darkmap_calibration_text (calibration)
                                              : g_strdup ("");
  g_autofree char *details = calibration != NULL ? darkmap_calibration_details (calibration)
                                                 : g_strdup ("");

  gtk_label_set_text (self->calibration_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->calibration_label), text[0] != '\0');
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->calibration_label),
                               details[0] != '\0' ? details : NULL);
}

static void
show_model (DarkmapModelLibrary *self, DarkmapModel *model)
{
  gboolean evaluated = model != NULL && self->has_evaluation &&
                       g_strcmp0 (self->evaluated_path, darkmap_model_get_path (model)) == 0;

  g_free (self->selected_path);
  self->selected_path = model != NULL ? g_strdup (darkmap_model_get_path (model)) : NULL;
  gtk_label_set_text (self->read_only_label,
                      model != NULL ? describe_origin (darkmap_model_get_origin (model)) : "");
  show_calibration (self, model);
  show_card (self, model);
  update_survey_label (self, model);
  if (evaluated)
    show_table (self, darkmap_model_get_name (model));
  else if (self->job == NULL)
    clear_table (self);
  update_actions (self);
}

/* A row chosen.  None: the rows went with a reload, and on_models_changed
 * selects the model again. */
static void
on_row_selected (DarkmapModelLibrary *self, GtkListBoxRow *row)
{
  g_autoptr (DarkmapModel) model = NULL;

  if (row == NULL)
    return;
  model = g_list_model_get_item (G_LIST_MODEL (self->models),
                                 (guint) gtk_list_box_row_get_index (row));
  show_model (self, model);
}

/* After a reload: the model of path selected again (else the first). */
static DarkmapModel *
select_path (DarkmapModelLibrary *self, const char *path)
{
  DarkmapModel *model = path != NULL ? darkmap_model_list_find (self->models, path) : NULL;

  if (model == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->models)) > 0)
    {
      g_autoptr (DarkmapModel) first = g_list_model_get_item (G_LIST_MODEL (self->models), 0);

      model = first;  /* the list keeps its reference */
    }
  darkmap_model_library_select (self, model);
  return model;
}

/* The list changed (here or elsewhere): the selection found again. */
static void
on_models_changed (DarkmapModelLibrary *self)
{
  g_autofree char *path = g_strdup (self->selected_path);

  select_path (self, path);
}

/* ---- Files --------------------------------------------------------------- */

DarkmapModel *
darkmap_model_library_rename (DarkmapModelLibrary *self, DarkmapModel *model, const char *name,
                              GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), NULL);
  path = darkmap_model_files_rename (model, name, error);
  if (path == NULL)
    return NULL;
  darkmap_model_list_reload (self->models);
  return select_path (self, path);
}

gboolean
darkmap_model_library_delete (DarkmapModelLibrary *self, DarkmapModel *model, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), FALSE);
  ok = darkmap_model_files_delete (model, error);
  /* Some files may be gone even after a failure. */
  darkmap_model_list_reload (self->models);
  return ok;
}

DarkmapModel *
darkmap_model_library_import (DarkmapModelLibrary *self, GFile *file, GError **error)
{
  g_autofree char *path = NULL, *imported = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only local files can be read."));
      return NULL;
    }
  imported = darkmap_model_files_import (path, error);
  if (imported == NULL)
    return NULL;
  darkmap_model_list_reload (self->models);
  return select_path (self, imported);
}

gboolean
darkmap_model_library_export (DarkmapModelLibrary *self, DarkmapModel *model,
                              GFile *destination, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (destination), FALSE);
  path = g_file_get_path (destination);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only local files can be written."));
      return FALSE;
    }
  return darkmap_model_files_export (model, path, error);
}

/* ---- Mocks: the request, the job ----------------------------------------- */

/* The survey a mock of model is made on, into request: the field's or the
 * demo's catalogue and grid (the model's for MMGAN), device auto.  Its
 * strings belong to the library and live until the next call. */
static void
set_mock_survey (DarkmapModelLibrary *self, DarkmapModel *model,
                 DmModelEvaluationRequest *request)
{
  g_free (self->request_model);
  self->request_model = g_strdup (darkmap_model_get_path (model));
  request->model_path = self->request_model;
  request->catalog_path = self->catalogue_path;
  request->catalog_hdu = self->settings.hdu;
  darkmap_job_settings_columns (&self->settings, &request->catalog_columns);
  mock_grid (self, model, &request->grid);
  request->truths_path = self->truths_path;
  request->device = "auto";
}

static void
on_job_progress (DarkmapModelLibrary *self)
{
  g_autofree char *text = NULL;

  if (self->job == NULL)
    return;
  text = darkmap_mock_job_describe_progress (self->job);
  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_mock_job_get_fraction (self->job));
  gtk_progress_bar_set_text (self->progress_bar, text);
}

/* Runs job (taken) with the progress bar and Cancel; done gets a reference
 * to the library as its user data. */
static void
start_job (DarkmapModelLibrary *self, DarkmapMockJob *job, GAsyncReadyCallback done)
{
  self->job = job;
  self->cancellable = g_cancellable_new ();
  show_message (self, "", FALSE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Making the mock"));
  g_signal_connect_object (job, "notify::fraction", G_CALLBACK (on_job_progress), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (job, "notify::stage", G_CALLBACK (on_job_progress), self,
                           G_CONNECT_SWAPPED);
  darkmap_mock_job_run_async (job, self->cancellable, done, g_object_ref (self));
  update_actions (self);
}

static void
end_job (DarkmapModelLibrary *self)
{
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  update_actions (self);
}

/* ---- The mocks' truths ---------------------------------------------------- */

void
darkmap_model_library_set_truths (DarkmapModelLibrary *self, const char *truths_path)
{
  g_autofree char *text = NULL;

  g_return_if_fail (DARKMAP_IS_MODEL_LIBRARY (self));
  g_free (self->truths_path);
  self->truths_path = g_strdup (truths_path);
  if (truths_path != NULL)
    {
      g_autofree char *name = g_path_get_basename (truths_path);

      /* TRANSLATORS: the file of truth maps */
      text = g_strdup_printf (_("Truths: tiles of the maps of %s"), name);
    }
  gtk_label_set_text (self->truths_label,
                      text != NULL ? text : _("Truths: simulated (lognormal with NFW haloes)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->truths_label), truths_path);
  update_survey_label (self, darkmap_model_library_get_selected (self));
  update_actions (self);
}

const char *
darkmap_model_library_get_truths (DarkmapModelLibrary *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), NULL);
  return self->truths_path;
}

static void
on_truths_response (GtkNativeDialog *chooser, int response, DarkmapModelLibrary *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    {
      g_autofree char *path = g_file_get_path (file);

      darkmap_model_library_set_truths (self, path);
    }
  g_object_unref (chooser);
}

static void
choose_truths_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileChooserNative *chooser =
    darkmap_fits_image_chooser_new (_("Truth Maps of the Mocks"), GTK_WINDOW (widget));

  /* The chooser's reference is dropped in on_truths_response. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_truths_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
simulated_truths_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_model_library_set_truths (DARKMAP_MODEL_LIBRARY (widget), NULL);
}

/* ---- Evaluation ---------------------------------------------------------- */

void
darkmap_model_library_get_evaluation_request (DarkmapModelLibrary *self, DarkmapModel *model,
                                              DmModelEvaluationRequest *request)
{
  g_return_if_fail (DARKMAP_IS_MODEL_LIBRARY (self));
  g_return_if_fail (DARKMAP_IS_MODEL (model) && request != NULL);
  dm_model_evaluation_request_init (request);
  set_mock_survey (self, model, request);
  request->n_samples = gtk_spin_button_get_value_as_int (self->samples_spin);
}

/* The sentence the card gives the mock evaluated.  In English: the card
 * is, as the engine writes it. */
static char *
describe_mock (DarkmapModelLibrary *self)
{
  const DmModelEvaluationRequest *request = &self->evaluated_request;
  const DmModelEvaluation *evaluation = &self->evaluation;
  g_autofree char *catalogue = g_path_get_basename (self->evaluated_catalogue);
  g_autofree char *truths = self->evaluated_truths != NULL
                              ? g_strdup_printf ("a tile of the maps of `%s`",
                                                 self->evaluated_truths)
                              : g_strdup ("a lognormal field of the theory C_ell with NFW "
                                          "haloes");
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");

  return g_strdup_printf ("Mock %" G_GUINT64_FORMAT " of seed %" G_GUINT64_FORMAT
                          " (%s) on %d × %d pixels of %g′, with the mask and the rotated noise "
                          "of `%s`; %d samples on %s; %s.",
                          request->index, request->seed, truths, evaluation->nx,
                          evaluation->ny, evaluation->pixel_arcmin, catalogue,
                          request->n_samples, evaluation->device, date);
}

/* The card of the model evaluated gains the table, unless it is shipped. */
static void
write_card (DarkmapModelLibrary *self, DarkmapModel *model)
{
  g_autofree char *description = NULL;
  DmError *dm_error = NULL;

  if (darkmap_model_get_origin (model) == DARKMAP_MODEL_SHIPPED)
    {
      show_message (self, _("A shipped model’s card is not changed: import a copy to keep its "
                            "evaluation in its card."), FALSE);
      return;
    }
  description = describe_mock (self);
  if (!dm_model_card_add_evaluation (darkmap_model_get_path (model), &self->evaluation.table,
                                     self->evaluation.model_method, description, &dm_error))
    {
      g_autofree char *text = g_strdup_printf (_("The card could not be written: %s"),
                                               dm_error->message);

      show_message (self, text, TRUE);
      dm_error_free (dm_error);
      return;
    }
  show_message (self, _("The table was added to the model’s card."), FALSE);
  darkmap_model_list_reload (self->models);
}

static void
on_evaluation_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (DarkmapModelLibrary) self = user_data;
  g_autoptr (GError) error = NULL;
  DmModelEvaluation evaluation;
  DarkmapModel *model;
  gboolean ok = darkmap_evaluate_job_run_finish (DARKMAP_EVALUATE_JOB (source), res, &evaluation,
                                                 &error);

  if (self->disposed)
    return;
  if (!ok)
    {
      end_job (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_message (self, _("The evaluation was cancelled."), FALSE);
      else
        {
          g_autofree char *text = g_strdup_printf (_("The evaluation failed: %s"),
                                                   error->message);

          show_message (self, text, TRUE);
        }
      g_signal_emit (self, signals[SIGNAL_EVALUATION_FINISHED], 0, error);
      return;
    }
  self->evaluation = evaluation;
  self->has_evaluation = TRUE;
  end_job (self);
  model = darkmap_model_list_find (self->models, self->evaluated_path);
  if (model != NULL)
    {
      show_table (self, darkmap_model_get_name (model));
      write_card (self, model);
    }
  else
    show_message (self, _("The model evaluated is no longer listed: its card was not "
                          "written."), TRUE);
  g_signal_emit (self, signals[SIGNAL_EVALUATION_FINISHED], 0, NULL);
}

gboolean
darkmap_model_library_evaluate (DarkmapModelLibrary *self)
{
  DarkmapModel *model;
  DmModelEvaluationRequest request;
  DarkmapEvaluateJob *job;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), FALSE);
  model = darkmap_model_library_get_selected (self);
  if (model == NULL || self->job != NULL || self->theory_path == NULL)
    return FALSE;
  darkmap_model_library_get_evaluation_request (self, model, &request);
  job = darkmap_mock_job_new (DARKMAP_TYPE_EVALUATE_JOB, &request, self->theory_path, &error);
  if (job == NULL)
    {
      show_message (self, error->message, TRUE);
      return FALSE;
    }
  g_free (self->evaluated_path);
  self->evaluated_path = g_strdup (darkmap_model_get_path (model));
  g_free (self->evaluated_catalogue);
  self->evaluated_catalogue = g_strdup (request.catalog_path);
  g_free (self->evaluated_truths);
  self->evaluated_truths = g_strdup (request.truths_path);
  self->evaluated_request = request;
  self->evaluated_request.model_path = self->evaluated_request.catalog_path = NULL;
  self->evaluated_request.truths_path = NULL;
  self->evaluated_request.device = NULL;
  self->evaluated_request.catalog_columns = (DmCatalogColumns) { NULL };
  self->has_evaluation = FALSE;
  clear_table (self);
  start_job (self, DARKMAP_MOCK_JOB (job), on_evaluation_done);
  return TRUE;
}

gboolean
darkmap_model_library_get_evaluation (DarkmapModelLibrary *self, DmModelEvaluation *evaluation)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), FALSE);
  g_return_val_if_fail (evaluation != NULL, FALSE);
  if (!self->has_evaluation)
    return FALSE;
  *evaluation = self->evaluation;
  return TRUE;
}

/* ---- Calibration --------------------------------------------------------- */

void
darkmap_model_library_get_calibration_request (DarkmapModelLibrary *self, DarkmapModel *model,
                                               DmCalibrationRequest *request)
{
  g_return_if_fail (DARKMAP_IS_MODEL_LIBRARY (self));
  g_return_if_fail (DARKMAP_IS_MODEL (model) && request != NULL);
  dm_calibration_request_init (request);
  set_mock_survey (self, model, &request->mocks);
  request->mocks.n_mocks = self->calibration_mocks;
  request->mocks.n_samples = self->calibration_samples;
  request->store = TRUE;
}

/* A failure's headline and the engine's sentence, in a dialog over the
 * library. */
static void
show_failure (DarkmapModelLibrary *self, const char *headline, const GError *error)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s",
                                              headline);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_calibration_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (DarkmapModelLibrary) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  DmCalibrationResult result;
  gboolean ok = darkmap_calibrate_job_run_finish (DARKMAP_CALIBRATE_JOB (source), res, &result,
                                                  &error);

  /* The model's file and card changed: the application's list shows them,
   * open or closed library. */
  if (ok)
    darkmap_model_list_reload (self->models);
  if (self->disposed)
    return;
  end_job (self);
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_message (self, _("The calibration was cancelled: the model is unchanged."), FALSE);
      else
        show_failure (self, _("The model could not be calibrated"), error);
      g_signal_emit (self, signals[SIGNAL_CALIBRATION_FINISHED], 0, error);
      return;
    }
  self->calibration = result;
  self->has_calibration = TRUE;
  /* TRANSLATORS: the factor applied to the error bars, then the share of
   * pixels whose truth the 68 % error bars held on the calibration mocks,
   * before and after it */
  text = g_strdup_printf (_("Calibrated: error bars × %.2f; 68 %% coverage on the calibration "
                            "mocks %.2f → %.2f"),
                          result.calibration.factor, result.coverage68_raw, result.coverage68);
  show_message (self, text, FALSE);
  g_signal_emit (self, signals[SIGNAL_CALIBRATION_FINISHED], 0, NULL);
}

gboolean
darkmap_model_library_calibrate (DarkmapModelLibrary *self)
{
  DarkmapModel *model;
  DmCalibrationRequest request;
  DarkmapCalibrateJob *job;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), FALSE);
  model = darkmap_model_library_get_selected (self);
  if (model == NULL || darkmap_model_get_origin (model) != DARKMAP_MODEL_USER
      || self->job != NULL || self->theory_path == NULL)
    return FALSE;
  darkmap_model_library_get_calibration_request (self, model, &request);
  job = darkmap_calibrate_job_new (&request, self->theory_path, &error);
  if (job == NULL)
    {
      show_failure (self, _("The model could not be calibrated"), error);
      return FALSE;
    }
  self->has_calibration = FALSE;
  start_job (self, DARKMAP_MOCK_JOB (job), on_calibration_done);
  return TRUE;
}

gboolean
darkmap_model_library_get_calibration (DarkmapModelLibrary *self, DmCalibrationResult *result)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), FALSE);
  g_return_val_if_fail (result != NULL, FALSE);
  if (!self->has_calibration)
    return FALSE;
  *result = self->calibration;
  return TRUE;
}

/* ---- Actions and their dialogs ------------------------------------------- */

static void
show_error (DarkmapModelLibrary *self, const GError *error)
{
  show_message (self, error->message, TRUE);
}

static void
on_rename_response (GtkDialog *dialog, int response, DarkmapModelLibrary *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && model != NULL &&
      darkmap_model_library_rename (self, model, gtk_editable_get_text (entry), &error) == NULL)
    show_error (self, error);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
rename_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (widget);
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  GtkWidget *dialog, *entry;

  if (model == NULL)
    return;
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Rename the model “%s”"), darkmap_model_get_name (model));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("Its weights, card and training checkpoint are "
                                              "renamed together."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Rename"),
                          GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), darkmap_model_get_name (model));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_box_append (GTK_BOX (gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (dialog))),
                  entry);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rename_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_delete_response (GtkDialog *dialog, int response, DarkmapModelLibrary *self)
{
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && model != NULL &&
      !darkmap_model_library_delete (self, model, &error))
    show_error (self, error);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
delete_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (widget);
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  GtkWidget *dialog, *button;

  if (model == NULL)
    return;
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   _("Delete the model “%s”?"), darkmap_model_get_name (model));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("Its weights, card and training checkpoint go to "
                                              "the trash."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Delete"), GTK_RESPONSE_ACCEPT);
  gtk_widget_add_css_class (button, "destructive-action");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkFileFilter *
model_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Model weights (*.safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  return filter;
}

static void
on_import_response (GtkNativeDialog *chooser, int response, DarkmapModelLibrary *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL &&
      darkmap_model_library_import (self, file, &error) == NULL)
    show_error (self, error);
  g_object_unref (chooser);
}

static void
import_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Import a Model"), GTK_WINDOW (widget),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  g_autoptr (GtkFileFilter) filter = model_filter ();

  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser's reference is dropped in on_import_response. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_import_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_export_response (GtkNativeDialog *chooser, int response, DarkmapModelLibrary *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL && model != NULL)
    {
      if (darkmap_model_library_export (self, model, file, &error))
        {
          g_autofree char *name = g_file_get_parse_name (file);
          g_autofree char *text = g_strdup_printf (_("Exported to %s."), name);

          show_message (self, text, FALSE);
        }
      else
        show_error (self, error);
    }
  g_object_unref (chooser);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (widget);
  DarkmapModel *model = darkmap_model_library_get_selected (self);
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) filter = NULL;
  g_autofree char *name = NULL;

  if (model == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Export the Model"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  filter = model_filter ();
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  name = g_strconcat (darkmap_model_get_name (model), MODEL_SUFFIX, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser's reference is dropped in on_export_response. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
evaluate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_model_library_evaluate (DARKMAP_MODEL_LIBRARY (widget));
}

static void
calibrate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_model_library_calibrate (DARKMAP_MODEL_LIBRARY (widget));
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ---- The type ------------------------------------------------------------ */

static void
darkmap_model_library_dispose (GObject *object)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (object);

  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* A calibration that ends later still reloads the list: not the rows. */
  if (self->models != NULL)
    g_signal_handlers_disconnect_by_data (self->models, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_MODEL_LIBRARY);
  G_OBJECT_CLASS (darkmap_model_library_parent_class)->dispose (object);
}

static void
darkmap_model_library_finalize (GObject *object)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (object);

  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->models);
  g_free (self->selected_path);
  g_free (self->catalogue_path);
  g_free (self->theory_path);
  g_free (self->request_model);
  g_free (self->evaluated_path);
  g_free (self->evaluated_catalogue);
  g_free (self->truths_path);
  g_free (self->evaluated_truths);
  G_OBJECT_CLASS (darkmap_model_library_parent_class)->finalize (object);
}

static void
darkmap_model_library_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_CALIBRATION_MOCKS:
      g_value_set_int (value, self->calibration_mocks);
      break;
    case PROP_CALIBRATION_SAMPLES:
      g_value_set_int (value, self->calibration_samples);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_model_library_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  DarkmapModelLibrary *self = DARKMAP_MODEL_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_CALIBRATION_MOCKS:
      self->calibration_mocks = g_value_get_int (value);
      break;
    case PROP_CALIBRATION_SAMPLES:
      self->calibration_samples = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_model_library_class_init (DarkmapModelLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_model_library_dispose;
  object_class->finalize = darkmap_model_library_finalize;
  object_class->get_property = darkmap_model_library_get_property;
  object_class->set_property = darkmap_model_library_set_property;

  /* Calibrate on Mocks' mocks and samples on each (the next run's). */
  properties[PROP_CALIBRATION_MOCKS] =
    g_param_spec_int ("calibration-mocks", NULL, NULL, 1, 1000, CALIBRATION_MOCKS,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALIBRATION_SAMPLES] =
    g_param_spec_int ("calibration-samples", NULL, NULL, 2, 4096, CALIBRATION_SAMPLES,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* DarkmapModelLibrary::evaluation-finished (GError *error): NULL on
   * success. */
  signals[SIGNAL_EVALUATION_FINISHED] =
    g_signal_new ("evaluation-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* DarkmapModelLibrary::calibration-finished (GError *error): NULL on
   * success. */
  signals[SIGNAL_CALIBRATION_FINISHED] =
    g_signal_new ("calibration-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-model-library.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, list_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, read_only_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, calibration_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, survey_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, truths_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, calibrate_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, table_grid);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, message_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapModelLibrary, card_view);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_install_action (widget_class, "library.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "library.rename", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "library.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "library.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "library.evaluate", NULL, evaluate_action);
  gtk_widget_class_install_action (widget_class, "library.calibrate", NULL, calibrate_action);
  gtk_widget_class_install_action (widget_class, "library.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "library.choose-truths", NULL,
                                   choose_truths_action);
  gtk_widget_class_install_action (widget_class, "library.simulated-truths", NULL,
                                   simulated_truths_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
darkmap_model_library_init (DarkmapModelLibrary *self)
{
  g_autofree char *theory = darkmap_find_data_file (DARKMAP_THEORY);

  gtk_widget_init_template (GTK_WIDGET (self));
  darkmap_card_text_create_tags (gtk_text_view_get_buffer (self->card_view));
  self->theory_path = g_file_test (theory, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&theory)
                                                                    : NULL;
  darkmap_model_library_set_field (self, NULL, NULL);
  darkmap_model_library_set_truths (self, NULL);
  self->models = g_object_ref (darkmap_model_list_get_default ());
  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (self->models), create_row, NULL, NULL);
  /* After the list box has made its rows. */
  g_signal_connect_object (self->models, "items-changed", G_CALLBACK (on_models_changed), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  show_message (self, "", FALSE);
  select_path (self, NULL);
}

DarkmapModelLibrary *
darkmap_model_library_new (GtkWindow *parent)
{
  return g_object_new (DARKMAP_TYPE_MODEL_LIBRARY, "transient-for", parent,
                       "destroy-with-parent", TRUE, NULL);
}

void
darkmap_model_library_set_field (DarkmapModelLibrary *self, const char *catalogue_path,
                                 const DarkmapJobSettings *settings)
{
  g_return_if_fail (DARKMAP_IS_MODEL_LIBRARY (self));
  g_return_if_fail ((catalogue_path == NULL) == (settings == NULL));
  g_free (self->catalogue_path);
  self->has_field = catalogue_path != NULL;
  if (self->has_field)
    {
      self->catalogue_path = g_strdup (catalogue_path);
      self->settings = *settings;
    }
  else
    {
      self->catalogue_path = darkmap_find_data_file (DARKMAP_DEMO_CATALOGUE);
      darkmap_job_settings_init (&self->settings);
      self->settings.grid_size = DEMO_GRID_SIZE;
    }
  if (self->models != NULL)
    update_survey_label (self, darkmap_model_library_get_selected (self));
}

DarkmapModel *
darkmap_model_library_get_selected (DarkmapModelLibrary *self)
{
  GtkListBoxRow *row;
  g_autoptr (DarkmapModel) model = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIBRARY (self), NULL);
  row = gtk_list_box_get_selected_row (self->list_box);
  if (row == NULL)
    return NULL;
  model = g_list_model_get_item (G_LIST_MODEL (self->models),
                                 (guint) gtk_list_box_row_get_index (row));
  return model;  /* the list keeps its reference */
}

void
darkmap_model_library_select (DarkmapModelLibrary *self, DarkmapModel *model)
{
  GListModel *list;

  g_return_if_fail (DARKMAP_IS_MODEL_LIBRARY (self));
  list = G_LIST_MODEL (self->models);
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (DarkmapModel) item = g_list_model_get_item (list, i);

      if (item == model)
        {
          gtk_list_box_select_row (self->list_box,
                                   gtk_list_box_get_row_at_index (self->list_box, (int) i));
          show_model (self, model);
          return;
        }
    }
  gtk_list_box_unselect_all (self->list_box);
  show_model (self, NULL);
}
