/* Colour maps, display stretches and colour bars for map views and figures.
 *
 * Everything here is display-only: a stretch maps a data value to a position
 * t in [0, 1] along a colour map, and the data themselves are never changed
 * (values beyond the limits take the end colours; the maps keep them). */
#pragma once

#include <stddef.h>

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  DARKMAP_COLORMAP_VIRIDIS,
  DARKMAP_COLORMAP_MAGMA,
  DARKMAP_COLORMAP_INFERNO,
  DARKMAP_COLORMAP_GREY,
  DARKMAP_COLORMAP_RDBU, /* diverging: blue (low), white (middle), red (high) */
} DarkmapColormap;

#define DARKMAP_COLORMAP_COUNT (DARKMAP_COLORMAP_RDBU + 1)

typedef enum {
  DARKMAP_STRETCH_LINEAR,
  DARKMAP_STRETCH_ASINH,
} DarkmapStretchKind;

/* ASINH: t follows asinh(v / softening) between the limits; softening is in
 * data units (> 0): linear well inside ±softening, logarithmic beyond.  The
 * stretch is odd in v, so symmetric limits keep zero at the middle colour. */
typedef struct {
  DarkmapStretchKind kind;
  double softening;
} DarkmapStretch;

/* Lower-case names ("viridis", "magma", "inferno", "grey", "rdbu") for
 * settings and files. */
const char *darkmap_colormap_name (DarkmapColormap cmap);
/* FALSE for an unknown name (cmap left unchanged). */
gboolean darkmap_colormap_from_name (const char *name, DarkmapColormap *cmap);

/* The 256-entry RGB table of a colour map. */
const guint8 (*darkmap_colormap_table (DarkmapColormap cmap))[3];

/* Colour at t in [0, 1] (clamped) as the nearest of the 256 entries. */
void darkmap_colormap_lookup (DarkmapColormap cmap, double t, guint8 rgb[3]);

/* Position t in [0, 1] of value v for limits lo < hi (clamped to [0, 1]);
 * NaN for a NaN value.  lo == hi gives 0.5 for every finite value. */
double darkmap_stretch_apply (const DarkmapStretch *stretch, double lo, double hi, double v);

/* Limits of n values, NaNs ignored: [min, max], or with symmetric
 * [−m, m] with m the largest |value|.  FALSE when no value is finite. */
gboolean darkmap_colormap_limits (const float *data, size_t n, gboolean symmetric,
                                  double *lo, double *hi);

/* Fills an ARGB32 buffer (cairo's native-endian, premultiplied layout) of
 * nx × ny pixels, rows `stride` bytes apart, from data[y * nx + x]: buffer
 * row y holds data row y.  NaN and infinite values come out transparent. */
void darkmap_colormap_render (DarkmapColormap cmap, const DarkmapStretch *stretch,
                              double lo, double hi, const float *data, int nx, int ny,
                              unsigned char *argb, int stride);

/* A round step (1, 2 or 5 × 10^k) giving about n_target intervals on span. */
double darkmap_nice_step (double span, int n_target);

/* Draws a vertical colour bar filling (x, y, width, height), low values at
 * the bottom, with a frame and tick labels to its right in the current
 * source colour of cr (ticks at round data values, placed by the stretch). */
void darkmap_colormap_draw_bar (cairo_t *cr, DarkmapColormap cmap,
                                const DarkmapStretch *stretch, double lo, double hi,
                                double x, double y, double width, double height);

G_END_DECLS
