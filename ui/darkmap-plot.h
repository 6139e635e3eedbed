/* The drawing the cairo plots share (the Power Spectrum, Statistics and
 * Training pages): white paper and dark ink whatever the theme, a frame
 * (the plot area inside the drawing's margins and the two axes' ranges),
 * linear axes of nice ticks and logarithmic axes of decades with their
 * tick labels, powers of ten and grid lines, curves traced through the
 * points that can be drawn, markers, filled bands, legends (a column in
 * the top right corner, or a box in the corner that hides the fewest
 * points), the pointer's cross-hair and the line of text above the plot
 * (the readout, or a note).  Each plot keeps its data, its series, their
 * colours and its readout's text.
 *
 * Positions are in pixels of the drawing, x to the right and y down; data
 * go right along the x axis and up along the y axis. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The opacity of a band's fill. */
#define DARKMAP_PLOT_BAND_ALPHA 0.25

/* Where a plot puts its parts (pixels). */
typedef struct
{
  double left, right, top, bottom; /* the margins around the plot area */
  double x_labels;                 /* the x ticks' labels: their middle this far below the plot */
  double x_title;                  /* the x axis' title: its baseline this far below the plot */
  double y_title;                  /* the y axis' title (turned): its baseline this far from the
                                    * drawing's left edge */
} DarkmapPlotLayout;

/* The margins of a page's plot (Power Spectrum, Statistics): room above
 * for the readout, on the left for powers of ten and the turned title. */
#define DARKMAP_PLOT_PAGE_MARGIN_LEFT 72.0
#define DARKMAP_PLOT_PAGE_MARGIN_RIGHT 16.0
#define DARKMAP_PLOT_PAGE_MARGIN_TOP 40.0
#define DARKMAP_PLOT_PAGE_MARGIN_BOTTOM 44.0

/* A page's plot: those margins, the x labels' middle 14 pixels below the
 * plot, the x title 36 below, the y title 16 from the left. */
extern const DarkmapPlotLayout darkmap_plot_page_layout;

/* An axis.  Linear: labelled ticks and grid lines at the multiples of step
 * inside [lo, hi], and ticks without label at the multiples of minor (0:
 * none); mark_zero draws the line at 0 darker.  Logarithmic (log): lo and
 * hi are log10 of the range's ends, whole numbers, with a labelled tick
 * and grid line at each power of ten and ticks at its multiples 2 to 9. */
typedef struct
{
  gboolean log;
  double lo, hi;
  double step, minor;
  gboolean mark_zero;
} DarkmapPlotAxis;

typedef struct
{
  const DarkmapPlotLayout *layout; /* borrowed */
  double x0, y0, x1, y1;           /* the plot area: left, top, right, bottom */
  DarkmapPlotAxis x, y;
} DarkmapPlotFrame;

/* The frame of a drawing of width × height with layout (kept), its axes
 * linear over [0, 1]; FALSE when the plot area would be under 24 pixels
 * wide or high. */
gboolean darkmap_plot_frame_init (DarkmapPlotFrame *frame, const DarkmapPlotLayout *layout,
                                  int width, int height);

/* Logarithmic over the powers of ten around [lo, hi] (> 0; both 1 when
 * lo <= hi does not hold), one decade at least. */
void darkmap_plot_axis_set_decades (DarkmapPlotAxis *axis, double lo, double hi);
/* Linear from the multiple of step below lo to the one above hi, step
 * darkmap_plot_nice_step (hi − lo, ticks); no minor ticks. */
void darkmap_plot_axis_set_ticks (DarkmapPlotAxis *axis, double lo, double hi, int ticks);
/* About ticks intervals over span (> 0): 1, 2 or 5 times a power of ten,
 * the nearest to span / ticks. */
double darkmap_plot_nice_step (double span, int ticks);

/* Whether the point (x, y) can be drawn: finite, and positive on a
 * logarithmic axis. */
gboolean darkmap_plot_drawable (const DarkmapPlotFrame *frame, double x, double y);
/* Between data (x, y), drawable, and a position (vx, vy). */
void darkmap_plot_to_view (const DarkmapPlotFrame *frame, double x, double y, double *vx,
                           double *vy);
void darkmap_plot_from_view (const DarkmapPlotFrame *frame, double vx, double vy, double *x,
                             double *y);
/* Whether (vx, vy) is inside the plot area, edges included. */
gboolean darkmap_plot_contains (const DarkmapPlotFrame *frame, double vx, double vy);

/* White paper over (0, 0, width, height) and the plots' font. */
void darkmap_plot_draw_paper (cairo_t *cr, int width, int height);
/* The source colour (RGB), line width and dash (on and off lengths; NULL:
 * a solid line) of the lines that follow. */
void darkmap_plot_set_pen (cairo_t *cr, const double colour[3], double width,
                           const double dash[2]);

/* Grid lines, ticks, their labels, the frame around the plot area and the
 * axes' titles. */
void darkmap_plot_draw_axes (cairo_t *cr, const DarkmapPlotFrame *frame, const char *x_title,
                             const char *y_title);

/* What a plot draws in its frame. */
typedef void (*DarkmapPlotDrawFunc) (gpointer plot, const DarkmapPlotFrame *frame, cairo_t *cr);

/* A whole plot into cr over (0, 0, width, height), cr's state kept: white
 * paper and, with a frame (NULL: none), the axes titled x_title and
 * y_title, then draw_data (plot, frame, cr) inside the plot area (the
 * curves) and draw_over (plot, frame, cr) anywhere (legends, readouts). */
void darkmap_plot_render (cairo_t *cr, int width, int height, const DarkmapPlotFrame *frame,
                          const char *x_title, const char *y_title, DarkmapPlotDrawFunc draw_data,
                          DarkmapPlotDrawFunc draw_over, gpointer plot);

/* Adds (x, y) to the path being traced: a line from the previous point
 * while the pen is down (*pen_down), else a move; a point that cannot be
 * drawn lifts the pen. */
void darkmap_plot_trace (cairo_t *cr, const DarkmapPlotFrame *frame, double x, double y,
                         gboolean *pen_down);
/* A line through the n points (x[i], y[i]), broken where one cannot be
 * drawn, in the current pen. */
void darkmap_plot_draw_line (cairo_t *cr, const DarkmapPlotFrame *frame, int n, const double *x,
                             const double *y);

/* How a point is marked, and the key of a legend entry: a line (dashed
 * with the entry's dash), a line through a round or a square marker, a
 * patch of a band's fill, or nothing (a note). */
typedef enum
{
  DARKMAP_PLOT_KEY_LINE,
  DARKMAP_PLOT_KEY_CIRCLE,
  DARKMAP_PLOT_KEY_SQUARE,
  DARKMAP_PLOT_KEY_BAND,
  DARKMAP_PLOT_KEY_NONE,
} DarkmapPlotKey;

/* A filled marker (DARKMAP_PLOT_KEY_CIRCLE or _SQUARE) centred on (vx, vy)
 * in the current source. */
void darkmap_plot_draw_marker (cairo_t *cr, DarkmapPlotKey marker, double vx, double vy);
/* The marker at each of the n points (x[i], y[i]) that can be drawn. */
void darkmap_plot_draw_markers (cairo_t *cr, const DarkmapPlotFrame *frame, DarkmapPlotKey marker,
                                int n, const double *x, const double *y);
/* A band in colour (RGB) at DARKMAP_PLOT_BAND_ALPHA between lo[i] and
 * hi[i] over x[i] (n points): one region per run of two points or more
 * that can be drawn, along the upper edge then back along the lower. */
void darkmap_plot_fill_band (cairo_t *cr, const DarkmapPlotFrame *frame, int n, const double *x,
                             const double *lo, const double *hi, const double colour[3]);

typedef struct
{
  const char *name;
  DarkmapPlotKey key;
  const double *colour; /* RGB; unused without a key */
  const double *dash;   /* a line key's on and off lengths; NULL: solid */
} DarkmapPlotEntry;

/* The n entries in a column from the plot's top right corner, names
 * aligned on the right, on the plot. */
void darkmap_plot_draw_legend (cairo_t *cr, const DarkmapPlotFrame *frame,
                               const DarkmapPlotEntry *entries, int n);

/* Calls func (x, y, data) for each point of the curves a plot draws, in
 * data units. */
typedef void (*DarkmapPlotPointFunc) (double x, double y, gpointer data);
typedef void (*DarkmapPlotForEachPoint) (gpointer plot, DarkmapPlotPointFunc func,
                                         gpointer data);

/* The n entries on a pale box in the corner of the plot area that hides
 * the fewest of the points for_each_point (plot, …) visits: top right,
 * top left, bottom right, bottom left in that order of preference. */
void darkmap_plot_draw_legend_box (cairo_t *cr, const DarkmapPlotFrame *frame,
                                   const DarkmapPlotEntry *entries, int n,
                                   DarkmapPlotForEachPoint for_each_point, gpointer plot);

/* The pointer at (vx, vy): dashed lines across the plot area through it,
 * and readout on the line above the plot. */
void darkmap_plot_draw_pointer (cairo_t *cr, const DarkmapPlotFrame *frame, double vx, double vy,
                                const char *readout);
/* text on the line above the plot, paler than a readout. */
void darkmap_plot_draw_note (cairo_t *cr, const DarkmapPlotFrame *frame, const char *text);

/* Where the pointer is over a widget. */
typedef struct
{
  gboolean in;
  double x, y;
} DarkmapPlotPointer;

/* Keeps pointer up to date (it must live as long as widget) and redraws
 * widget when it moves, comes or goes. */
void darkmap_plot_track_pointer (GtkWidget *widget, DarkmapPlotPointer *pointer);

/* A GtkWidgetClass.measure for a plot page: at least 240 × 180, 640 × 480
 * if it can. */
void darkmap_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                           int *minimum, int *natural, int *minimum_baseline,
                           int *natural_baseline);

G_END_DECLS
