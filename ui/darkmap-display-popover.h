/* DarkmapDisplayPopover: the display stretch (linear or asinh) and limits
 * of a map view, edited from a popover of the header bar.  Display only:
 * the science data are never changed. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-map-view.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_DISPLAY_POPOVER (darkmap_display_popover_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapDisplayPopover, darkmap_display_popover, DARKMAP, DISPLAY_POPOVER,
                      GtkPopover)

/* A popover editing view (borrowed; it must outlive the popover).  Its
 * fields show the view's stretch and limits each time it opens.
 * "reset-limits" is emitted when the user asks for the automatic limits:
 * the owner applies its own rule for the layer shown. */
DarkmapDisplayPopover *darkmap_display_popover_new (DarkmapMapView *view);

/* Reads the view's stretch and limits into the fields. */
void darkmap_display_popover_refresh (DarkmapDisplayPopover *self);

/* The fields (for tests). */
GtkDropDown *darkmap_display_popover_get_stretch_chooser (DarkmapDisplayPopover *self);
GtkSpinButton *darkmap_display_popover_get_low_spin (DarkmapDisplayPopover *self);
GtkSpinButton *darkmap_display_popover_get_high_spin (DarkmapDisplayPopover *self);

G_END_DECLS
