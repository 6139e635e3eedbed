/* DarkmapPosteriorResult: one posterior shown in the window's result list,
 * from a reconstruction run in the window or a posterior file opened: the
 * engine's DmPosterior (mean, std, samples, mean/std) with what the list
 * shows of it (the method, the model, the samples, the device and the time
 * taken).  Immutable once made. */
#pragma once

#include <gio/gio.h>

#include "darkmap/posterior.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_POSTERIOR_RESULT (darkmap_posterior_result_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapPosteriorResult, darkmap_posterior_result, DARKMAP,
                      POSTERIOR_RESULT, GObject)

/* Takes posterior.  model (a weights file), device and source (a file read,
 * or NULL for a run in the window) may be NULL; seconds < 0 when unknown.
 * The method is read from the mean's METHOD card. */
DarkmapPosteriorResult *darkmap_posterior_result_new (DmPosterior *posterior, const char *model,
                                                      const char *device, double seconds,
                                                      const char *source);

/* Reads a posterior file written by darkmap-cli or the window (FALSE/NULL
 * with the engine's message otherwise). */
DarkmapPosteriorResult *darkmap_posterior_result_read (const char *path, GError **error);

/* Whether path is a FITS file with the extensions of a posterior file
 * (STD or SAMPLES): what tells it from a catalogue when opening. */
gboolean darkmap_posterior_result_probe (const char *path);

const DmPosterior *darkmap_posterior_result_get_posterior (DarkmapPosteriorResult *self);
/* Samples held (0: the mean only). */
int darkmap_posterior_result_get_n_samples (DarkmapPosteriorResult *self);
/* The method in words ("Wiener filter"), translated. */
const char *darkmap_posterior_result_get_title (DarkmapPosteriorResult *self);
/* "mmgan-cosmos · 64 samples · calibrated ×0.91 · cuda: NVIDIA H100 · 2.1 s",
 * translated ("calibrated": the mean's header has CALIB, the factor a
 * learned model's calibration scaled the samples' spread by). */
const char *darkmap_posterior_result_get_summary (DarkmapPosteriorResult *self);
/* The file read, or NULL. */
const char *darkmap_posterior_result_get_source (DarkmapPosteriorResult *self);

G_END_DECLS
