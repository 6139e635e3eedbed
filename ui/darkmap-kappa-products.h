/* DarkmapKappaProducts: what the window draws from a smoothed kappa E map
 * besides the map itself, made on the worker thread that made the map (a
 * field's job, a smoothing) so that showing it costs the main loop no
 * measuring: the map's power spectrum inside the field's mask (the
 * spectrum page's, darkmap_spectrum_options_init) and its contours at
 * DARKMAP_CONTOUR_SIGMAS standard deviations of the map inside the mask. */
#pragma once

#include <glib.h>

#include <darkmap/map.h>
#include <darkmap/pspec.h>

#include "darkmap-contours.h"

G_BEGIN_DECLS

/* The contour levels, in standard deviations of the map inside the mask. */
#define DARKMAP_CONTOUR_SIGMAS { 2.0, 3.0, 4.0 }

typedef struct {
  DmPowerSpectrum *spectrum;  /* owned */
  DarkmapContours *contours;  /* owned; NULL for a map flat inside the mask */
} DarkmapKappaProducts;

/* The contours of plane 0 of kappa_e at DARKMAP_CONTOUR_SIGMAS inside mask
 * (NULL: every finite pixel); NULL for a flat map. */
DarkmapContours *darkmap_kappa_contours_new (const DmMap *kappa_e, const DmMap *mask);

/* Both products of kappa_e inside mask (NULL: the whole map; the map's
 * size); NULL with error set when the engine cannot measure the spectrum.
 * Their user may take either (setting it NULL) before freeing the rest. */
DarkmapKappaProducts *darkmap_kappa_products_new (const DmMap *kappa_e, const DmMap *mask,
                                                  DmError **error);
void darkmap_kappa_products_free (DarkmapKappaProducts *products);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DarkmapKappaProducts, darkmap_kappa_products_free)

G_END_DECLS
