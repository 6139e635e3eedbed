/* DarkmapWindow, the Emulated Universes page (win.page "universes"): a
 * DarkmapUniversesPage in the window's stack, made when it first shows (or
 * is asked for), in the colour map of the preferences; Esc (win.cancel)
 * stops its drawing; its maps go to the Statistics page's emulator band; a
 * CosmoGAN trained in the window draws its universes from the Training
 * page.  The window's state is in darkmap-window-private.h. */
#include "darkmap-window-private.h"

#include "darkmap-model-list.h"

#include <glib/gi18n.h>

#define UNIVERSES_PAGE "universes"

static DarkmapUniversesPage *ensure_page (DarkmapWindow *self);

GtkWidget *
darkmap_window_get_universes_page (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (ensure_page (self));
}

gboolean
darkmap_window_is_generating_universes (DarkmapWindow *self)
{
  return self->universes_page != NULL
         && darkmap_universes_page_is_generating (self->universes_page);
}

void
darkmap_window_cancel_universes (DarkmapWindow *self)
{
  if (self->universes_page != NULL)
    darkmap_universes_page_cancel (self->universes_page);
}

void
darkmap_window_show_universes (DarkmapWindow *self, const char *model_path)
{
  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  /* Drawing first: the page shown without maps would draw the emulator
   * chosen before. */
  if (model_path != NULL && darkmap_universes_page_select_model (ensure_page (self), model_path))
    darkmap_universes_page_generate (self->universes_page);
  gtk_stack_set_visible_child_name (self->stack, UNIVERSES_PAGE);
}

/* The preferences' colour map: the universes are kappa maps, as the map's
 * layers. */
static void
apply_colormap (DarkmapWindow *self)
{
  if (self->universes_page != NULL)
    darkmap_universes_page_set_colormap (self->universes_page,
                                         darkmap_window_preferred_colormap (self));
}

static void
on_generating (DarkmapWindow *self)
{
  darkmap_window_update_actions (self);
}

static void
on_maps_changed (DarkmapWindow *self)
{
  darkmap_window_statistics_emulator_changed (self);
}

void
darkmap_window_universes_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (DARKMAP_TYPE_UNIVERSES_PAGE);
}

/* The page, made the first time it shows or is asked for: with its
 * template, drop-downs and map views it is some 5 ms of processor time the
 * window's first frame need not wait for. */
static DarkmapUniversesPage *
ensure_page (DarkmapWindow *self)
{
  if (self->universes_page != NULL)
    return self->universes_page;
  self->universes_page = DARKMAP_UNIVERSES_PAGE (darkmap_universes_page_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->universes_page), TRUE);
  gtk_box_append (GTK_BOX (self->universes_box), GTK_WIDGET (self->universes_page));
  g_signal_connect_object (self->universes_page, "notify::generating",
                           G_CALLBACK (on_generating), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->universes_page, "maps-changed", G_CALLBACK (on_maps_changed),
                           self, G_CONNECT_SWAPPED);
  apply_colormap (self);
  return self->universes_page;
}

static void
on_page_changed (DarkmapWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), UNIVERSES_PAGE) == 0)
    ensure_page (self);
}

void
darkmap_window_universes_init (DarkmapWindow *self)
{
  /* The emulators, read on a worker, are listed when the page first shows. */
  darkmap_model_list_prefetch_default ();
  self->universes_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_stack_add_titled (self->stack, self->universes_box, UNIVERSES_PAGE, _("Universes"));
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (on_page_changed), self, G_CONNECT_SWAPPED);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::colormap", G_CALLBACK (apply_colormap),
                             self, G_CONNECT_SWAPPED);
}
