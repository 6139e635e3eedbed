/* DarkmapWindow, the bands its pages measure on a worker thread: the
 * 16–84 % band of a statistic over a set of maps (the posterior's samples,
 * the emulated maps), a DarkmapSpectrumBand or a DarkmapStatsBand,
 * measured at low priority (darkmap_job_lower_thread_priority) on the
 * task's own references and copies, and handed back only while it is
 * still wanted; a failure is said in an error dialog.  For the files that
 * make up the window. */
#pragma once

#include "darkmap-window.h"

#include <darkmap/error.h>
#include <darkmap/map.h>

G_BEGIN_DECLS

/* Measures the band of maps (K planes) and of mean (1 plane; NULL: none)
 * inside mask (NULL: every pixel) with pixels pixel_arcmin on a side,
 * stopping when cancellable is cancelled where it can; NULL with error set
 * on failure. */
typedef gpointer (*DarkmapBandMeasure) (const DmMap *maps, const DmMap *mean, const DmMap *mask,
                                        double pixel_arcmin, GCancellable *cancellable,
                                        DmError **error);

/* Called when the measurement of *current ended and its band is still
 * wanted: band (the callee's), or NULL when it could not be measured. */
typedef void (*DarkmapBandReady) (DarkmapWindow *self, gpointer band);

/* Stops the measurement of *current (NULL: none) and clears it. */
void darkmap_window_stop_band (GCancellable **current);

/* Stops the measurement of *current and starts one of maps and mean
 * (NULL: none) inside a copy of mask (NULL: none) with measure, *current
 * its new cancellable.  owner: an object holding maps and mean, referenced
 * while it runs; NULL: the worker measures copies of them.  Then, unless
 * its cancellable was cancelled or is no longer *current, *current is
 * cleared, a failure is said under the headline failure, and ready is
 * called; band_free frees a band not wanted.  FALSE (nothing run) when a
 * copy cannot be made. */
gboolean darkmap_window_measure_band (DarkmapWindow *self, GCancellable **current,
                                      GObject *owner, const DmMap *maps, const DmMap *mean,
                                      const DmMap *mask, double pixel_arcmin,
                                      DarkmapBandMeasure measure, GDestroyNotify band_free,
                                      const char *failure, DarkmapBandReady ready);

G_END_DECLS
