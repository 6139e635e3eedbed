/* DarkmapUniversesPage: the window's Emulated Universes page.  A CosmoGAN
 * emulator (darkmap/cosmogan.h) draws a field of convergence maps,
 * universes with the statistics of the simulations it learnt from, shown
 * as a grid of thumbnails on one colour scale (darkmap-universes-grid.h).
 *
 * Above the grid: the emulator (the model list's CosmoGAN emulators, the
 * shipped one chosen first when there is one), how many maps (4, 9, 16 or
 * 25), the seed, Generate and New Universes (another seed, drawn at once).
 * The maps are drawn by a DarkmapEmulateJob on a worker thread, with a
 * progress bar and Cancel (a cancelled or failed run leaves the maps
 * shown).  Under the grid, a caption (the emulator, the maps' size in
 * pixels and arcmin, the pixel, the seed and the time they took) and Save…
 * (the cube of the maps shown, written by the engine: the mean, STD and
 * SAMPLES with WCS and provenance, atomically).  Clicking a thumbnail opens
 * that map large in a map view (RA/Dec grid, colour bar, zoom and pan; Back
 * returns).  Without any emulator, the page says how to get one.  The first
 * time the page is shown with an emulator and no maps, it draws them.
 *
 * Actions (the page's): universes.generate, universes.new-seed,
 * universes.save, universes.cancel, universes.back. */
#pragma once

#include <gtk/gtk.h>

#include <darkmap/cosmogan.h>

#include "darkmap-colormap.h"
#include "darkmap-universes-grid.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_UNIVERSES_PAGE (darkmap_universes_page_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapUniversesPage, darkmap_universes_page, DARKMAP, UNIVERSES_PAGE,
                      GtkBox)

/* Signals:
 *   "finished" (GError *error)  a run (Generate, New Universes or Save) ended:
 *                NULL on success, G_IO_ERROR_CANCELLED when cancelled.
 *   "maps-changed" ()  new maps are shown.
 * Property "generating" (boolean, read-only): a run is going on. */
GtkWidget *darkmap_universes_page_new (void);

/* Whether an emulator is listed. */
gboolean darkmap_universes_page_has_model (DarkmapUniversesPage *self);
/* Chooses the listed emulator of path; FALSE when none is. */
gboolean darkmap_universes_page_select_model (DarkmapUniversesPage *self, const char *path);
/* The chosen emulator's file, or NULL. */
const char *darkmap_universes_page_get_model_path (DarkmapUniversesPage *self);

/* The number of maps: one of 4, 9, 16, 25 (others are refused). */
void darkmap_universes_page_set_n_maps (DarkmapUniversesPage *self, int n);
int darkmap_universes_page_get_n_maps (DarkmapUniversesPage *self);
void darkmap_universes_page_set_seed (DarkmapUniversesPage *self, guint64 seed);
guint64 darkmap_universes_page_get_seed (DarkmapUniversesPage *self);

/* What Generate runs now: dm_cosmogan_generate_request_init, then the
 * emulator, the number of maps and the seed, the maps kept, no file.  Its
 * strings belong to the page and live until the emulator changes.  FALSE
 * without an emulator. */
gboolean darkmap_universes_page_get_request (DarkmapUniversesPage *self,
                                             DmCosmoganGenerateRequest *request);

/* Starts drawing the maps of the current request (Generate); FALSE (nothing
 * started) without an emulator or while a run goes on. */
gboolean darkmap_universes_page_generate (DarkmapUniversesPage *self);
/* Draws a new seed and generates (New Universes). */
gboolean darkmap_universes_page_new_universes (DarkmapUniversesPage *self);
/* Writes the cube of the maps shown (their emulator, number and seed) to
 * path on a worker; FALSE (nothing started) without maps or while a run
 * goes on. */
gboolean darkmap_universes_page_save (DarkmapUniversesPage *self, const char *path);
/* Stops the run going on, if any. */
void darkmap_universes_page_cancel (DarkmapUniversesPage *self);
gboolean darkmap_universes_page_is_generating (DarkmapUniversesPage *self);

/* The maps shown (one plane each, with the emulator's WCS and provenance),
 * or NULL; their pixel side in arcmin (0 without maps) and their
 * emulator's name ("cosmogan-cosmos"; NULL without maps). */
const DmMap *darkmap_universes_page_get_maps (DarkmapUniversesPage *self);
double darkmap_universes_page_get_pixel_arcmin (DarkmapUniversesPage *self);
const char *darkmap_universes_page_get_maps_name (DarkmapUniversesPage *self);
/* The caption under the grid. */
const char *darkmap_universes_page_get_caption (DarkmapUniversesPage *self);

/* Map k shown large (what clicking its thumbnail does), or the grid again
 * for −1; the map shown large, or −1. */
void darkmap_universes_page_show_map (DarkmapUniversesPage *self, int k);
int darkmap_universes_page_get_shown_map (DarkmapUniversesPage *self);

/* The colour map of the grid and the large view. */
void darkmap_universes_page_set_colormap (DarkmapUniversesPage *self, DarkmapColormap cmap);

/* The grid (a DarkmapUniversesGrid) and the large view (a DarkmapMapView). */
DarkmapUniversesGrid *darkmap_universes_page_get_grid (DarkmapUniversesPage *self);
GtkWidget *darkmap_universes_page_get_map_view (DarkmapUniversesPage *self);

G_END_DECLS
