/* DarkmapCluster: one catalogued galaxy cluster, placed on a map, as the
 * item of the cluster list (GListModel of DarkmapCluster) that the map
 * view's overlay, its popover and the cluster panel show.
 *
 * A new table makes a new list; a new map places the list's clusters
 * again (darkmap_cluster_list_set_map).  Read-only
 * properties: "label" (name or id), "ra", "dec" (degrees), "z" and "mass"
 * (NaN when unknown; mass in the table's unit), "x", "y" (zero-based map
 * pixel; NaN off the map or without a map) and "kappa" (the map's plane 0
 * at the nearest pixel; NaN off the map).
 *
 * A list may also carry the clusters' detection significance across K
 * posterior samples (darkmap/cluster-significance.h), set after it is made
 * and replaced or cleared as posteriors come and go: read-only properties
 * "has-significance", "peak-fraction", "kappa-mean", "kappa-std" and "snr"
 * (NaN without significance, or for a cluster off the samples' map), and the
 * K sample values of kappa at the cluster's nearest pixel. */
#pragma once

#include <gio/gio.h>

#include <darkmap/cluster-significance.h>
#include <darkmap/cluster-table.h>
#include <darkmap/map.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_CLUSTER (darkmap_cluster_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapCluster, darkmap_cluster, DARKMAP, CLUSTER, GObject)

const char *darkmap_cluster_get_label (DarkmapCluster *self);
double darkmap_cluster_get_ra (DarkmapCluster *self);
double darkmap_cluster_get_dec (DarkmapCluster *self);
double darkmap_cluster_get_z (DarkmapCluster *self);
double darkmap_cluster_get_mass (DarkmapCluster *self);
double darkmap_cluster_get_kappa (DarkmapCluster *self);
/* The map pixel; FALSE (x, y NaN) when the cluster is off the map. */
gboolean darkmap_cluster_get_pixel (DarkmapCluster *self, double *x, double *y);

gboolean darkmap_cluster_has_significance (DarkmapCluster *self);
double darkmap_cluster_get_peak_fraction (DarkmapCluster *self);
double darkmap_cluster_get_kappa_mean (DarkmapCluster *self);
double darkmap_cluster_get_kappa_std (DarkmapCluster *self);
double darkmap_cluster_get_snr (DarkmapCluster *self);
/* The kappa of each posterior sample at the cluster's nearest pixel: *n
 * values, owned by the cluster (valid until its significance changes);
 * NULL and *n = 0 without samples or off their map. */
const float *darkmap_cluster_get_sample_kappa (DarkmapCluster *self, guint *n);

/* Every row of table, in order, placed on map through its WCS (map may be
 * NULL, or have no WCS: then no cluster is on the map).  A new GListStore
 * of table->n DarkmapCluster, owned by the caller. */
GListStore *darkmap_cluster_list_new (const DmClusterTable *table, const DmMap *map);

/* Places the clusters of a list from darkmap_cluster_list_new of table
 * on map instead (NULL: none), as a new list would be: pixel and kappa.
 * They notify "x", "y" and "kappa" and the store reports every item
 * changed (its items stay the same objects, their rows and the selection
 * kept). */
void darkmap_cluster_list_set_map (GListStore *clusters, const DmClusterTable *table,
                                   const DmMap *map);
/* Sets the significance of every cluster of clusters (a list from
 * darkmap_cluster_list_new of the same table: significance->n rows in its
 * order), its statistics copied, with the K sample values of kappa at each
 * cluster's nearest pixel copied from samples (the nx × ny × K cube the
 * significance was computed on; NULL: no sample values).  significance NULL
 * clears it.  The clusters notify their changed properties and the store
 * reports every item changed (its items stay the same objects), so sorted
 * views sort again and selections stay. */
void darkmap_cluster_list_set_significance (GListStore *clusters,
                                            const DmClusterSignificance *significance,
                                            const DmMap *samples);

/* Whether the clusters of a list have significance (all or none do). */
gboolean darkmap_cluster_list_has_significance (GListModel *clusters);

/* The smallest and largest known mass of a list; FALSE when none is known. */
gboolean darkmap_cluster_list_mass_range (GListModel *clusters, double *lo, double *hi);

/* Sexagesimal text: RA as "10h02m12.6s" (hours), Dec as "+02°12′34″".
 * Newly allocated. */
char *darkmap_format_ra_hms (double ra_deg);
char *darkmap_format_dec_dms (double dec_deg);
/* A pointer's sky position, sexagesimal then degrees ("RA 10h00m28.0s
 * (150.11610°), Dec +02°14′51″ (+2.24749°)", translated), or "" when ra or
 * dec is not finite.  Newly allocated. */
char *darkmap_format_sky_position (double ra_deg, double dec_deg);

G_END_DECLS
