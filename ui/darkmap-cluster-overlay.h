/* Drawing catalogued clusters over a map: a ring per cluster whose radius
 * grows with log mass, a dot at its position, and a label (name or id and
 * z) unless it would cover a heavier cluster's label; the selected cluster
 * is highlighted (a thicker orange ring) and always labelled.  Used by
 * DarkmapMapView's render, so screen, export and tests draw the same
 * markers.
 *
 * Rings are white, unless the clusters have significance across posterior
 * samples (darkmap_cluster_list_set_significance): then each ring takes the
 * colour of its peak fraction on a sequential scale of rising lightness,
 * slate grey-blue (0) through sea green (0.5) to yellow (1), distinct from
 * the grey and blue-white-red colour maps, and a key of that scale sits in
 * the map's lower left corner.  A cluster whose peak fraction is unknown
 * keeps a white ring.
 *
 * to_view maps zero-based map pixel coordinates to drawing coordinates. */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "darkmap-cluster.h"

G_BEGIN_DECLS

/* Ring radii in drawing pixels: the smallest and largest known masses of
 * the list get these; clusters of unknown mass get DARKMAP_MARKER_RADIUS_PLAIN. */
#define DARKMAP_MARKER_RADIUS_MIN 5.0
#define DARKMAP_MARKER_RADIUS_MAX 16.0
#define DARKMAP_MARKER_RADIUS_PLAIN 8.0

/* The ring colour of peak fraction f in [0, 1] (clamped), RGB in [0, 1]. */
void darkmap_cluster_overlay_peak_colour (double f, double rgb[3]);

/* The marker images made so far (an overlay draws markers as images on
 * pixel targets, as paths on PDF, PostScript and SVG ones). */
typedef struct _DarkmapClusterOverlay DarkmapClusterOverlay;

DarkmapClusterOverlay *darkmap_cluster_overlay_new (void);
void darkmap_cluster_overlay_free (DarkmapClusterOverlay *self);

/* The ring radius of cluster among clusters (log-mass scale). */
double darkmap_cluster_overlay_radius (GListModel *clusters, DarkmapCluster *cluster);

/* Draws every cluster of clusters that is on the map; selected may be NULL. */
void darkmap_cluster_overlay_draw (DarkmapClusterOverlay *self, cairo_t *cr,
                                   const cairo_matrix_t *to_view, GListModel *clusters,
                                   DarkmapCluster *selected);

/* The cluster whose marker holds drawing point (vx, vy) (the nearest when
 * several do), or NULL.  Not a new reference. */
DarkmapCluster *darkmap_cluster_overlay_hit (const cairo_matrix_t *to_view,
                                             GListModel *clusters, double vx, double vy);

G_END_DECLS
