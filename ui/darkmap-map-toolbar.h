/* DarkmapMapToolbar: the bar above the map: the field's layers (win.layer:
 * kappa-e, kappa-b, shear, counts, noise), the posterior's (mean, std,
 * significance, sample), the contours toggle and the smoothing scale. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_MAP_TOOLBAR (darkmap_map_toolbar_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapMapToolbar, darkmap_map_toolbar, DARKMAP, MAP_TOOLBAR, GtkBox)

/* The field's layer toggles. */
GtkWidget *darkmap_map_toolbar_get_layer_box (DarkmapMapToolbar *self);
/* The posterior's layer toggles. */
GtkWidget *darkmap_map_toolbar_get_posterior_layer_box (DarkmapMapToolbar *self);
/* The contours toggle. */
GtkWidget *darkmap_map_toolbar_get_contours_button (DarkmapMapToolbar *self);
/* The smoothing GtkScale (pixels). */
GtkWidget *darkmap_map_toolbar_get_smoothing_scale (DarkmapMapToolbar *self);

G_END_DECLS
