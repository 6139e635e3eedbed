/* DarkmapSmoother: the Kaiser-Squires E and B maps smoothed again at another
 * sigma, from the unsmoothed maps, on a worker thread (the engine's
 * darkmap/smooth.h Gaussian), with the E map's spectrum and contours inside
 * the field's mask (darkmap-kappa-products.h), so that a slider can follow
 * the pointer.
 *
 * Requests are coalesced: while one smoothing runs, a new request only
 * replaces the pending sigma, which starts when the running one ends.  Each
 * finished smoothing emits "smoothed" (double sigma) on the main context
 * that made the request; the handler takes the maps and products with
 * darkmap_smoother_take_maps (the next result frees those left). */
#pragma once

#include <gio/gio.h>

#include "darkmap/error.h"
#include "darkmap/map.h"

#include "darkmap-kappa-products.h"

G_BEGIN_DECLS

/* A copy of raw (plane 0) smoothed by sigma pixels (0: none) with the card
 * KSSMOOTH = sigma, as dm_ks_shear_to_kappa writes it; NULL with error set. */
DmMap *darkmap_smooth_map (const DmMap *raw, double sigma, DmError **error);

#define DARKMAP_TYPE_SMOOTHER (darkmap_smoother_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapSmoother, darkmap_smoother, DARKMAP, SMOOTHER, GObject)

/* kappa_e_raw and kappa_b_raw: unsmoothed maps of one size, mask: the
 * field's mask (that size, or NULL; all copied).  NULL with error set when
 * they cannot be copied. */
DarkmapSmoother *darkmap_smoother_new (const DmMap *kappa_e_raw, const DmMap *kappa_b_raw,
                                       const DmMap *mask, DmError **error);
/* Smooths by sigma >= 0 pixels, now or after the running smoothing. */
void darkmap_smoother_request (DarkmapSmoother *self, double sigma);
/* TRUE while a smoothing runs or waits. */
gboolean darkmap_smoother_is_busy (DarkmapSmoother *self);
/* The latest finished maps and the E map's products (ownership to the
 * caller): FALSE with error set when that smoothing failed, FALSE and NULL
 * maps (error untouched) when they were taken already. */
gboolean darkmap_smoother_take_maps (DarkmapSmoother *self, DmMap **kappa_e, DmMap **kappa_b,
                                     DarkmapKappaProducts **products, GError **error);

G_END_DECLS
