/* DarkmapClusterPanel: the cluster table as a list, one row per cluster
 * (name, RA, Dec, z, mass, kappa at the position), sortable by every
 * column (names in natural order: "9" before "11"; unknown numbers sort
 * above every known one), with a one-line summary above it.  While the
 * clusters have significance across posterior samples
 * (darkmap_cluster_list_set_significance) the list also shows and sorts by
 * peak fraction, kappa mean, kappa std and S/N, and an "Export
 * Significance…" button beside the summary activates the action
 * "win.export-significance" (the window's).
 *
 * Property "selected-cluster" (DarkmapCluster or NULL): the selected row's
 * cluster; setting it selects its row and scrolls the list to it. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-cluster.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_CLUSTER_PANEL (darkmap_cluster_panel_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapClusterPanel, darkmap_cluster_panel, DARKMAP, CLUSTER_PANEL,
                      GtkBox)

GtkWidget *darkmap_cluster_panel_new (void);

/* Lists clusters (a GListModel of DarkmapCluster, referenced; NULL empties
 * the list) under the summary line; the selection is cleared. */
void darkmap_cluster_panel_set_clusters (DarkmapClusterPanel *self, GListModel *clusters,
                                         const char *summary);

void darkmap_cluster_panel_set_selected_cluster (DarkmapClusterPanel *self,
                                                 DarkmapCluster *cluster);
DarkmapCluster *darkmap_cluster_panel_get_selected_cluster (DarkmapClusterPanel *self);

/* The list and its selection, as shown (sorted): for tests and keyboard
 * navigation. */
/* Whether the list shows every cluster (a new list fills over a few frames). */
gboolean darkmap_cluster_panel_is_filled (DarkmapClusterPanel *self);
GtkColumnView *darkmap_cluster_panel_get_column_view (DarkmapClusterPanel *self);
GtkSingleSelection *darkmap_cluster_panel_get_selection (DarkmapClusterPanel *self);
const char *darkmap_cluster_panel_get_summary (DarkmapClusterPanel *self);

G_END_DECLS
