/* DarkmapClusterPopover: the properties of one cluster (label, RA and Dec
 * in sexagesimal, z, mass, kappa at its position) and a cutout of the map
 * around it, zoomed, in the map's colours.  While the cluster has
 * significance across posterior samples (darkmap_cluster_list_set_significance,
 * followed as it changes) also its peak fraction, kappa mean ± std and S/N,
 * and a histogram of the samples' kappa at the cluster with the mean
 * marked.
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

/* The texts shown, by row: "ra", "dec", "z", "mass", "kappa", the mass
 * row's title "mass-title", and with significance "peak-fraction",
 * "kappa-mean-std" ("mean ± std") and "snr" ("" without) (for tests). */
const char *darkmap_cluster_popover_get_text (DarkmapClusterPopover *self, const char *row);

/* The histogram drawn of the cluster's sample kappa: *n_bins counts (owned
 * by the popover) over equal bins from *lo to *hi, the smallest and
 * largest sample values; NULL and *n_bins = 0 without sample values. */
const guint *darkmap_cluster_popover_get_histogram (DarkmapClusterPopover *self, guint *n_bins,
                                                    double *lo, double *hi);

G_END_DECLS
