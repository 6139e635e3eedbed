/* DarkmapApplication: command line, windows, the screenshot mode. */
#include "darkmap-application.h"

#include <glib/gi18n.h>

#include "darkmap/atomic-file.h"
#include "darkmap/gpu.h"
#include "darkmap-file-chooser.h"
#include "darkmap-mosaic-window.h"
#include "darkmap-renderer.h"
#include "darkmap-stats-page.h"
#include "darkmap-universes-page.h"
#include "darkmap-window.h"

#define DARKMAP_APP_ICON "org.darkmap.Darkmap"

struct _DarkmapApplication
{
  GtkApplication parent_instance;

  char *screenshot_path;  /* --screenshot, or NULL */
  char *posterior_path;   /* --posterior, or NULL */
  char *layer;            /* --layer, or NULL */
  char *page;             /* --page, or NULL */
  char *mosaic_path;      /* --mosaic, or NULL */
  gboolean demo;          /* --demo: the demo field, whatever was opened last */
  DarkmapWindow *screenshot_window;
  DarkmapWindow *first_window;      /* gets --posterior, --layer and --page */
  gulong job_finished_handler, after_paint_handler;
  int exit_status;
};

G_DEFINE_FINAL_TYPE (DarkmapApplication, darkmap_application, GTK_TYPE_APPLICATION)

char *
darkmap_find_data_file (const char *relative)
{
  const char *env = g_getenv ("DARKMAP_DATA_DIR");
  g_autofree char *installed = NULL;

  if (env != NULL && *env != '\0')
    return g_build_filename (env, relative, NULL);
  installed = g_build_filename (DARKMAP_DATA_INSTALLED, relative, NULL);
  if (g_file_test (installed, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&installed);
  return g_build_filename (DARKMAP_DATA_SOURCE, relative, NULL);
}

int
darkmap_application_get_exit_status (DarkmapApplication *self)
{
  g_return_val_if_fail (DARKMAP_IS_APPLICATION (self), 1);
  return self->exit_status;
}

/* texture written to path as a PNG, atomically (darkmap/atomic-file.h). */
static gboolean
save_png (GdkTexture *texture, const char *path)
{
  g_autoptr (GBytes) png = gdk_texture_save_to_png_bytes (texture);
  DmAtomicFile *file = dm_atomic_file_new (path, NULL);
  gsize size;
  const void *data = g_bytes_get_data (png, &size);

  if (file == NULL)
    return FALSE;
  if (!dm_atomic_file_write (file, data, size, NULL))
    {
      dm_atomic_file_abort (file);
      return FALSE;
    }
  return dm_atomic_file_commit (file, NULL);
}

/* --screenshot: once the first frame after the job is painted (and, on
 * the Statistics page, after the posterior's band is measured; on the
 * Emulated Universes page, after its universes are drawn), save it. */
static void
save_screenshot (GdkFrameClock *clock, DarkmapApplication *self)
{
  DarkmapWindow *window = self->screenshot_window;
  GtkWidget *stats_page = darkmap_window_get_stats_page (window);
  GtkWidget *universes_page = darkmap_window_get_universes_page (window);
  g_autoptr (GdkTexture) texture = NULL;

  if (darkmap_stats_page_is_measuring (DARKMAP_STATS_PAGE (stats_page))
      || darkmap_universes_page_is_generating (DARKMAP_UNIVERSES_PAGE (universes_page)))
    {
      gtk_widget_queue_draw (GTK_WIDGET (window));
      return;
    }
  g_clear_signal_handler (&self->after_paint_handler, clock);
  texture = darkmap_widget_render (GTK_WIDGET (window));
  if (texture == NULL || !save_png (texture, self->screenshot_path))
    {
      g_printerr (_("Could not write the screenshot %s\n"), self->screenshot_path);
      self->exit_status = 1;
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* --posterior, --layer and --page, once the first window shows its field:
 * FALSE (printed) when the posterior cannot be shown there. */
static gboolean
show_requested_result (DarkmapApplication *self, DarkmapWindow *window)
{
  g_autoptr (GError) error = NULL;

  if (self->posterior_path != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_path (self->posterior_path);

      if (!darkmap_window_open_posterior (window, file, &error))
        {
          g_printerr ("%s\n", error->message);
          return FALSE;
        }
    }
  if (self->layer != NULL)
    g_object_set (window, "layer", self->layer, NULL);
  if (self->page != NULL)
    g_object_set (window, "page", self->page, NULL);
  return TRUE;
}

static void
on_first_job_finished (DarkmapWindow *window, const GError *error, DarkmapApplication *self)
{
  GdkFrameClock *clock;

  g_clear_signal_handler (&self->job_finished_handler, window);
  if (error == NULL && !show_requested_result (self, window) && self->screenshot_path != NULL)
    {
      self->exit_status = 1;
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  if (self->screenshot_path == NULL)
    return;
  if (error != NULL)
    {
      g_printerr ("%s\n", error->message);
      self->exit_status = 1;
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  self->after_paint_handler =
    g_signal_connect (clock, "after-paint", G_CALLBACK (save_screenshot), self);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}

/* A window on file; for NULL, on the field opened last (the demo field on
 * a first start, and always for --demo and --screenshot). */
static void
open_window (DarkmapApplication *self, GFile *file)
{
  DarkmapWindow *window = darkmap_window_new (GTK_APPLICATION (self));

  if (self->first_window == NULL)
    {
      self->first_window = window;
      if (self->screenshot_path != NULL)
        self->screenshot_window = window;
      if (self->screenshot_path != NULL || self->posterior_path != NULL || self->layer != NULL
          || self->page != NULL)
        self->job_finished_handler =
          g_signal_connect (window, "job-finished", G_CALLBACK (on_first_job_finished), self);
    }
  /* The field's job first: its worker reads the catalogue while the window
   * is shown. */
  if (file != NULL)
    darkmap_window_open_file (window, file);
  else if (self->demo || self->screenshot_path != NULL)
    darkmap_window_open_demo (window);
  else
    darkmap_window_open_last_field (window);
  gtk_window_present (GTK_WINDOW (window));
}

/* A mosaic window on file.  A file that cannot be opened as a mosaic is
 * reported in a dialog over parent when it is a main window, else on the
 * terminal with a failing exit status (--mosaic). */
static void
open_mosaic (DarkmapApplication *self, GFile *file, GtkWindow *parent)
{
  DarkmapMosaicWindow *window = darkmap_mosaic_window_new (GTK_APPLICATION (self));
  g_autoptr (GError) error = NULL;

  if (!darkmap_mosaic_window_open (window, file, &error))
    {
      gtk_window_destroy (GTK_WINDOW (window));
      if (DARKMAP_IS_WINDOW (parent))
        darkmap_window_show_error (DARKMAP_WINDOW (parent), _("Could not open the mosaic"),
                                   error->message);
      else
        {
          g_printerr ("%s\n", error->message);
          self->exit_status = 1;
        }
      return;
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
darkmap_application_activate (GApplication *application)
{
  DarkmapApplication *self = DARKMAP_APPLICATION (application);

  if (self->mosaic_path != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_path (self->mosaic_path);

      open_mosaic (self, file, NULL);
      return;
    }
  open_window (self, NULL);
}

static void
darkmap_application_open (GApplication *application, GFile **files, int n_files,
                          const char *hint)
{
  for (int i = 0; i < n_files; i++)
    open_window (DARKMAP_APPLICATION (application), files[i]);
}

static int
darkmap_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  DarkmapApplication *self = DARKMAP_APPLICATION (application);

  g_variant_dict_lookup (options, "posterior", "^ay", &self->posterior_path);
  g_variant_dict_lookup (options, "layer", "s", &self->layer);
  g_variant_dict_lookup (options, "page", "s", &self->page);
  g_variant_dict_lookup (options, "demo", "b", &self->demo);
  g_variant_dict_lookup (options, "mosaic", "^ay", &self->mosaic_path);
  if (g_variant_dict_lookup (options, "screenshot", "^ay", &self->screenshot_path))
    {
      /* A one-shot run of its own, never handed to a running instance. */
      g_application_set_flags (application,
                               g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
    }
  /* The demo's catalogue is read, binned and mapped while the application
   * registers, GTK starts and the window is built. */
  if (self->demo || self->screenshot_path != NULL)
    darkmap_window_prefetch_demo ();
  return -1;
}

/* Quit closes the main windows as their close buttons do (one whose
 * training runs asks first, and closes once its checkpoint is saved) and
 * destroys any other window; the application ends with its last window. */
static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  /* Closing one may destroy others (its dialogs): hold them all first. */
  for (GList *w = windows; w != NULL; w = w->next)
    g_object_ref (w->data);
  for (GList *w = windows; w != NULL; w = w->next)
    if (DARKMAP_IS_WINDOW (w->data))
      gtk_window_close (w->data);
    else
      gtk_window_destroy (w->data);
  g_list_free_full (windows, g_object_unref);
}

static void
on_open_mosaic_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DarkmapApplication *self = DARKMAP_APPLICATION (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        open_mosaic (self, file, gtk_native_dialog_get_transient_for (dialog));
    }
  g_object_unref (dialog);
}

/* Open Mosaic: a FITS file chosen over the active window. */
static void
open_mosaic_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  GtkFileChooserNative *chooser =
    darkmap_fits_image_chooser_new (_("Open a Mosaic"),
                                    gtk_application_get_active_window (application));

  g_signal_connect (chooser, "response", G_CALLBACK (on_open_mosaic_response), application);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* An uninstalled darkmap finds its icon in the source tree's data/icons
 * (installed, it is in the system's hicolor theme). */
static void
add_source_tree_icons (void)
{
  g_autofree char *icons = g_build_filename (DARKMAP_DATA_SOURCE, "icons", NULL);
  GdkDisplay *display = gdk_display_get_default ();

  if (display != NULL && g_file_test (icons, G_FILE_TEST_IS_DIR))
    gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (display), icons);
}

/* Whether a GPU is usable is first asked on a worker: on a machine with
 * NVIDIA's driver the answer loads the engine's GPU module and the CUDA
 * libraries (about 0.4 s), which the Reconstruct and Train dialogs would
 * otherwise wait for on the main loop when they first open. */
static gpointer
probe_gpu (gpointer data)
{
  dm_gpu_available ();
  return NULL;
}

static void
darkmap_application_startup (GApplication *application)
{
  static const GActionEntry entries[] = {
    { .name = "quit", .activate = quit_action },
    { .name = "open-mosaic", .activate = open_mosaic_action },
  };
  static const struct { const char *action; const char *accels[2]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.open-clusters", { "<Control><Shift>o", NULL } },
    { "win.open-mask", { "<Control>m", NULL } },
    { "win.show-clusters", { "<Control>l", NULL } },
    { "win.page::map", { "<Control>1", NULL } },
    { "win.page::spectrum", { "<Control>2", NULL } },
    { "win.page::compare", { "<Control>3", NULL } },
    { "win.page::training", { "<Control>4", NULL } },
    { "win.page::statistics", { "<Control>5", NULL } },
    { "win.page::universes", { "<Control>6", NULL } },
    { "win.layer::kappa-e", { "<Alt>1", NULL } },
    { "win.layer::kappa-b", { "<Alt>2", NULL } },
    { "win.layer::shear", { "<Alt>3", NULL } },
    { "win.layer::counts", { "<Alt>4", NULL } },
    { "win.layer::noise", { "<Alt>5", NULL } },
    { "win.layer::mean", { "<Alt>6", NULL } },
    { "win.layer::std", { "<Alt>7", NULL } },
    { "win.layer::significance", { "<Alt>8", NULL } },
    { "win.layer::sample", { "<Alt>9", NULL } },
    { "win.models", { "<Control><Shift>m", NULL } },
    { "win.reconstruct", { "<Control>r", NULL } },
    { "win.train", { "<Control><Shift>t", NULL } },
    { "win.save-posterior", { "<Control>s", NULL } },
    { "win.presentation", { "F11", NULL } },
    { "win.show-contours", { "<Control>k", NULL } },
    { "win.export-view", { "<Control>e", NULL } },
    { "win.export-fits", { "<Control><Shift>e", NULL } },
    { "win.cancel", { "Escape", NULL } },
    { "win.preferences", { "<Control>comma", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
  };

  G_APPLICATION_CLASS (darkmap_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), entries,
                                   G_N_ELEMENTS (entries), application);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application), accels[i].action,
                                           accels[i].accels);
  add_source_tree_icons ();
  gtk_window_set_default_icon_name (DARKMAP_APP_ICON);
  g_thread_unref (g_thread_new ("darkmap-gpu-probe", probe_gpu, NULL));
}

static void
darkmap_application_finalize (GObject *object)
{
  DarkmapApplication *self = DARKMAP_APPLICATION (object);

  g_free (self->screenshot_path);
  g_free (self->posterior_path);
  g_free (self->layer);
  g_free (self->page);
  g_free (self->mosaic_path);
  G_OBJECT_CLASS (darkmap_application_parent_class)->finalize (object);
}

static void
darkmap_application_class_init (DarkmapApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = darkmap_application_finalize;
  app_class->activate = darkmap_application_activate;
  app_class->open = darkmap_application_open;
  app_class->startup = darkmap_application_startup;
  app_class->handle_local_options = darkmap_application_handle_local_options;
}

static void
darkmap_application_init (DarkmapApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the bundled COSMOS field, whatever was opened last"), NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Save the window as a PNG once the map is shown, then quit"), N_("FILE") },
    { "posterior", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Show a posterior file (from darkmap-cli or the window) of the field opened"),
      N_("FILE") },
    { "layer", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Show a layer: kappa-e, kappa-b, shear, counts, noise, mean, std, significance or "
         "sample"), N_("NAME") },
    { "page", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Show a page: map, spectrum, statistics, compare, training or universes"),
      N_("NAME") },
    { "mosaic", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Browse a wide survey's mosaic (from darkmap-cli mosaic) instead of a field"),
      N_("FILE") },
    { NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), N_("[FILE]"));
}

DarkmapApplication *
darkmap_application_new (void)
{
  darkmap_choose_renderer ();
  return g_object_new (DARKMAP_TYPE_APPLICATION,
                       "application-id", "org.darkmap.Darkmap",
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/darkmap/Darkmap",
                       NULL);
}
