/* DarkmapTrainDialog: kind, geometry, theory, size, device, length and
 * name of a training, checked as they are edited; the unfinished trainings
 * to resume. */
#include "darkmap-train-dialog.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-train-files.h"
#include "darkmap/gpu.h"
#include "darkmap/map-tiles.h"

struct _DarkmapTrainDialog
{
  GtkWindow parent_instance;

  GtkWidget *unfinished_box;
  GtkListBox *unfinished_list;
  GtkDropDown *kind_chooser;      /* items in DmTrainKind order */
  GtkLabel *geometry_label;
  GtkLabel *grid_hint_label;
  GtkWidget *rebin_button;
  GtkWidget *maps_box;            /* the training maps: simulated or the user's */
  GtkCheckButton *simulated_button;
  GtkCheckButton *files_button;
  GtkLabel *maps_label;
  GtkLabel *theory_label;
  GtkCheckButton *quick_button;
  GtkCheckButton *full_button;
  GtkLabel *size_hint_label;
  GtkCheckButton *auto_button;
  GtkCheckButton *cpu_button;
  GtkCheckButton *gpu_button;
  GtkSpinButton *steps_spin;
  GtkCheckButton *budget_check;
  GtkSpinButton *minutes_spin;
  GtkEntry *name_entry;
  GtkLabel *folder_label;
  GtkCheckButton *overwrite_check;
  GtkLabel *message_label;

  /* The open field (has_field FALSE: none). */
  gboolean has_field;
  int field_nx, field_ny;
  double field_pixel_arcmin;
  size_t field_observed;          /* pixels inside the mask */
  size_t field_galaxies;          /* galaxies binned */
  char *catalog_path;
  DarkmapJobSettings field_settings;

  char *theory_path;              /* NULL: none */
  DmTheorySpectrum *theory;       /* read from it; NULL when it could not be */
  char *theory_error;             /* why not, or NULL */

  /* The user's own training maps (maps_path NULL: none chosen). */
  char *maps_path;
  double maps_pixel_arcmin;       /* from their WCS; 0 without one */
  char *maps_error;               /* why they cannot be read, or NULL */

  /* The request as edited; its strings point to these. */
  DmTrainRequest request;
  char *model_path, *name;
  gboolean request_ok;
  char *message;                  /* what is wrong; "" when nothing */

  gboolean name_edited;           /* typed by the user: kept across kinds */
  gboolean setting_name;          /* the dialog writes the entry */

  GPtrArray *unfinished;          /* of DarkmapUnfinishedTraining */
};

G_DEFINE_FINAL_TYPE (DarkmapTrainDialog, darkmap_train_dialog, GTK_TYPE_WINDOW)

enum { SIGNAL_TRAIN, SIGNAL_RESUME, SIGNAL_UNFINISHED_CHANGED, SIGNAL_REBIN_REQUESTED,
       N_SIGNALS };
static guint signals[N_SIGNALS];

static DmTrainKind
current_kind (DarkmapTrainDialog *self)
{
  guint selected = gtk_drop_down_get_selected (self->kind_chooser);

  return selected < DM_TRAIN_N_KINDS ? (DmTrainKind) selected : DM_TRAIN_SCORE_HYBRID;
}

static DmTrainPreset
current_preset (DarkmapTrainDialog *self)
{
  return gtk_check_button_get_active (self->full_button) ? DM_TRAIN_PRESET_FULL
                                                         : DM_TRAIN_PRESET_QUICK;
}

static void
set_message (DarkmapTrainDialog *self, const char *text)
{
  g_free (self->message);
  self->message = g_strdup (text);
  gtk_label_set_text (self->message_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text[0] != '\0');
}

/* A quick MMGAN is sized for the preset's grid: on a larger field grid,
 * say how much longer a step takes and offer to rebin the field. */
static void
show_grid_hint (DarkmapTrainDialog *self)
{
  g_autofree char *text = NULL;
  DmTrainRequest quick;
  gboolean other_grid;

  dm_train_request_init (&quick, DM_TRAIN_MMGAN, DM_TRAIN_PRESET_QUICK);
  other_grid = current_kind (self) == DM_TRAIN_MMGAN
               && current_preset (self) == DM_TRAIN_PRESET_QUICK && self->has_field
               && (double) self->field_nx * self->field_ny
                    > (double) quick.grid.nx * quick.grid.ny;
  if (other_grid)
    /* TRANSLATORS: the quick preset's grid, the field's grid, then how many
     * times longer a step takes on it */
    text = g_strdup_printf (_("A quick MMGAN is sized for %d × %d pixels of %.3g′: on this "
                              "field’s %d × %d pixels each step takes some %.0f times longer."),
                            quick.grid.nx, quick.grid.ny, quick.grid.pixel_arcmin,
                            self->field_nx, self->field_ny,
                            (double) self->field_nx * self->field_ny
                              / ((double) quick.grid.nx * quick.grid.ny));
  gtk_label_set_text (self->grid_hint_label, other_grid ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->grid_hint_label), other_grid);
  gtk_widget_set_visible (self->rebin_button, other_grid);
}

/* Whether the model is to train on the user's own maps. */
static gboolean
uses_own_maps (DarkmapTrainDialog *self)
{
  return gtk_check_button_get_active (self->files_button);
}

/* Where a score network's or an MMGAN's clean maps come from, in words:
 * tiles of side × side pixels of the user's maps. */
static char *
describe_own_maps (DarkmapTrainDialog *self, int side)
{
  g_autofree char *file = NULL;

  if (self->maps_path == NULL)
    /* TRANSLATORS: the tile size */
    return g_strdup_printf (_("Clean maps: tiles of %d × %d pixels cut from your own "
                              "convergence maps (N-body maps): choose a FITS cube or a folder "
                              "of FITS images."),
                            side, side);
  file = g_path_get_basename (self->maps_path);
  /* TRANSLATORS: the tile size, the file or folder */
  return g_strdup_printf (_("Clean maps: tiles of %d × %d pixels cut from the maps of %s, the "
                            "first for training and the next for validation."),
                          side, side, file);
}

/* What a CosmoGAN is trained on, in words. */
static char *
describe_cosmogan_maps (DarkmapTrainDialog *self)
{
  g_autofree char *file = NULL;
  DmTrainRequest defaults;
  double pixel;

  dm_train_request_init (&defaults, DM_TRAIN_COSMOGAN, current_preset (self));
  pixel = self->has_field ? self->field_pixel_arcmin : defaults.pixel_arcmin;
  if (!uses_own_maps (self))
    return self->has_field
             /* TRANSLATORS: map size and the field's pixel scale */
             ? g_strdup_printf (_("Maps of %d × %d pixels of %.3g′, the open field’s pixel "
                                  "scale: the emulator draws maps of that size and pixel."),
                                defaults.size, defaults.size, pixel)
             : g_strdup_printf (_("Maps of %d × %d pixels of %.3g′ (no field is open: the "
                                  "COSMOS pixel scale): the emulator draws maps of that size "
                                  "and pixel."),
                                defaults.size, defaults.size, pixel);
  if (self->maps_path == NULL)
    /* TRANSLATORS: the map size */
    return g_strdup_printf (_("Tiles of %d × %d pixels cut from your own convergence maps: "
                              "choose a FITS cube or a folder of FITS images."),
                            defaults.size, defaults.size);
  file = g_path_get_basename (self->maps_path);
  if (self->maps_pixel_arcmin > 0.0)
    /* TRANSLATORS: the map size, the file or folder, the pixel scale of its WCS */
    return g_strdup_printf (_("Tiles of %d × %d pixels cut from the maps of %s, whose WCS "
                              "gives pixels of %.3g′: the emulator draws maps of that size and "
                              "pixel."),
                            defaults.size, defaults.size, file, self->maps_pixel_arcmin);
  /* TRANSLATORS: the map size, the file or folder, the pixel scale assumed */
  return g_strdup_printf (_("Tiles of %d × %d pixels cut from the maps of %s, which have no "
                            "WCS: pixels of %.3g′ are assumed."),
                          defaults.size, defaults.size, file, pixel);
}

/* What the model is trained on, in words. */
static void
show_geometry (DarkmapTrainDialog *self)
{
  g_autofree char *text = NULL;
  DmTrainRequest defaults;

  if (current_kind (self) == DM_TRAIN_MMGAN)
    {
      g_autofree char *file = self->has_field ? g_path_get_basename (self->catalog_path) : NULL;

      if (!self->has_field)
        text = g_strdup (_("An MMGAN is trained for one survey: its grid, mask and noise. Open "
                           "the survey’s catalogue first."));
      else
        /* TRANSLATORS: grid size and pixel scale, observed pixels, galaxies, catalogue file */
        text = g_strdup_printf (_("The open field’s grid, %d × %d pixels of %.3g′; its mask "
                                  "(%zu observed pixels) and the noise of its %zu galaxies, "
                                  "each rotated at random (%s)."),
                                self->field_nx, self->field_ny, self->field_pixel_arcmin,
                                self->field_observed, self->field_galaxies, file);
      if (self->has_field && uses_own_maps (self))
        {
          g_autofree char *maps = describe_own_maps (self, self->field_nx);
          char *both = g_strconcat (text, " ", maps, NULL);

          g_free (text);
          text = both;
        }
    }
  else if (current_kind (self) == DM_TRAIN_COSMOGAN)
    text = describe_cosmogan_maps (self);
  else
    {
      dm_train_request_init (&defaults, current_kind (self), current_preset (self));
      if (self->has_field)
        /* TRANSLATORS: training map size and the field's pixel scale */
        text = g_strdup_printf (_("Training maps of %d × %d pixels of %.3g′, the open field’s "
                                  "pixel scale: the model serves any grid of that scale."),
                                defaults.size, defaults.size, self->field_pixel_arcmin);
      else
        text = g_strdup_printf (_("Training maps of %d × %d pixels of %.3g′ (no field is open: "
                                  "the COSMOS pixel scale)."),
                                defaults.size, defaults.size, defaults.pixel_arcmin);
      if (uses_own_maps (self))
        {
          g_autofree char *maps = describe_own_maps (self, defaults.size);
          char *both = g_strconcat (text, " ", maps, NULL);

          g_free (text);
          text = both;
        }
    }
  gtk_label_set_text (self->geometry_label, text);
  gtk_label_set_text (self->maps_label, self->maps_path != NULL ? self->maps_path : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->maps_label), self->maps_path);
  show_grid_hint (self);
}

/* Why the user's maps cannot train on a grid of pixel_arcmin (their WCS
 * gives pixels of another side, beyond 1 %), or NULL. */
static char *
describe_pixel_mismatch (DarkmapTrainDialog *self, double pixel_arcmin)
{
  g_autofree char *file = NULL;

  if (!(self->maps_pixel_arcmin > 0.0)
      || fabs (self->maps_pixel_arcmin / pixel_arcmin - 1.0) <= 0.01)
    return NULL;
  file = g_path_get_basename (self->maps_path);
  /* TRANSLATORS: the file or folder, its pixel scale, the training grid's */
  return g_strdup_printf (_("The maps of %s have pixels of %.3g′, the training grid %.3g′: "
                            "choose maps of the grid’s pixel scale."),
                          file, self->maps_pixel_arcmin, pixel_arcmin);
}

/* Builds the request from the form: TRUE when it can train, else the
 * message says why. */
static gboolean
build_request (DarkmapTrainDialog *self, char **message)
{
  DmTrainRequest *r = &self->request;
  DmTrainKind kind = current_kind (self);
  g_autoptr (GError) error = NULL;
  DmError *dm_error = NULL;
  g_autofree char *mismatch = NULL;
  gboolean exists;

  dm_train_request_init (r, kind, current_preset (self));
  r->theory = self->theory;
  r->theory_path = self->theory_path;
  if (kind == DM_TRAIN_MMGAN && self->has_field)
    {
      r->catalog_path = self->catalog_path;
      darkmap_job_settings_grid_spec (&self->field_settings, &r->grid);
      r->pixel_arcmin = r->grid.pixel_arcmin;
    }
  else if (self->has_field)
    r->pixel_arcmin = self->field_pixel_arcmin;
  if (uses_own_maps (self))
    r->maps_path = self->maps_path;
  r->steps = gtk_spin_button_get_value_as_int (self->steps_spin);
  r->max_seconds = gtk_check_button_get_active (self->budget_check)
                     ? 60.0 * gtk_spin_button_get_value (self->minutes_spin)
                     : 0.0;
  r->device = gtk_check_button_get_active (self->gpu_button) ? "cuda"
              : gtk_check_button_get_active (self->cpu_button) ? "cpu" : "auto";

  g_free (self->name);
  self->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry))));
  g_free (self->model_path);
  self->model_path = darkmap_train_model_path (
    self->name, gtk_check_button_get_active (self->overwrite_check), &error);
  exists = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS)
           || (self->model_path != NULL && g_file_test (self->model_path, G_FILE_TEST_EXISTS));
  gtk_widget_set_visible (GTK_WIDGET (self->overwrite_check), exists);
  r->model_path = self->model_path;
  r->name = self->name;

  if (uses_own_maps (self) && kind != DM_TRAIN_COSMOGAN)
    mismatch = describe_pixel_mismatch (self, r->pixel_arcmin);
  if (kind == DM_TRAIN_MMGAN && !self->has_field)
    *message = g_strdup (_("Open the survey’s catalogue to train an MMGAN for it."));
  else if (uses_own_maps (self) && self->maps_path == NULL)
    *message = g_strdup (_("Choose your training maps: a FITS cube or a folder of FITS "
                           "images."));
  else if (uses_own_maps (self) && self->maps_error != NULL)
    *message = g_strdup (self->maps_error);
  else if (self->theory_error != NULL && !(uses_own_maps (self) && kind == DM_TRAIN_COSMOGAN))
    *message = g_strdup (self->theory_error);
  else if (mismatch != NULL)
    *message = g_steal_pointer (&mismatch);
  else if (self->model_path == NULL)
    *message = g_strdup (error->message);
  else if (!dm_train_check (r, &dm_error))
    {
      *message = g_strdup (dm_error->message);
      dm_error_free (dm_error);
    }
  else
    *message = g_strdup ("");
  return (*message)[0] == '\0';
}

static void
update_state (DarkmapTrainDialog *self)
{
  g_autofree char *message = NULL;
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autofree char *where = NULL;
  gboolean full_on_cpu = current_preset (self) == DM_TRAIN_PRESET_FULL
                         && (!dm_gpu_available ()
                             || gtk_check_button_get_active (self->cpu_button));

  self->request_ok = build_request (self, &message);
  set_message (self, message);
  show_geometry (self);
  if (self->theory_path != NULL)
    {
      g_autofree char *file = g_path_get_basename (self->theory_path);

      gtk_label_set_text (self->theory_label, file);
    }
  else
    gtk_label_set_text (self->theory_label, _("No theory table"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->theory_label), self->theory_path);
  gtk_label_set_text (self->size_hint_label,
                      full_on_cpu ? _("The full size is meant for a GPU: on a processor it "
                                      "takes days.") : "");
  gtk_widget_set_visible (GTK_WIDGET (self->size_hint_label), full_on_cpu);
  /* TRANSLATORS: the models folder */
  where = g_strdup_printf (_("Saved in %s, where Reconstruct finds it."), folder);
  gtk_label_set_text (self->folder_label, where);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.train", self->request_ok);
}

/* The name of the kind, field and date, unless the user typed one. */
static void
propose_name (DarkmapTrainDialog *self)
{
  g_autofree char *name = NULL;

  if (self->name_edited)
    return;
  name = darkmap_train_default_name (current_kind (self),
                                     self->has_field ? self->catalog_path : NULL);
  self->setting_name = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
  self->setting_name = FALSE;
}

/* The preset's steps for the kind. */
static void
reset_steps (DarkmapTrainDialog *self)
{
  DmTrainRequest defaults;

  dm_train_request_init (&defaults, current_kind (self), current_preset (self));
  gtk_spin_button_set_value (self->steps_spin, (double) defaults.steps);
}

static void
on_kind_changed (DarkmapTrainDialog *self)
{
  reset_steps (self);
  propose_name (self);
  update_state (self);
}

static void
on_preset_changed (DarkmapTrainDialog *self)
{
  reset_steps (self);
  update_state (self);
}

static void
on_changed (DarkmapTrainDialog *self)
{
  update_state (self);
}

static void
on_name_changed (DarkmapTrainDialog *self)
{
  if (!self->setting_name)
    self->name_edited = TRUE;
  /* Replacing is agreed for one name only. */
  gtk_check_button_set_active (self->overwrite_check, FALSE);
  update_state (self);
}

static void
on_theory_chosen (GtkNativeDialog *chooser, int response, DarkmapTrainDialog *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  if (response == GTK_RESPONSE_ACCEPT && path != NULL)
    darkmap_train_dialog_set_theory (self, path, NULL);
  g_object_unref (chooser);
}

static void
on_theory_clicked (DarkmapTrainDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Choose a Theory Table"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("C_ℓ tables (*.csv)"));
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser's reference is dropped in on_theory_chosen. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_theory_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_maps_chosen (GtkNativeDialog *chooser, int response, DarkmapTrainDialog *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  if (response == GTK_RESPONSE_ACCEPT && path != NULL)
    darkmap_train_dialog_set_maps_path (self, path);
  g_object_unref (chooser);
}

/* A chooser of a FITS cube (folder FALSE) or of a folder of FITS images. */
static void
choose_maps (DarkmapTrainDialog *self, gboolean folder)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (folder ? _("Choose a Folder of Training Maps")
                                        : _("Choose a Cube of Training Maps"),
                                 GTK_WINDOW (self),
                                 folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                        : GTK_FILE_CHOOSER_ACTION_OPEN,
                                 _("_Choose"), _("_Cancel"));

  if (!folder)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("FITS images"));
      gtk_file_filter_add_suffix (filter, "fits");
      gtk_file_filter_add_suffix (filter, "fit");
      gtk_file_filter_add_suffix (filter, "fits.gz");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser's reference is dropped in on_maps_chosen. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_maps_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_cube_clicked (DarkmapTrainDialog *self)
{
  choose_maps (self, FALSE);
}

static void
on_folder_clicked (DarkmapTrainDialog *self)
{
  choose_maps (self, TRUE);
}

static void
train_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_train_dialog_accept (DARKMAP_TRAIN_DIALOG (widget));
}

/* The field again on the quick preset's grid (its centre kept). */
static void
rebin_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DmTrainRequest quick;

  dm_train_request_init (&quick, DM_TRAIN_MMGAN, DM_TRAIN_PRESET_QUICK);
  g_signal_emit (widget, signals[SIGNAL_REBIN_REQUESTED], 0, quick.grid.nx,
                 quick.grid.pixel_arcmin);
}

/* ---- Unfinished trainings ----------------------------------------------- */

static guint
button_index (GtkWidget *button)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "darkmap-index"));
}

static void
on_resume_clicked (GtkWidget *button, DarkmapTrainDialog *self)
{
  darkmap_train_dialog_resume (self, button_index (button));
}

static void
on_discard_clicked (GtkWidget *button, DarkmapTrainDialog *self)
{
  g_autoptr (GError) error = NULL;

  if (!darkmap_train_dialog_discard (self, button_index (button), &error))
    set_message (self, error->message);
}

static GtkWidget *
unfinished_row (DarkmapTrainDialog *self, const DarkmapUnfinishedTraining *training, guint i)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autofree char *file = g_path_get_basename (training->info.model_path);
  g_autofree char *description = darkmap_unfinished_training_describe (training);
  GtkWidget *title = gtk_label_new (training->info.name[0] != '\0' ? training->info.name : file);
  GtkWidget *detail = gtk_label_new (description);
  GtkWidget *resume = gtk_button_new_with_mnemonic (_("_Resume"));
  GtkWidget *discard = gtk_button_new_with_mnemonic (_("_Discard"));

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
  gtk_label_set_xalign (GTK_LABEL (detail), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_tooltip_text (labels, training->checkpoint_path);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), detail);
  gtk_widget_set_tooltip_text (resume, _("Go on from the last checkpoint"));
  gtk_widget_set_tooltip_text (discard, _("Delete the checkpoint; the model of its last "
                                          "checkpoint stays usable"));
  gtk_widget_set_valign (resume, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (discard, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (resume), "darkmap-index", GUINT_TO_POINTER (i));
  g_object_set_data (G_OBJECT (discard), "darkmap-index", GUINT_TO_POINTER (i));
  g_signal_connect (resume, "clicked", G_CALLBACK (on_resume_clicked), self);
  g_signal_connect (discard, "clicked", G_CALLBACK (on_discard_clicked), self);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), resume);
  gtk_box_append (GTK_BOX (box), discard);
  return box;
}

void
darkmap_train_dialog_refresh_unfinished (DarkmapTrainDialog *self)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  GtkWidget *child;

  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  g_clear_pointer (&self->unfinished, g_ptr_array_unref);
  self->unfinished = darkmap_train_find_unfinished (folder);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->unfinished_list))) != NULL)
    gtk_list_box_remove (self->unfinished_list, child);
  for (guint i = 0; i < self->unfinished->len; i++)
    gtk_list_box_append (self->unfinished_list,
                         unfinished_row (self, g_ptr_array_index (self->unfinished, i), i));
  gtk_widget_set_visible (self->unfinished_box, self->unfinished->len > 0);
  /* A name may be free again, or taken. */
  update_state (self);
}

guint
darkmap_train_dialog_get_n_unfinished (DarkmapTrainDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), 0);
  return self->unfinished->len;
}

const char *
darkmap_train_dialog_get_unfinished_path (DarkmapTrainDialog *self, guint i)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), NULL);
  g_return_val_if_fail (i < self->unfinished->len, NULL);
  return ((DarkmapUnfinishedTraining *) g_ptr_array_index (self->unfinished, i))->checkpoint_path;
}

void
darkmap_train_dialog_resume (DarkmapTrainDialog *self, guint i)
{
  g_autofree char *path = NULL;

  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  g_return_if_fail (i < self->unfinished->len);
  path = g_strdup (darkmap_train_dialog_get_unfinished_path (self, i));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_signal_emit (self, signals[SIGNAL_RESUME], 0, path);
}

gboolean
darkmap_train_dialog_discard (DarkmapTrainDialog *self, guint i, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), FALSE);
  g_return_val_if_fail (i < self->unfinished->len, FALSE);
  ok = darkmap_unfinished_training_discard (g_ptr_array_index (self->unfinished, i), error);
  darkmap_train_dialog_refresh_unfinished (self);
  g_signal_emit (self, signals[SIGNAL_UNFINISHED_CHANGED], 0);
  return ok;
}

/* ---- Set-up ------------------------------------------------------------- */

static void
darkmap_train_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_TRAIN_DIALOG);
  G_OBJECT_CLASS (darkmap_train_dialog_parent_class)->dispose (object);
}

static void
darkmap_train_dialog_finalize (GObject *object)
{
  DarkmapTrainDialog *self = DARKMAP_TRAIN_DIALOG (object);

  g_free (self->catalog_path);
  g_free (self->theory_path);
  dm_theory_free (self->theory);
  g_free (self->theory_error);
  g_free (self->maps_path);
  g_free (self->maps_error);
  g_free (self->model_path);
  g_free (self->name);
  g_free (self->message);
  g_clear_pointer (&self->unfinished, g_ptr_array_unref);
  G_OBJECT_CLASS (darkmap_train_dialog_parent_class)->finalize (object);
}

static void
darkmap_train_dialog_class_init (DarkmapTrainDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_train_dialog_dispose;
  object_class->finalize = darkmap_train_dialog_finalize;

  /* DarkmapTrainDialog::train: read the request with
   * darkmap_train_dialog_get_request(). */
  signals[SIGNAL_TRAIN] = g_signal_new ("train", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* DarkmapTrainDialog::resume (const char *checkpoint_path). */
  signals[SIGNAL_RESUME] = g_signal_new ("resume", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* DarkmapTrainDialog::rebin-requested (int size, double pixel_arcmin):
   * bin the field again on size × size pixels of pixel_arcmin. */
  signals[SIGNAL_REBIN_REQUESTED] = g_signal_new ("rebin-requested", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_DOUBLE);
  /* DarkmapTrainDialog::unfinished-changed: one was discarded. */
  signals[SIGNAL_UNFINISHED_CHANGED] = g_signal_new ("unfinished-changed",
                                                     G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                     G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-train-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, unfinished_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, unfinished_list);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, kind_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, geometry_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, grid_hint_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, rebin_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, maps_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, simulated_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, files_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, maps_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, theory_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, quick_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, full_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, size_hint_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, auto_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, cpu_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, gpu_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, steps_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, budget_check);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, minutes_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, folder_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, overwrite_check);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_preset_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_theory_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cube_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_folder_clicked);
  gtk_widget_class_install_action (widget_class, "dialog.train", NULL, train_action);
  gtk_widget_class_install_action (widget_class, "dialog.rebin", NULL, rebin_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
darkmap_train_dialog_init (DarkmapTrainDialog *self)
{
  self->message = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_text_set_activates_default (GTK_TEXT (gtk_editable_get_delegate (
                                    GTK_EDITABLE (self->steps_spin))), TRUE);
  if (!dm_gpu_available ())
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->gpu_button), FALSE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->gpu_button),
                                   _("No usable GPU: Darkmap was built without CUDA, or no "
                                     "CUDA device is present"));
    }
}

DarkmapTrainDialog *
darkmap_train_dialog_new (GtkWindow *parent, const char *theory_path)
{
  DarkmapTrainDialog *self = g_object_new (DARKMAP_TYPE_TRAIN_DIALOG, "transient-for", parent,
                                           NULL);

  if (theory_path != NULL)
    darkmap_train_dialog_set_theory (self, theory_path, NULL);
  reset_steps (self);
  propose_name (self);
  darkmap_train_dialog_refresh_unfinished (self);
  return self;
}

void
darkmap_train_dialog_set_field (DarkmapTrainDialog *self, const DarkmapResult *result,
                                const DarkmapJobSettings *settings)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  g_return_if_fail ((result == NULL) == (settings == NULL));
  g_clear_pointer (&self->catalog_path, g_free);
  self->has_field = result != NULL;
  if (result != NULL)
    {
      const DmMap *mask = result->binned->mask;
      size_t n = dm_map_plane_size (mask);

      self->field_nx = result->kappa_e->nx;
      self->field_ny = result->kappa_e->ny;
      self->field_pixel_arcmin = result->pixel_arcmin;
      self->field_observed = 0;
      for (size_t i = 0; i < n; i++)
        self->field_observed += mask->data[i] > 0.0f;
      self->field_galaxies = result->binned->n_binned;
      self->catalog_path = g_strdup (result->path);
      self->field_settings = *settings;
    }
  propose_name (self);
  update_state (self);
}

gboolean
darkmap_train_dialog_set_theory (DarkmapTrainDialog *self, const char *path, GError **error)
{
  DmError *dm_error = NULL;
  DmTheorySpectrum *theory;

  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  theory = dm_theory_read_csv (path, NULL, &dm_error);
  g_free (self->theory_path);
  self->theory_path = g_strdup (path);
  dm_theory_free (self->theory);
  self->theory = theory;
  g_clear_pointer (&self->theory_error, g_free);
  if (theory == NULL)
    {
      g_autofree char *name = g_path_get_basename (path);

      /* TRANSLATORS: the table's file, then the reason */
      self->theory_error = g_strdup_printf (_("The theory table “%s” cannot be read: %s"), name,
                                            dm_error->message);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, self->theory_error);
      dm_error_free (dm_error);
    }
  update_state (self);
  return theory != NULL;
}

void
darkmap_train_dialog_set_preset (DarkmapTrainDialog *self, DmTrainPreset preset)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  gtk_check_button_set_active (preset == DM_TRAIN_PRESET_FULL ? self->full_button
                                                              : self->quick_button,
                               TRUE);
}

void
darkmap_train_dialog_set_maps_path (DarkmapTrainDialog *self, const char *path)
{
  DmError *dm_error = NULL;

  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  g_clear_pointer (&self->maps_path, g_free);
  g_clear_pointer (&self->maps_error, g_free);
  self->maps_pixel_arcmin = 0.0;
  if (path != NULL)
    {
      self->maps_path = g_strdup (path);
      if (!dm_map_tiles_probe (path, &self->maps_pixel_arcmin, &dm_error))
        {
          g_autofree char *name = g_path_get_basename (path);

          /* TRANSLATORS: the file or folder, then the reason */
          self->maps_error = g_strdup_printf (_("The training maps “%s” cannot be read: %s"),
                                              name, dm_error->message);
          dm_error_free (dm_error);
        }
    }
  /* Toggling calls update_state; the state is brought up to date either way. */
  gtk_check_button_set_active (path != NULL ? self->files_button : self->simulated_button, TRUE);
  update_state (self);
}

const char *
darkmap_train_dialog_get_maps_path (DarkmapTrainDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), NULL);
  return self->maps_path;
}

void
darkmap_train_dialog_set_kind (DarkmapTrainDialog *self, DmTrainKind kind)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  g_return_if_fail (kind < DM_TRAIN_N_KINDS);
  gtk_drop_down_set_selected (self->kind_chooser, kind);
}

void
darkmap_train_dialog_set_name (DarkmapTrainDialog *self, const char *name)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
}

gboolean
darkmap_train_dialog_get_request (DarkmapTrainDialog *self, DmTrainRequest *request)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  update_state (self);
  *request = self->request;
  return self->request_ok;
}

gboolean
darkmap_train_dialog_can_train (DarkmapTrainDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), FALSE);
  return self->request_ok;
}

const char *
darkmap_train_dialog_get_message (DarkmapTrainDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), NULL);
  return self->message;
}

gboolean
darkmap_train_dialog_accept (DarkmapTrainDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DIALOG (self), FALSE);
  update_state (self);
  if (!self->request_ok)
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_TRAIN], 0);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  return TRUE;
}
