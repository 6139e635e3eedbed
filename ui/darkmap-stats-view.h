/* DarkmapStatsView: one statistic of a map against the threshold nu (the
 * one-point PDF, peaks or minima per deg², or a Minkowski functional V0,
 * V1, V2; darkmap-stats-band.h gives the units), with the expectation for a
 * Gaussian field of the map's own sigma0, sigma1, sigma2 (dashed) and
 * optionally a posterior: the 16-84 % band of its samples' statistic and
 * the statistic of its mean map, and an emulator's: the 16-84 % band of
 * emulated maps (darkmap-universes-page.h), drawn while "show-emulator"
 * is TRUE (the default).  Hovering reads out (nu, value) under the
 * pointer and the nearest threshold's values; otherwise the line above the
 * plot gives the map's sigma0, numbers of peaks and minima and area.
 *
 * Layout of a drawing of width × height (pixels): the plot area spans
 * x in [DARKMAP_STATS_MARGIN_LEFT, width − DARKMAP_STATS_MARGIN_RIGHT] and
 * y in [DARKMAP_STATS_MARGIN_TOP, height − DARKMAP_STATS_MARGIN_BOTTOM];
 * nu grows linearly to the right over the thresholds' range and the value
 * linearly upwards over a range of whole ticks holding every curve drawn.
 * The legend takes the corner of the plot that hides the fewest points. */
#pragma once

#include <gtk/gtk.h>

#include <darkmap/map-statistics.h>
#include <darkmap/map.h>

#include "darkmap-plot.h"
#include "darkmap-stats-band.h"

G_BEGIN_DECLS

/* A page's plot (darkmap-plot.h). */
#define DARKMAP_STATS_MARGIN_LEFT DARKMAP_PLOT_PAGE_MARGIN_LEFT
#define DARKMAP_STATS_MARGIN_RIGHT DARKMAP_PLOT_PAGE_MARGIN_RIGHT
#define DARKMAP_STATS_MARGIN_TOP DARKMAP_PLOT_PAGE_MARGIN_TOP
#define DARKMAP_STATS_MARGIN_BOTTOM DARKMAP_PLOT_PAGE_MARGIN_BOTTOM

#define DARKMAP_TYPE_STATS_VIEW (darkmap_stats_view_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapStatsView, darkmap_stats_view, DARKMAP, STATS_VIEW, GtkWidget)

GtkWidget *darkmap_stats_view_new (void);

/* Measures plane plane of map inside mask (NULL: every pixel) with pixels
 * pixel_arcmin on a side (darkmap_stats_measure); label names it in the
 * legend (e.g. "Kaiser-Squires E mode").  map NULL clears the view.  The
 * posterior's band stays (its thresholds are the page's).  When the engine
 * cannot measure the map: FALSE with error set, and the view shows the
 * error's message in place of the plot. */
gboolean darkmap_stats_view_set_map (DarkmapStatsView *self, const DmMap *map, int plane,
                                     const DmMap *mask, double pixel_arcmin, const char *label,
                                     DmError **error);
/* The map's statistics, or NULL. */
const DmMapStats *darkmap_stats_view_get_stats (DarkmapStatsView *self);
/* The map's legend label, or NULL. */
const char *darkmap_stats_view_get_label (DarkmapStatsView *self);

/* Shows band (taken, even on failure; NULL removes the posterior) labelled
 * label (e.g. "Wiener filter").  FALSE with error set (the view unchanged)
 * when its thresholds are not the map's. */
gboolean darkmap_stats_view_set_band (DarkmapStatsView *self, DarkmapStatsBand *band,
                                      const char *label, DmError **error);
/* The band shown and its label, or NULL. */
const DarkmapStatsBand *darkmap_stats_view_get_band (DarkmapStatsView *self);
const char *darkmap_stats_view_get_band_label (DarkmapStatsView *self);

/* Shows the band of emulated maps (taken, even on failure; NULL removes
 * it) labelled label (the emulator's name).  FALSE with error set (the
 * view unchanged) when its thresholds are not the map's.  A map of other
 * thresholds removes it, as the posterior's. */
gboolean darkmap_stats_view_set_emulator_band (DarkmapStatsView *self, DarkmapStatsBand *band,
                                               const char *label, DmError **error);
/* The emulator's band and its label, or NULL. */
const DarkmapStatsBand *darkmap_stats_view_get_emulator_band (DarkmapStatsView *self);
const char *darkmap_stats_view_get_emulator_label (DarkmapStatsView *self);
/* Whether the emulator's band is drawn (also the "show-emulator"
 * property). */
void darkmap_stats_view_set_show_emulator (DarkmapStatsView *self, gboolean show);
gboolean darkmap_stats_view_get_show_emulator (DarkmapStatsView *self);

/* The statistic drawn (also the "kind" property, an int); DM_STAT_PDF at
 * first. */
void darkmap_stats_view_set_kind (DarkmapStatsView *self, DmStatKind kind);
DmStatKind darkmap_stats_view_get_kind (DarkmapStatsView *self);

/* The axis ranges in use; FALSE with nothing to draw. */
gboolean darkmap_stats_view_get_range (DarkmapStatsView *self, double *nu_lo, double *nu_hi,
                                       double *value_lo, double *value_hi);

/* Between (nu, value) and positions in a drawing of width × height; FALSE
 * with nothing to draw or for a size too small. */
gboolean darkmap_stats_view_data_to_view (DarkmapStatsView *self, int width, int height,
                                          double nu, double value, double *vx, double *vy);
gboolean darkmap_stats_view_view_to_data (DarkmapStatsView *self, int width, int height,
                                          double vx, double vy, double *nu, double *value);

/* The readout for pointer position (vx, vy) of a drawing of width × height
 * (what hovering shows), newly allocated; NULL outside the plot area. */
char *darkmap_stats_view_readout (DarkmapStatsView *self, int width, int height, double vx,
                                  double vy);

/* Draws the whole view into cr over (0, 0, width, height). */
void darkmap_stats_view_render (DarkmapStatsView *self, cairo_t *cr, int width, int height);

/* The statistic's name as the page and the readout write it ("V₁"). */
const char *darkmap_stats_kind_title (DmStatKind kind);

G_END_DECLS
