/* DarkmapReconstructDialog: method, model, device, samples and seed of a
 * reconstruction, checked against the open field's grid. */
#include "darkmap-reconstruct-dialog.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "darkmap-calibration-text.h"
#include "darkmap-job.h"
#include "darkmap/gpu.h"

struct _DarkmapReconstructDialog
{
  GtkWindow parent_instance;

  GtkDropDown *method_chooser;   /* items in DmReconstructMethod order */
  GtkWidget *model_label;
  GtkWidget *model_box;
  GtkDropDown *model_chooser;    /* items: model_names, parallel to choices */
  GtkStringList *model_names;
  GtkWidget *card_box;           /* the model's card title, kind and grid,
                                    summary and scores */
  GtkLabel *title_label;
  GtkLabel *model_info_label;
  GtkLabel *summary_label;
  GtkLabel *validation_label;
  GtkLabel *calibration_label;   /* whether the model's error bars are calibrated */
  GtkLabel *grid_error_label;
  GtkWidget *rebin_button;
  GtkWidget *device_label;
  GtkWidget *device_box;
  GtkCheckButton *auto_button;
  GtkCheckButton *cpu_button;
  GtkCheckButton *gpu_button;
  GtkWidget *samples_label;
  GtkSpinButton *samples_spin;
  GtkWidget *seed_label;
  GtkSpinButton *seed_spin;
  GtkLabel *message_label;

  DarkmapModelList *models;      /* a reference to the application's list */
  GPtrArray *choices;            /* DarkmapModel of each model_chooser item
                                    (borrowed from models; NULL: none) */
  gboolean filling_choices;      /* the model chooser is being refilled */
  DarkmapModel *score_model;     /* chosen for the score methods; NULL: none */
  DarkmapModel *mmgan_model;     /* chosen for MMGAN; NULL when none exists */
  int samples[DM_RECONSTRUCT_N_METHODS];  /* the spin's value per method */

  /* The open field's grid as a binned shear holding only the shear map's
   * size and WCS, for dm_model_info_check_grid (no pixel data). */
  gboolean has_grid;
  DmMap grid_map;                /* wcs owned */
  DmBinnedShear grid_field;      /* shear = &grid_map */
  gboolean grid_ok;              /* the chosen model fits the field's grid */
  int rebin_nx, rebin_ny;        /* the model's grid, when !grid_ok */
  double rebin_pixel_arcmin;
};

G_DEFINE_FINAL_TYPE (DarkmapReconstructDialog, darkmap_reconstruct_dialog, GTK_TYPE_WINDOW)

enum { SIGNAL_RECONSTRUCT, SIGNAL_REBIN_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Samples per method until the user chooses: the Wiener filter's constrained
 * realisations are cheap, an MMGAN sample cheaper still, a score sample
 * costs a whole annealed chain. */
static const int default_samples[DM_RECONSTRUCT_N_METHODS] = {
  [DM_RECONSTRUCT_KS] = 0,
  [DM_RECONSTRUCT_WIENER] = 32,
  [DM_RECONSTRUCT_SCORE_HMC] = 16,
  [DM_RECONSTRUCT_SCORE_FLOW] = 16,
  [DM_RECONSTRUCT_MMGAN] = 64,
};

static DmReconstructMethod
current_method (DarkmapReconstructDialog *self)
{
  guint selected = gtk_drop_down_get_selected (self->method_chooser);

  return selected < DM_RECONSTRUCT_N_METHODS ? (DmReconstructMethod) selected
                                             : DM_RECONSTRUCT_KS;
}

/* The model the current method would run with, or NULL. */
static DarkmapModel *
current_model (DarkmapReconstructDialog *self)
{
  DmReconstructMethod method = current_method (self);

  if (method == DM_RECONSTRUCT_MMGAN)
    return self->mmgan_model;
  return dm_reconstruct_method_takes_model (method) ? self->score_model : NULL;
}

/* The first listed model that fits method, or NULL. */
static DarkmapModel *
first_model_for (DarkmapReconstructDialog *self, DmReconstructMethod method)
{
  GListModel *list = G_LIST_MODEL (self->models);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (DarkmapModel) model = g_list_model_get_item (list, i);

      if (darkmap_model_fits_method (model, method))
        return model;  /* the list keeps its reference */
    }
  return NULL;
}

/* Sets a label's text, hiding the label when the text is empty. */
static void
show_text (GtkLabel *label, const char *text)
{
  gtk_label_set_text (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), text[0] != '\0');
}

/* Checks the model against the field's grid: grid_ok, and the grid to
 * rebin on (the model's size, or the field's extent in the model's pixels
 * for a model that records only its pixel scale). */
static void
check_grid (DarkmapReconstructDialog *self, DarkmapModel *model)
{
  const DmModelInfo *info;
  DmError *error = NULL;
  double field_pixel;

  self->grid_ok = TRUE;
  show_text (self->grid_error_label, "");
  if (model == NULL || !self->has_grid)
    return;
  info = darkmap_model_get_info (model);
  if (dm_model_info_check_grid (info, &self->grid_field, &error))
    return;
  self->grid_ok = FALSE;
  show_text (self->grid_error_label, error->message);
  dm_error_free (error);

  field_pixel = dm_wcs_pixel_scale_deg (self->grid_map.wcs) * 60.0;
  self->rebin_pixel_arcmin = info->pixel_arcmin > 0.0 ? info->pixel_arcmin : field_pixel;
  self->rebin_nx = info->nx > 0 ? info->nx
                   : (int) lround (self->grid_map.nx * field_pixel / self->rebin_pixel_arcmin);
  self->rebin_ny = info->ny > 0 ? info->ny
                   : (int) lround (self->grid_map.ny * field_pixel / self->rebin_pixel_arcmin);
}

/* Whether the error bars of model's samples by method are calibrated, in
 * one line: a score network's factor holds for its HMC sampler only. */
static char *
describe_calibration (DmReconstructMethod method, DarkmapModel *model)
{
  const DmCalibration *calibration = &darkmap_model_get_info (model)->calibration;

  if (calibration->present && method == DM_RECONSTRUCT_SCORE_FLOW)
    /* TRANSLATORS: the factor that scales the model's error bars */
    return g_strdup_printf (_("Error bars not calibrated: the model’s factor (×%.2f) holds for "
                              "its HMC sampler"),
                            calibration->factor);
  return darkmap_calibration_text (calibration);
}

/* Shows what the method uses and whether Reconstruct can run. */
static void
update_state (DarkmapReconstructDialog *self)
{
  DmReconstructMethod method = current_method (self);
  DarkmapModel *model = current_model (self);
  gboolean takes_model = dm_reconstruct_method_takes_model (method);
  gboolean network = takes_model || dm_reconstruct_method_needs_model (method);
  gboolean samples = dm_reconstruct_method_samples (method);

  gtk_widget_set_visible (self->model_label, takes_model);
  gtk_widget_set_visible (self->model_box, takes_model);
  gtk_widget_set_visible (self->card_box, takes_model);
  gtk_widget_set_visible (self->device_label, network);
  gtk_widget_set_visible (self->device_box, network);
  gtk_widget_set_visible (self->samples_label, samples);
  gtk_widget_set_visible (GTK_WIDGET (self->samples_spin), samples);
  gtk_widget_set_visible (self->seed_label, samples);
  gtk_widget_set_visible (GTK_WIDGET (self->seed_spin), samples);

  if (model != NULL)
    {
      g_autofree char *info = g_strdup_printf (_("%s, %s"), darkmap_model_get_kind_text (model),
                                               darkmap_model_get_grid_text (model));
      g_autofree char *calibration = describe_calibration (method, model);

      show_text (self->title_label, darkmap_model_get_title (model));
      show_text (self->model_info_label, info);
      show_text (self->summary_label, darkmap_model_get_summary (model));
      show_text (self->validation_label, darkmap_model_get_validation (model));
      show_text (self->calibration_label, calibration);
    }
  else
    {
      gboolean theory = !dm_reconstruct_method_needs_model (method);

      show_text (self->title_label, theory ? _("Theory prior") : "");
      show_text (self->model_info_label, "");
      show_text (self->summary_label,
                 theory ? _("The Gaussian prior of the theory power spectrum, without a "
                            "network.") : "");
      show_text (self->validation_label, "");
      show_text (self->calibration_label, "");
    }
  check_grid (self, takes_model ? model : NULL);
  gtk_widget_set_visible (self->rebin_button, !self->grid_ok);
  show_text (self->message_label,
             dm_reconstruct_method_needs_model (method) && model == NULL
             ? _("No MMGAN generator is installed: choose a model file with Other File…") : "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.reconstruct",
                                 darkmap_reconstruct_dialog_can_reconstruct (self));
}

/* Refills the model chooser with the models fitting the method ("None"
 * first for the score methods) and selects the method's chosen one. */
static void
fill_model_choices (DarkmapReconstructDialog *self)
{
  DmReconstructMethod method = current_method (self);
  DarkmapModel *chosen = current_model (self);
  GListModel *list = G_LIST_MODEL (self->models);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->model_names));
  guint selected = 0;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  g_ptr_array_set_size (self->choices, 0);
  if (dm_reconstruct_method_takes_model (method) && !dm_reconstruct_method_needs_model (method))
    {
      g_ptr_array_add (self->choices, NULL);
      g_ptr_array_add (names, (gpointer) _("None (theory prior only)"));
    }
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (DarkmapModel) model = g_list_model_get_item (list, i);

      if (!darkmap_model_fits_method (model, method))
        continue;
      if (model == chosen)
        selected = self->choices->len;
      g_ptr_array_add (self->choices, model);
      g_ptr_array_add (names, (gpointer) darkmap_model_get_name (model));
    }
  g_ptr_array_add (names, NULL);

  self->filling_choices = TRUE;
  gtk_string_list_splice (self->model_names, 0, n_old, (const char *const *) names->pdata);
  gtk_drop_down_set_selected (self->model_chooser, selected);
  self->filling_choices = FALSE;
}

static void
on_method_changed (DarkmapReconstructDialog *self)
{
  DmReconstructMethod method = current_method (self);
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (self->samples_spin);
  int samples = self->samples[method];

  /* Setting the bound may clamp the spin's value: set the method's after. */
  gtk_adjustment_set_lower (adjustment, method == DM_RECONSTRUCT_WIENER ? 0.0 : 1.0);
  gtk_spin_button_set_value (self->samples_spin, samples);
  self->samples[method] = samples;
  fill_model_choices (self);
  update_state (self);
}

static void
on_model_changed (DarkmapReconstructDialog *self)
{
  guint selected = gtk_drop_down_get_selected (self->model_chooser);
  DarkmapModel *model;

  if (self->filling_choices || selected >= self->choices->len)
    return;
  model = g_ptr_array_index (self->choices, selected);
  if (current_method (self) == DM_RECONSTRUCT_MMGAN)
    self->mmgan_model = model;
  else
    self->score_model = model;
  update_state (self);
}

/* The chosen model's file in the list again (a reload replaces every
 * model; the old ones live until the handlers of "items-changed" return):
 * the same file, else for MMGAN the first generator; NULL stays NULL (the
 * theory prior alone). */
static DarkmapModel *
find_again (DarkmapReconstructDialog *self, DarkmapModel *model, DmReconstructMethod method)
{
  DarkmapModel *again = model != NULL ? darkmap_model_list_find (self->models,
                                                                 darkmap_model_get_path (model))
                                      : NULL;

  if (again == NULL && (model != NULL || method == DM_RECONSTRUCT_MMGAN))
    again = first_model_for (self, method);
  return again;
}

/* The list changed: the models chosen found again, the chooser refilled. */
static void
on_models_reloaded (DarkmapReconstructDialog *self)
{
  self->score_model = find_again (self, self->score_model, DM_RECONSTRUCT_SCORE_HMC);
  self->mmgan_model = find_again (self, self->mmgan_model, DM_RECONSTRUCT_MMGAN);
  fill_model_choices (self);
  update_state (self);
}

/* "Manage Models…": the window's model library, this dialog out of its way. */
static void
manage_models_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  gtk_widget_set_visible (widget, FALSE);
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.models", NULL);
}

static void
on_samples_changed (DarkmapReconstructDialog *self)
{
  self->samples[current_method (self)] = gtk_spin_button_get_value_as_int (self->samples_spin);
}

static void
on_file_chosen (GtkNativeDialog *chooser, int response, DarkmapReconstructDialog *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL &&
      !darkmap_reconstruct_dialog_choose_model_file (self, file, &error))
    show_text (self->message_label, error->message);
  g_object_unref (chooser);
}

static void
on_other_file_clicked (DarkmapReconstructDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Choose a Model"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Model weights (*.safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser's reference is dropped in on_file_chosen. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
reconstruct_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_reconstruct_dialog_accept (DARKMAP_RECONSTRUCT_DIALOG (widget));
}

/* "Train a Model…": the window's Train dialog, this one out of its way. */
static void
train_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  gtk_widget_set_visible (widget, FALSE);
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.train", NULL);
}

static void
rebin_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapReconstructDialog *self = DARKMAP_RECONSTRUCT_DIALOG (widget);

  if (!self->grid_ok)
    g_signal_emit (self, signals[SIGNAL_REBIN_REQUESTED], 0, self->rebin_nx, self->rebin_ny,
                   self->rebin_pixel_arcmin);
}

static void
darkmap_reconstruct_dialog_dispose (GObject *object)
{
  DarkmapReconstructDialog *self = DARKMAP_RECONSTRUCT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_RECONSTRUCT_DIALOG);
  G_OBJECT_CLASS (darkmap_reconstruct_dialog_parent_class)->dispose (object);
}

static void
darkmap_reconstruct_dialog_finalize (GObject *object)
{
  DarkmapReconstructDialog *self = DARKMAP_RECONSTRUCT_DIALOG (object);

  g_ptr_array_unref (self->choices);
  g_clear_object (&self->models);
  dm_wcs_free (self->grid_map.wcs);
  G_OBJECT_CLASS (darkmap_reconstruct_dialog_parent_class)->finalize (object);
}

static void
darkmap_reconstruct_dialog_class_init (DarkmapReconstructDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_reconstruct_dialog_dispose;
  object_class->finalize = darkmap_reconstruct_dialog_finalize;

  /* DarkmapReconstructDialog::reconstruct: the user chose to reconstruct;
   * read the choices with darkmap_reconstruct_dialog_get_request(). */
  signals[SIGNAL_RECONSTRUCT] = g_signal_new ("reconstruct", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  /* DarkmapReconstructDialog::rebin-requested: bin the field again on nx ×
   * ny pixels of pixel_arcmin, the chosen model's grid. */
  signals[SIGNAL_REBIN_REQUESTED] = g_signal_new ("rebin-requested", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT,
                                                  G_TYPE_DOUBLE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-reconstruct-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, method_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, model_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, model_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, model_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, model_names);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, card_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, title_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, model_info_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, validation_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, calibration_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, grid_error_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, rebin_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, device_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, device_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, auto_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, cpu_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, gpu_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, samples_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, seed_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapReconstructDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, on_method_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_model_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_samples_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_other_file_clicked);
  gtk_widget_class_install_action (widget_class, "dialog.manage-models", NULL,
                                   manage_models_action);
  gtk_widget_class_install_action (widget_class, "dialog.reconstruct", NULL, reconstruct_action);
  gtk_widget_class_install_action (widget_class, "dialog.rebin", NULL, rebin_action);
  gtk_widget_class_install_action (widget_class, "dialog.train", NULL, train_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
darkmap_reconstruct_dialog_init (DarkmapReconstructDialog *self)
{
  self->choices = g_ptr_array_new ();
  self->models = g_object_ref (darkmap_model_list_get_default ());
  self->score_model = first_model_for (self, DM_RECONSTRUCT_SCORE_HMC);
  self->mmgan_model = first_model_for (self, DM_RECONSTRUCT_MMGAN);
  g_signal_connect_object (self->models, "items-changed", G_CALLBACK (on_models_reloaded), self,
                           G_CONNECT_SWAPPED);
  memcpy (self->samples, default_samples, sizeof self->samples);
  self->grid_ok = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Enter in a spin button runs the reconstruction (GTK 4.8's spin button
   * has no activates-default property: its text delegate has). */
  gtk_text_set_activates_default (GTK_TEXT (gtk_editable_get_delegate (
                                    GTK_EDITABLE (self->samples_spin))), TRUE);
  gtk_text_set_activates_default (GTK_TEXT (gtk_editable_get_delegate (
                                    GTK_EDITABLE (self->seed_spin))), TRUE);
  if (!dm_gpu_available ())
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->gpu_button), FALSE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->gpu_button),
                                   _("No usable GPU: Darkmap was built without CUDA, or no "
                                     "CUDA device is present"));
    }
  on_method_changed (self);
}

DarkmapReconstructDialog *
darkmap_reconstruct_dialog_new (GtkWindow *parent)
{
  return g_object_new (DARKMAP_TYPE_RECONSTRUCT_DIALOG, "transient-for", parent, NULL);
}

void
darkmap_reconstruct_dialog_set_grid (DarkmapReconstructDialog *self, int nx, int ny,
                                     double pixel_arcmin)
{
  DmError *error = NULL;
  DmWcs *wcs;

  g_return_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self));
  g_return_if_fail (nx > 0 && ny > 0 && pixel_arcmin > 0.0);
  wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 0.0, 0.0, pixel_arcmin / 60.0, nx, ny, true, &error);
  if (wcs == NULL)
    {
      g_warning ("No grid of %d × %d pixels of %g′: %s", nx, ny, pixel_arcmin, error->message);
      dm_error_free (error);
      return;
    }
  dm_wcs_free (self->grid_map.wcs);
  self->grid_map = (DmMap) { .nx = nx, .ny = ny, .nplanes = 2, .wcs = wcs };
  self->grid_field = (DmBinnedShear) { .shear = &self->grid_map };
  self->has_grid = TRUE;
  update_state (self);
}

void
darkmap_reconstruct_dialog_set_field (DarkmapReconstructDialog *self,
                                      const DmBinnedShear *binned)
{
  const DmMap *shear;

  g_return_if_fail (binned != NULL && binned->shear != NULL && binned->shear->wcs != NULL);
  shear = binned->shear;
  darkmap_reconstruct_dialog_set_grid (self, shear->nx, shear->ny,
                                       dm_wcs_pixel_scale_deg (shear->wcs) * 60.0);
}

void
darkmap_reconstruct_dialog_get_request (DarkmapReconstructDialog *self,
                                        DmReconstructRequest *request)
{
  DmReconstructMethod method;
  DarkmapModel *model;

  g_return_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self));
  g_return_if_fail (request != NULL);
  method = current_method (self);
  model = current_model (self);
  dm_reconstruct_request_init (request, method);
  request->model_path = model != NULL ? darkmap_model_get_path (model) : NULL;
  request->device = gtk_check_button_get_active (self->gpu_button) ? "cuda"
                    : gtk_check_button_get_active (self->cpu_button) ? "cpu" : "auto";
  if (dm_reconstruct_method_samples (method))
    request->n_samples = self->samples[method];
  request->seed = (uint64_t) gtk_spin_button_get_value (self->seed_spin);
}

void
darkmap_reconstruct_dialog_set_request (DarkmapReconstructDialog *self,
                                        const DmReconstructRequest *request)
{
  DmReconstructMethod method;

  g_return_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self));
  g_return_if_fail (request != NULL && request->method < DM_RECONSTRUCT_N_METHODS);
  method = request->method;
  if (request->model_path != NULL)
    {
      g_autoptr (GError) error = NULL;
      DarkmapModel *model = darkmap_model_list_add_file (self->models, request->model_path,
                                                         &error);

      if (model == NULL)
        g_debug ("Model %s not offered: %s", request->model_path, error->message);
      else if (darkmap_model_fits_method (model, DM_RECONSTRUCT_MMGAN))
        self->mmgan_model = model;
      else
        self->score_model = model;
    }
  else if (dm_reconstruct_method_takes_model (method) &&
           !dm_reconstruct_method_needs_model (method))
    self->score_model = NULL;

  if (g_strcmp0 (request->device, "cuda") == 0 && dm_gpu_available ())
    gtk_check_button_set_active (self->gpu_button, TRUE);
  else if (g_strcmp0 (request->device, "cpu") == 0)
    gtk_check_button_set_active (self->cpu_button, TRUE);
  else
    gtk_check_button_set_active (self->auto_button, TRUE);
  if (dm_reconstruct_method_samples (method))
    self->samples[method] = request->n_samples;
  gtk_spin_button_set_value (self->seed_spin, (double) request->seed);

  if (method == current_method (self))
    on_method_changed (self);
  else
    gtk_drop_down_set_selected (self->method_chooser, method);
}

gboolean
darkmap_reconstruct_dialog_choose_model_file (DarkmapReconstructDialog *self, GFile *file,
                                              GError **error)
{
  g_autofree char *path = NULL;
  DmReconstructMethod method;
  DarkmapModel *model;

  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only local files can be read."));
      return FALSE;
    }
  model = darkmap_model_list_add_file (self->models, path, error);
  if (model == NULL)
    return FALSE;

  method = current_method (self);
  if (!darkmap_model_fits_method (model, method))
    method = darkmap_model_fits_method (model, DM_RECONSTRUCT_MMGAN) ? DM_RECONSTRUCT_MMGAN
                                                                     : DM_RECONSTRUCT_SCORE_HMC;
  if (method == DM_RECONSTRUCT_MMGAN)
    self->mmgan_model = model;
  else
    self->score_model = model;
  if (method == current_method (self))
    on_method_changed (self);
  else
    gtk_drop_down_set_selected (self->method_chooser, method);
  return TRUE;
}

gboolean
darkmap_reconstruct_dialog_can_reconstruct (DarkmapReconstructDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self), FALSE);
  return self->grid_ok &&
         !(dm_reconstruct_method_needs_model (current_method (self)) &&
           current_model (self) == NULL);
}

gboolean
darkmap_reconstruct_dialog_accept (DarkmapReconstructDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self), FALSE);
  if (!darkmap_reconstruct_dialog_can_reconstruct (self))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_RECONSTRUCT], 0);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  return TRUE;
}

DarkmapModelList *
darkmap_reconstruct_dialog_get_models (DarkmapReconstructDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_DIALOG (self), NULL);
  return self->models;
}
