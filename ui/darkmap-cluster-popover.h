/* DarkmapClusterPopover: the properties of one cluster (label, RA and Dec
 * in sexagesimal, z, mass, kappa at its position) and a cutout of the map
 * around it, zoomed, in the map's colours.
 *
 * Its parent must be the DarkmapMapView showing the cluster: the cutout is
 * drawn by darkmap_map_view_render_cutout. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-cluster.h"

G_BEGIN_DECLS

/* The cutout spans 2 × DARKMAP_CUTOUT_HALF_PIXELS + 1 map pixels. */
#define DARKMAP_CUTOUT_HALF_PIXELS 16

#define DARKMAP_TYPE_CLUSTER_POPOVER (darkmap_cluster_popover_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapClusterPopover, darkmap_cluster_popover, DARKMAP, CLUSTER_POPOVER,
                      GtkPopover)

GtkWidget *darkmap_cluster_popover_new (void);

/* Shows cluster's properties (a reference is kept); NULL empties it. */
void darkmap_cluster_popover_set_cluster (DarkmapClusterPopover *self, DarkmapCluster *cluster);
DarkmapCluster *darkmap_cluster_popover_get_cluster (DarkmapClusterPopover *self);

/* The mass row's title: the table's mass column (NULL or "": "Mass"). */
void darkmap_cluster_popover_set_mass_name (DarkmapClusterPopover *self, const char *name);

/* The texts shown, by row: "ra", "dec", "z", "mass", "kappa", and the mass
 * row's title "mass-title" (for tests). */
const char *darkmap_cluster_popover_get_text (DarkmapClusterPopover *self, const char *row);

G_END_DECLS
