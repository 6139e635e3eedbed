/* DarkmapUniversesPage: an emulator, a seed, and the universes it draws. */
#include "darkmap-universes-page.h"

#include <string.h>

#include <glib/gi18n.h>

#include "darkmap-emulate-job.h"
#include "darkmap-map-view.h"
#include "darkmap-model-list.h"

/* The counts of the count chooser's items, in order. */
static const int COUNTS[] = { 4, 9, 16, 25 };
#define DEFAULT_COUNT_ITEM 1

/* New Universes draws a seed below this (what the seed spin holds). */
#define SEED_LIMIT 1000000000

struct _DarkmapUniversesPage
{
  GtkBox parent_instance;

  GtkDropDown *model_chooser;     /* items: model_names, parallel to choices */
  GtkStringList *model_names;
  GtkDropDown *count_chooser;     /* items: COUNTS */
  GtkSpinButton *seed_spin;
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  GtkLabel *message_label;
  GtkStack *stack;                /* "empty", "grid", "single" */
  DarkmapUniversesGrid *grid;
  GtkLabel *caption_label;
  GtkLabel *single_label;
  DarkmapMapView *single_view;

  DarkmapModelList *models;       /* the application's (not owned); NULL until needed */
  GPtrArray *choices;             /* the emulators' paths (owned strings) */
  char *model_path;               /* the chosen one, or NULL */
  gboolean filling_choices;       /* the chooser is being refilled */
  DmCosmoganGenerateRequest request; /* get_request's; model_path points to ours */

  /* The maps shown and what drew them. */
  DmMap *maps;                    /* owned, or NULL */
  char *maps_model_path, *maps_name;
  guint64 maps_seed;
  double maps_pixel_arcmin;
  char *caption;
  int shown;                      /* the map shown large, or −1 */

  /* The run going on. */
  DarkmapEmulateJob *job;         /* or NULL */
  GCancellable *cancellable;
  gboolean auto_drawn;            /* the page drew its first maps by itself, or was asked */
};

G_DEFINE_FINAL_TYPE (DarkmapUniversesPage, darkmap_universes_page, GTK_TYPE_BOX)

enum { PROP_0, PROP_GENERATING, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_FINISHED, SIGNAL_MAPS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- State ------------------------------------------------------------------ */

static void
update_state (DarkmapUniversesPage *self)
{
  gboolean busy = self->job != NULL;
  gboolean has_model = self->model_path != NULL;
  const char *page = self->shown >= 0                        ? "single"
                     : has_model || self->maps != NULL       ? "grid"
                                                             : "empty";

  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "universes.generate", has_model && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "universes.new-seed", has_model && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "universes.save",
                                 self->maps != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "universes.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "universes.back", self->shown >= 0);
  gtk_widget_set_visible (self->progress_box, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->model_chooser), has_model && !busy);
}

/* A line under the controls: an error (red) or a note; NULL hides it. */
static void
show_message (DarkmapUniversesPage *self, const char *text, gboolean is_error)
{
  gtk_label_set_text (self->message_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text != NULL);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
}

/* The file name without its ".safetensors". */
static char *
model_name (const char *path)
{
  char *name = g_path_get_basename (path);

  if (g_str_has_suffix (name, ".safetensors"))
    name[strlen (name) - strlen (".safetensors")] = '\0';
  return name;
}

/* ---- The emulators ---------------------------------------------------------- */

/* The listed emulators, the chosen one kept when it is still there, else
 * the first shipped one, else the first. */
static void
fill_choices (DarkmapUniversesPage *self)
{
  GListModel *list = G_LIST_MODEL (self->models);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->model_names));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int chosen = -1, shipped = -1;

  g_ptr_array_set_size (self->choices, 0);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (DarkmapModel) model = g_list_model_get_item (list, i);
      const char *path = darkmap_model_get_path (model);

      if (darkmap_model_get_info (model)->kind != DM_MODEL_COSMOGAN)
        continue;
      if (g_strcmp0 (path, self->model_path) == 0)
        chosen = (int) self->choices->len;
      if (shipped < 0 && darkmap_model_get_origin (model) == DARKMAP_MODEL_SHIPPED)
        shipped = (int) self->choices->len;
      g_ptr_array_add (self->choices, g_strdup (path));
      g_ptr_array_add (names, g_strdup (darkmap_model_get_name (model)));
    }
  g_ptr_array_add (names, NULL);
  if (chosen < 0)
    chosen = shipped >= 0 ? shipped : 0;

  self->filling_choices = TRUE;
  gtk_string_list_splice (self->model_names, 0, n_old, (const char *const *) names->pdata);
  if (self->choices->len > 0)
    gtk_drop_down_set_selected (self->model_chooser, (guint) chosen);
  self->filling_choices = FALSE;
  g_free (self->model_path);
  self->model_path = self->choices->len > 0
                       ? g_strdup (g_ptr_array_index (self->choices, chosen))
                       : NULL;
  update_state (self);
}

/* The emulators listed, once the page needs them: reading the models
 * folders is left out of the window's start-up. */
static void
ensure_choices (DarkmapUniversesPage *self)
{
  if (self->models != NULL)
    return;
  self->models = darkmap_model_list_get_default ();
  g_signal_connect_object (self->models, "items-changed", G_CALLBACK (fill_choices), self,
                           G_CONNECT_SWAPPED);
  fill_choices (self);
}

static void
on_model_changed (DarkmapUniversesPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->model_chooser);

  if (self->filling_choices || selected >= self->choices->len)
    return;
  g_free (self->model_path);
  self->model_path = g_strdup (g_ptr_array_index (self->choices, selected));
  update_state (self);
}

gboolean
darkmap_universes_page_has_model (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  ensure_choices (self);
  return self->model_path != NULL;
}

gboolean
darkmap_universes_page_select_model (DarkmapUniversesPage *self, const char *path)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  ensure_choices (self);
  for (guint i = 0; i < self->choices->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->choices, i), path) == 0)
      {
        gtk_drop_down_set_selected (self->model_chooser, i);
        on_model_changed (self);
        return TRUE;
      }
  return FALSE;
}

const char *
darkmap_universes_page_get_model_path (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), NULL);
  ensure_choices (self);
  return self->model_path;
}

/* ---- The form ----------------------------------------------------------------- */

void
darkmap_universes_page_set_n_maps (DarkmapUniversesPage *self, int n)
{
  g_return_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self));
  for (guint i = 0; i < G_N_ELEMENTS (COUNTS); i++)
    if (COUNTS[i] == n)
      {
        gtk_drop_down_set_selected (self->count_chooser, i);
        return;
      }
  g_return_if_reached ();
}

int
darkmap_universes_page_get_n_maps (DarkmapUniversesPage *self)
{
  guint selected;

  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), 0);
  selected = gtk_drop_down_get_selected (self->count_chooser);
  return COUNTS[selected < G_N_ELEMENTS (COUNTS) ? selected : DEFAULT_COUNT_ITEM];
}

void
darkmap_universes_page_set_seed (DarkmapUniversesPage *self, guint64 seed)
{
  g_return_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self));
  g_return_if_fail (seed < SEED_LIMIT);
  gtk_spin_button_set_value (self->seed_spin, (double) seed);
}

guint64
darkmap_universes_page_get_seed (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), 0);
  gtk_spin_button_update (self->seed_spin);
  return (guint64) gtk_spin_button_get_value (self->seed_spin);
}

gboolean
darkmap_universes_page_get_request (DarkmapUniversesPage *self,
                                    DmCosmoganGenerateRequest *request)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  ensure_choices (self);
  dm_cosmogan_generate_request_init (&self->request);
  self->request.model_path = self->model_path;
  self->request.n_maps = darkmap_universes_page_get_n_maps (self);
  self->request.seed = darkmap_universes_page_get_seed (self);
  *request = self->request;
  return self->model_path != NULL;
}

/* ---- The maps shown ----------------------------------------------------------- */

/* "cosmogan-cosmos — 9 maps of 64 × 64 pixels of 0.29′ (18.6′ × 18.6′ each), seed 7;
 * drawn in 0.21 s on CPU (2 threads)". */
static void
update_caption (DarkmapUniversesPage *self, double seconds, const char *device)
{
  g_free (self->caption);
  if (self->maps == NULL)
    self->caption = g_strdup (_("No universes drawn yet: Generate draws them."));
  else
    {
      double side = self->maps->nx * self->maps_pixel_arcmin;

      /* TRANSLATORS: the emulator's name, the number of maps, their size in
       * pixels, the pixel in arcmin, the map's side in arcmin (twice), the
       * seed, the seconds it took and the device */
      self->caption = g_strdup_printf (
        ngettext ("%s — %d map of %d × %d pixels of %.3g′ (%.3g′ × %.3g′ each), seed %llu; "
                  "drawn in %.2g s on %s",
                  "%s — %d maps of %d × %d pixels of %.3g′ (%.3g′ × %.3g′ each), seed %llu; "
                  "drawn in %.2g s on %s",
                  self->maps->nplanes),
        self->maps_name, self->maps->nplanes, self->maps->nx, self->maps->ny,
        self->maps_pixel_arcmin, side, side, (unsigned long long) self->maps_seed, seconds,
        device);
    }
  /* One line, ellipsized, with the whole caption as its tooltip: a wrapped
   * label beside the Save button was measured some 250 times a layout
   * (13 ms of Pango for each new caption). */
  gtk_label_set_text (self->caption_label, self->caption);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->caption_label), self->caption);
}

void
darkmap_universes_page_show_map (DarkmapUniversesPage *self, int k)
{
  DmMap *plane = NULL;
  g_autofree char *title = NULL;
  double lo, hi;

  g_return_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self));
  g_return_if_fail (k >= -1 && (k < 0 || (self->maps != NULL && k < self->maps->nplanes)));
  if (k >= 0 && (plane = dm_map_copy_plane (self->maps, k, NULL)) != NULL
      && darkmap_map_view_set_map (self->single_view, plane, NULL))
    {
      darkmap_universes_grid_get_limits (self->grid, &lo, &hi);
      darkmap_map_view_set_limits (self->single_view, lo, hi);
      darkmap_map_view_reset_view (self->single_view);
      /* TRANSLATORS: which map of how many, its emulator and seed */
      title = g_strdup_printf (_("Universe %d of %d — %s, seed %llu"), k + 1,
                               self->maps->nplanes, self->maps_name,
                               (unsigned long long) self->maps_seed);
      gtk_label_set_text (self->single_label, title);
      self->shown = k;
    }
  else
    self->shown = -1;
  dm_map_free (plane);
  update_state (self);
  if (self->shown >= 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->single_view));
}

int
darkmap_universes_page_get_shown_map (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), -1);
  return self->shown;
}

/* New maps replace the shown ones (taken). */
static void
take_maps (DarkmapUniversesPage *self, DmCosmoganGenerateResult *generated,
           const DmCosmoganGenerateRequest *request)
{
  DmError *dm_error = NULL;

  if (!darkmap_universes_grid_set_maps (self->grid, generated->maps, &dm_error))
    {
      show_message (self, dm_error->message, TRUE);
      dm_error_free (dm_error);
      dm_cosmogan_generate_result_clear (generated);
      return;
    }
  dm_map_free (self->maps);
  self->maps = g_steal_pointer (&generated->maps);
  g_free (self->maps_model_path);
  self->maps_model_path = g_strdup (request->model_path);
  g_free (self->maps_name);
  self->maps_name = model_name (request->model_path);
  self->maps_seed = request->seed;
  self->maps_pixel_arcmin = generated->pixel_arcmin;
  update_caption (self, generated->seconds, generated->device);
  self->shown = -1;
  update_state (self);
  g_signal_emit (self, signals[SIGNAL_MAPS_CHANGED], 0);
}

const DmMap *
darkmap_universes_page_get_maps (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), NULL);
  return self->maps;
}

double
darkmap_universes_page_get_pixel_arcmin (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), 0.0);
  return self->maps != NULL ? self->maps_pixel_arcmin : 0.0;
}

const char *
darkmap_universes_page_get_maps_name (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), NULL);
  return self->maps != NULL ? self->maps_name : NULL;
}

const char *
darkmap_universes_page_get_caption (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), NULL);
  return self->caption;
}

/* ---- Runs ---------------------------------------------------------------------- */

gboolean
darkmap_universes_page_is_generating (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  return self->job != NULL;
}

static void
on_job_progress (DarkmapEmulateJob *job, GParamSpec *pspec, DarkmapUniversesPage *self)
{
  g_autofree char *text = darkmap_emulate_job_describe_progress (job);

  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_emulate_job_get_fraction (job));
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
on_job_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DarkmapUniversesPage *self = user_data;
  DarkmapEmulateJob *job = DARKMAP_EMULATE_JOB (source);
  const DmCosmoganGenerateRequest *request = darkmap_emulate_job_get_request (job);
  DmCosmoganGenerateResult generated;
  g_autoptr (GError) error = NULL;
  gboolean ok = darkmap_emulate_job_run_finish (job, res, &generated, &error);

  if (job != self->job)
    {
      /* The page went away meanwhile. */
      dm_cosmogan_generate_result_clear (&generated);
      g_object_unref (self);
      return;
    }
  g_signal_handlers_disconnect_by_data (job, self);
  if (ok && request->out_path != NULL)
    {
      g_autofree char *name = g_path_get_basename (request->out_path);
      /* TRANSLATORS: the file written */
      g_autofree char *text = g_strdup_printf (_("Saved the universes in %s."), name);

      show_message (self, text, FALSE);
    }
  else if (ok)
    {
      show_message (self, NULL, FALSE);
      take_maps (self, &generated, request);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_message (self, error->message, TRUE);
  else
    show_message (self, NULL, FALSE);
  dm_cosmogan_generate_result_clear (&generated);
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATING]);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, error);
  g_object_unref (self);
}

static gboolean
start (DarkmapUniversesPage *self, const DmCosmoganGenerateRequest *request)
{
  if (self->job != NULL || request->model_path == NULL)
    return FALSE;
  self->auto_drawn = TRUE;
  self->job = darkmap_emulate_job_new (request);
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->job, "notify::fraction", G_CALLBACK (on_job_progress), self, 0);
  g_signal_connect_object (self->job, "notify::stage", G_CALLBACK (on_job_progress), self, 0);
  on_job_progress (self->job, NULL, self);
  show_message (self, NULL, FALSE);
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATING]);
  darkmap_emulate_job_run_async (self->job, self->cancellable, on_job_done,
                                 g_object_ref (self));
  return TRUE;
}

gboolean
darkmap_universes_page_generate (DarkmapUniversesPage *self)
{
  DmCosmoganGenerateRequest request;

  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  return darkmap_universes_page_get_request (self, &request) && start (self, &request);
}

gboolean
darkmap_universes_page_new_universes (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  ensure_choices (self);
  if (self->job != NULL || self->model_path == NULL)
    return FALSE;
  darkmap_universes_page_set_seed (self, (guint64) g_random_int_range (1, SEED_LIMIT));
  return darkmap_universes_page_generate (self);
}

gboolean
darkmap_universes_page_save (DarkmapUniversesPage *self, const char *path)
{
  DmCosmoganGenerateRequest request;

  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  if (self->maps == NULL)
    return FALSE;
  /* The maps shown, drawn again into the file: the same emulator and seed
   * give the same maps. */
  dm_cosmogan_generate_request_init (&request);
  request.model_path = self->maps_model_path;
  request.n_maps = self->maps->nplanes;
  request.seed = self->maps_seed;
  request.out_path = path;
  request.keep_maps = false;
  return start (self, &request);
}

void
darkmap_universes_page_cancel (DarkmapUniversesPage *self)
{
  g_return_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self));
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ---- Actions -------------------------------------------------------------------- */

static void
generate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_universes_page_generate (DARKMAP_UNIVERSES_PAGE (widget));
}

static void
new_seed_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_universes_page_new_universes (DARKMAP_UNIVERSES_PAGE (widget));
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_universes_page_cancel (DARKMAP_UNIVERSES_PAGE (widget));
}

static void
back_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_universes_page_show_map (DARKMAP_UNIVERSES_PAGE (widget), -1);
}

static void
on_save_chosen (GtkNativeDialog *chooser, int response, DarkmapUniversesPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        darkmap_universes_page_save (self, path);
    }
  g_object_unref (chooser);
}

static void
save_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapUniversesPage *self = DARKMAP_UNIVERSES_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  if (self->maps == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save the Universes"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("FITS images"));
  gtk_file_filter_add_suffix (filter, "fits");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  name = g_strdup_printf ("universes-%s-seed%llu.fits", self->maps_name,
                          (unsigned long long) self->maps_seed);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser's reference is dropped in on_save_chosen. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_grid_activated (DarkmapUniversesGrid *grid, int k, DarkmapUniversesPage *self)
{
  darkmap_universes_page_show_map (self, k);
}

/* The first time the page shows with an emulator, it draws. */
static void
on_map (DarkmapUniversesPage *self)
{
  ensure_choices (self);
  if (!self->auto_drawn && self->maps == NULL)
    darkmap_universes_page_generate (self);
}

void
darkmap_universes_page_set_colormap (DarkmapUniversesPage *self, DarkmapColormap cmap)
{
  g_return_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self));
  darkmap_universes_grid_set_colormap (self->grid, cmap);
  darkmap_map_view_set_colormap (self->single_view, cmap);
}

DarkmapUniversesGrid *
darkmap_universes_page_get_grid (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), NULL);
  return self->grid;
}

GtkWidget *
darkmap_universes_page_get_map_view (DarkmapUniversesPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_PAGE (self), NULL);
  return GTK_WIDGET (self->single_view);
}

/* ---- Set-up ------------------------------------------------------------------------ */

static void
darkmap_universes_page_get_property (GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec)
{
  DarkmapUniversesPage *self = DARKMAP_UNIVERSES_PAGE (object);

  switch (prop_id)
    {
    case PROP_GENERATING:
      g_value_set_boolean (value, self->job != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_universes_page_dispose (GObject *object)
{
  DarkmapUniversesPage *self = DARKMAP_UNIVERSES_PAGE (object);

  /* A run going on stops; its completion finds the page without it. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_UNIVERSES_PAGE);
  G_OBJECT_CLASS (darkmap_universes_page_parent_class)->dispose (object);
}

static void
darkmap_universes_page_finalize (GObject *object)
{
  DarkmapUniversesPage *self = DARKMAP_UNIVERSES_PAGE (object);

  g_ptr_array_unref (self->choices);
  g_free (self->model_path);
  dm_map_free (self->maps);
  g_free (self->maps_model_path);
  g_free (self->maps_name);
  g_free (self->caption);
  G_OBJECT_CLASS (darkmap_universes_page_parent_class)->finalize (object);
}

static void
darkmap_universes_page_class_init (DarkmapUniversesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_universes_page_get_property;
  object_class->dispose = darkmap_universes_page_dispose;
  object_class->finalize = darkmap_universes_page_finalize;

  properties[PROP_GENERATING] =
    g_param_spec_boolean ("generating", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* DarkmapUniversesPage::finished (GError *error): NULL on success. */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, G_TYPE_ERROR);
  /* DarkmapUniversesPage::maps-changed: new maps are shown. */
  signals[SIGNAL_MAPS_CHANGED] = g_signal_new ("maps-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);

  g_type_ensure (DARKMAP_TYPE_UNIVERSES_GRID);
  g_type_ensure (DARKMAP_TYPE_MAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-universes-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, model_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, model_names);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, count_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, grid);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, caption_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, single_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapUniversesPage, single_view);
  gtk_widget_class_bind_template_callback (widget_class, on_model_changed);
  gtk_widget_class_install_action (widget_class, "universes.generate", NULL, generate_action);
  gtk_widget_class_install_action (widget_class, "universes.new-seed", NULL, new_seed_action);
  gtk_widget_class_install_action (widget_class, "universes.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "universes.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "universes.back", NULL, back_action);
}

static void
darkmap_universes_page_init (DarkmapUniversesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->choices = g_ptr_array_new_with_free_func (g_free);
  self->shown = -1;
  gtk_drop_down_set_selected (self->count_chooser, DEFAULT_COUNT_ITEM);
  darkmap_map_view_set_show_clusters (self->single_view, FALSE);
  g_signal_connect_object (self->grid, "activated", G_CALLBACK (on_grid_activated), self, 0);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  update_caption (self, 0.0, "");
  update_state (self);
}

GtkWidget *
darkmap_universes_page_new (void)
{
  return g_object_new (DARKMAP_TYPE_UNIVERSES_PAGE, NULL);
}
