/* Sexagesimal labels for RA/Dec grid lines, as precise as the grid step
 * needs: RA in hours, minutes, seconds of time ("10h02m30s"), Dec in
 * degrees, arcminutes, arcseconds ("+2°12′30″"); and the grid steps that
 * fall on round sexagesimal values. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The RA grid step (degrees) for a span of span_deg: the first round time
 * interval (1 s … 6 h) of at least span / 4. */
double darkmap_sexagesimal_ra_step (double span_deg);
/* The Dec grid step (degrees): the first round angle (1″ … 10°) of at least
 * span / 4. */
double darkmap_sexagesimal_dec_step (double span_deg);

/* Labels of a grid line at ra_deg / dec_deg drawn every step_deg (the
 * units below the step are left out; tenths of a second below 1 s). */
char *darkmap_sexagesimal_ra_label (double ra_deg, double step_deg);
char *darkmap_sexagesimal_dec_label (double dec_deg, double step_deg);

G_END_DECLS
