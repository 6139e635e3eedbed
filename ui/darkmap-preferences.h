/* DarkmapPreferences: the preferences window, bound to the application's
 * GSettings (colour map, smoothing, default grid). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_PREFERENCES (darkmap_preferences_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapPreferences, darkmap_preferences, DARKMAP, PREFERENCES, GtkWindow)

/* A window editing settings (borrowed, a reference is kept), transient for
 * parent (may be NULL).  Changes are saved at once: the colour map applies
 * to the open map, the others to the next reconstruction. */
DarkmapPreferences *darkmap_preferences_new (GtkWindow *parent, GSettings *settings);

/* The colour-map chooser (for tests). */
GtkDropDown *darkmap_preferences_get_colormap_chooser (DarkmapPreferences *self);
/* Items: degrees, sexagesimal (the "coordinate-format" values). */
GtkDropDown *darkmap_preferences_get_coordinate_chooser (DarkmapPreferences *self);

G_END_DECLS
