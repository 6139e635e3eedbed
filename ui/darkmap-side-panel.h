/* DarkmapSidePanel: the panel beside the pages: the posteriors of the field
 * (DarkmapResultsPanel) above its clusters (DarkmapClusterPanel). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_SIDE_PANEL (darkmap_side_panel_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapSidePanel, darkmap_side_panel, DARKMAP, SIDE_PANEL, GtkBox)

/* The posteriors (a DarkmapResultsPanel). */
GtkWidget *darkmap_side_panel_get_results_panel (DarkmapSidePanel *self);
/* The clusters (a DarkmapClusterPanel). */
GtkWidget *darkmap_side_panel_get_cluster_panel (DarkmapSidePanel *self);

G_END_DECLS
