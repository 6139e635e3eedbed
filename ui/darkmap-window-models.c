/* DarkmapWindow's model library (win.models; darkmap-model-library.h): one
 * per window, opened over it, its mocks made on the field the window shows
 * (its catalogue and the settings it was opened with). */
#include "darkmap-window-private.h"

#include "darkmap-model-library.h"

/* The window's library while it is open (object data: not owned). */
#define LIBRARY_KEY "darkmap-model-library"

static void
set_library_field (DarkmapWindow *self, DarkmapModelLibrary *library)
{
  if (self->result != NULL)
    darkmap_model_library_set_field (library, self->result->path, &self->field_settings);
  else
    darkmap_model_library_set_field (library, NULL, NULL);
}

/* A field opened: the library's next mock is made on it. */
static void
on_job_finished (DarkmapWindow *self, const GError *error, DarkmapModelLibrary *library)
{
  if (error == NULL)
    set_library_field (self, library);
}

static void
forget_library (DarkmapWindow *self)
{
  g_object_set_data (G_OBJECT (self), LIBRARY_KEY, NULL);
}

static void
models_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);
  DarkmapModelLibrary *library = g_object_get_data (G_OBJECT (self), LIBRARY_KEY);

  if (library == NULL)
    {
      library = darkmap_model_library_new (GTK_WINDOW (self));
      g_object_set_data (G_OBJECT (self), LIBRARY_KEY, library);
      g_signal_connect_object (library, "destroy", G_CALLBACK (forget_library), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self, "job-finished", G_CALLBACK (on_job_finished), library, 0);
    }
  set_library_field (self, library);
  gtk_window_present (GTK_WINDOW (library));
}

void
darkmap_window_models_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.models", NULL, models_action);
}
