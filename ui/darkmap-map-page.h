/* DarkmapMapPage: the map page: the map view, the welcome page over it
 * while there is no map, the flip-book player of the Sample layer over its
 * foot, and the caption over it in presentation mode. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_MAP_PAGE (darkmap_map_page_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapMapPage, darkmap_map_page, DARKMAP, MAP_PAGE, GtkBox)

/* The map (a DarkmapMapView). */
GtkWidget *darkmap_map_page_get_map_view (DarkmapMapPage *self);
/* The welcome page shown while there is no map. */
GtkWidget *darkmap_map_page_get_welcome_box (DarkmapMapPage *self);
/* The flip-book player (a DarkmapSamplePlayer) over the map's foot. */
GtkWidget *darkmap_map_page_get_sample_player (DarkmapMapPage *self);
/* The caption (a GtkLabel) shown in presentation mode. */
GtkWidget *darkmap_map_page_get_presentation_caption (DarkmapMapPage *self);

G_END_DECLS
