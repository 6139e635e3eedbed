/* DarkmapPreferences: the preferences window, bound to GSettings. */
#include "darkmap-preferences.h"

#include "darkmap-colormap.h"

#include <glib/gi18n.h>

struct _DarkmapPreferences
{
  GtkWindow parent_instance;

  GtkDropDown *colormap_chooser;  /* items in DarkmapColormap order */
  GtkDropDown *coordinate_chooser;/* items in coordinate_formats order */
  GtkSpinButton *smoothing_spin;  /* pixels */
  GtkSpinButton *grid_size_spin;  /* pixels per side */
  GtkSpinButton *pixel_scale_spin;/* arcminutes */

  GSettings *settings;            /* owned reference */
};

G_DEFINE_FINAL_TYPE (DarkmapPreferences, darkmap_preferences, GTK_TYPE_WINDOW)

/* "colormap" (a name) <-> the chooser's "selected" (a DarkmapColormap). */
static gboolean
colormap_from_setting (GValue *value, GVariant *variant, gpointer user_data)
{
  DarkmapColormap cmap = DARKMAP_COLORMAP_GREY;

  darkmap_colormap_from_name (g_variant_get_string (variant, NULL), &cmap);
  g_value_set_uint (value, (guint) cmap);
  return TRUE;
}

static GVariant *
colormap_to_setting (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= DARKMAP_COLORMAP_COUNT)
    return NULL;
  return g_variant_new_string (darkmap_colormap_name ((DarkmapColormap) selected));
}

/* "coordinate-format" <-> the chooser's "selected", in the chooser's order. */
static const char *const coordinate_formats[] = { "degrees", "sexagesimal" };

static gboolean
coordinate_format_from_setting (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, g_strcmp0 (name, coordinate_formats[1]) == 0 ? 1u : 0u);
  return TRUE;
}

static GVariant *
coordinate_format_to_setting (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (coordinate_formats))
    return NULL;
  return g_variant_new_string (coordinate_formats[selected]);
}

/* "grid-size" (an int) <-> a spin button's "value" (a double). */
static gboolean
int_from_setting (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, g_variant_get_int32 (variant));
  return TRUE;
}

static GVariant *
int_to_setting (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_int32 ((gint32) g_value_get_double (value));
}

static void
darkmap_preferences_dispose (GObject *object)
{
  DarkmapPreferences *self = DARKMAP_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (darkmap_preferences_parent_class)->dispose (object);
}

static void
darkmap_preferences_class_init (DarkmapPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_preferences_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapPreferences, colormap_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapPreferences, coordinate_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapPreferences, smoothing_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapPreferences, grid_size_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapPreferences, pixel_scale_spin);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
darkmap_preferences_init (DarkmapPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DarkmapPreferences *
darkmap_preferences_new (GtkWindow *parent, GSettings *settings)
{
  DarkmapPreferences *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  self = g_object_new (DARKMAP_TYPE_PREFERENCES, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind_with_mapping (settings, "colormap", self->colormap_chooser, "selected",
                                G_SETTINGS_BIND_DEFAULT, colormap_from_setting,
                                colormap_to_setting, NULL, NULL);
  g_settings_bind_with_mapping (settings, "coordinate-format", self->coordinate_chooser,
                                "selected", G_SETTINGS_BIND_DEFAULT,
                                coordinate_format_from_setting, coordinate_format_to_setting,
                                NULL, NULL);
  g_settings_bind (settings, "smoothing-sigma", self->smoothing_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "pixel-scale", self->pixel_scale_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "grid-size", self->grid_size_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, int_from_setting, int_to_setting,
                                NULL, NULL);
  return self;
}

GtkDropDown *
darkmap_preferences_get_colormap_chooser (DarkmapPreferences *self)
{
  g_return_val_if_fail (DARKMAP_IS_PREFERENCES (self), NULL);
  return self->colormap_chooser;
}

GtkDropDown *
darkmap_preferences_get_coordinate_chooser (DarkmapPreferences *self)
{
  g_return_val_if_fail (DARKMAP_IS_PREFERENCES (self), NULL);
  return self->coordinate_chooser;
}
