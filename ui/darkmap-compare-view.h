/* DarkmapCompareView: two posteriors side by side, locked together as DS9
 * locks frames.  Each side has a DarkmapMapView under a drop-down choosing
 * one of a GListModel of DarkmapPosteriorResult and a label with the
 * result's summary; one layer choice (Mean, Std, S/N) serves both.
 *
 * Locked: zooming or panning either view gives the other the same zoom and
 * the same map pixel at its centre; both use the same colour limits (by
 * default those of the left map's layer, see darkmap_compare_view_set_limits);
 * the pointer over either view draws a cross hair at the same map pixel on
 * both.  The lock is by pixel, which is the same sky position when the two
 * results share the field's grid, as the results of one field do.
 *
 * Blink: one view at a time, the left and the right alternating every
 * "blink interval" ms (a spin button, 500 ms by default); as the views are
 * locked, the view state is the same in both.  B toggles it. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-map-view.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_COMPARE_VIEW (darkmap_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapCompareView, darkmap_compare_view, DARKMAP, COMPARE_VIEW, GtkBox)

typedef enum
{
  DARKMAP_COMPARE_LEFT,
  DARKMAP_COMPARE_RIGHT,
} DarkmapCompareSide;

/* The layer both views show, in the order of the layer drop-down. */
typedef enum
{
  DARKMAP_COMPARE_MEAN,
  DARKMAP_COMPARE_STD,
  DARKMAP_COMPARE_SIGNIFICANCE, /* mean / std */
} DarkmapCompareLayer;

GtkWidget *darkmap_compare_view_new (void);

/* results: a GListModel of DarkmapPosteriorResult (a reference is kept;
 * NULL empties both sides).  The left side shows item 0 and the right
 * item 1 (item 0 when there is only one); the drop-downs follow the model
 * as it changes. */
void darkmap_compare_view_set_results (DarkmapCompareView *self, GListModel *results);

/* The result shown on a side, by its position in the model
 * (GTK_INVALID_LIST_POSITION: none). */
void darkmap_compare_view_set_selected (DarkmapCompareView *self, DarkmapCompareSide side,
                                        guint position);
guint darkmap_compare_view_get_selected (DarkmapCompareView *self, DarkmapCompareSide side);

void darkmap_compare_view_set_layer (DarkmapCompareView *self, DarkmapCompareLayer layer);
DarkmapCompareLayer darkmap_compare_view_get_layer (DarkmapCompareView *self);

/* Colour limits for both views (lo < hi), kept until the left result or
 * the layer changes; then they are the left map's again: symmetric about
 * zero (±max |value|) for Mean and S/N, [min, max] for Std.  FALSE when
 * neither side shows a map. */
void darkmap_compare_view_set_limits (DarkmapCompareView *self, double lo, double hi);
gboolean darkmap_compare_view_get_limits (DarkmapCompareView *self, double *lo, double *hi);

/* The map view of a side (not a new reference). */
DarkmapMapView *darkmap_compare_view_get_map_view (DarkmapCompareView *self,
                                                   DarkmapCompareSide side);

/* Blinking (the Blink toggle), every interval_ms (clamped to the spin's
 * range, 100 to 5000 ms). */
void darkmap_compare_view_set_blink (DarkmapCompareView *self, gboolean blink);
gboolean darkmap_compare_view_get_blink (DarkmapCompareView *self);
void darkmap_compare_view_set_blink_interval (DarkmapCompareView *self, guint interval_ms);
guint darkmap_compare_view_get_blink_interval (DarkmapCompareView *self);
/* The side on screen while blinking; DARKMAP_COMPARE_LEFT otherwise. */
DarkmapCompareSide darkmap_compare_view_get_shown_side (DarkmapCompareView *self);

G_END_DECLS
