/* DarkmapWindow: the main window.  Opens a shear catalogue, runs a
 * DarkmapJob on it and shows the convergence (kappa E) map and its power
 * spectrum (two pages of a stack); a failed or cancelled job leaves the map
 * shown before it.  A cluster table (CSV or FITS) is drawn over the map and
 * listed in a side panel; a table that cannot be read leaves the one shown.
 *
 * Actions: win.open (through the catalogue dialog), win.open-recent (a
 * URI), win.open-clusters, win.show-clusters (toggles the overlay), win.page
 * ("map" or "spectrum"), win.export-view (PNG, SVG or PDF by the name's
 * extension), win.export-fits (the kappa E map), win.cancel (enabled while a
 * job runs), win.preferences, win.layer (what the map shows: "kappa-e",
 * "kappa-b", "shear" (sticks over the E mode), "counts" or "noise" (the std
 * of g1)), win.show-contours (contours of the smoothed E mode at 2, 3 and
 * 4 standard deviations inside the mask).
 *
 * The smoothing scale (0 to 10 pixels) smooths the unsmoothed KS maps
 * again on a worker thread (DarkmapSmoother); the map, contours, spectrum
 * page and FITS export follow it.  The status bar reads out the sky
 * position, pixel and value under the pointer. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-catalog-dialog.h"
#include "darkmap-job.h"
#include "darkmap-posterior-result.h"

#include <darkmap/cluster-significance.h>
#include <darkmap/reconstruct.h>
#include <darkmap/train.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_WINDOW (darkmap_window_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapWindow, darkmap_window, DARKMAP, WINDOW, GtkApplicationWindow)

DarkmapWindow *darkmap_window_new (GtkApplication *application);

/* An error dialog over the window: headline, then detail. */
void darkmap_window_show_error (DarkmapWindow *self, const char *headline, const char *detail);

/* Starts a job on file with settings (columns, grid).  A job already
 * running is cancelled.  When the job ends, "job-finished" is emitted with
 * NULL or the GError; an error other than a cancellation is also shown in a
 * dialog, and the map shown before stays. */
void darkmap_window_open_catalogue (DarkmapWindow *self, GFile *file,
                                    const DarkmapJobSettings *settings);

/* The same with the preferences' grid and the engine's column detection
 * (the demo field, files given on the command line). */
void darkmap_window_open_file (DarkmapWindow *self, GFile *file);

/* What win.open, win.open-recent and a file dropped on the window do: shows
 * the catalogue dialog for file (its tables, columns and grid); accepting it
 * opens the catalogue.  A file that is not a readable FITS file with a table
 * gets an error dialog instead (NULL returned) and the open field stays. */
DarkmapCatalogDialog *darkmap_window_choose_columns (DarkmapWindow *self, GFile *file);
/* Reads a cluster table (what win.open-clusters does once a file is chosen)
 * and shows it over the map and in the panel.  On failure the error is
 * shown in a dialog and returned; the table shown before stays. */
gboolean darkmap_window_open_clusters (DarkmapWindow *self, GFile *file, GError **error);

/* Reads a mask (a FITS image on the map's grid, darkmap/mask.h) for the
 * map shown and shows the map, its spectrum and contours with it (what
 * win.open-mask does once a file is chosen).  On failure (no map yet, not
 * FITS, another size or sky grid) the error is shown in a dialog and
 * returned; the mask shown before stays. */
gboolean darkmap_window_open_mask (DarkmapWindow *self, GFile *file, GError **error);

/* Opens the bundled COSMOS field and its X-ray cluster table (what the
 * application does on its first start without a file). */
void darkmap_window_open_demo (DarkmapWindow *self);

/* Starts the demo field's job at once (darkmap_job_prefetch), on the
 * preferences' grid, before a window is built: the first window's
 * darkmap_window_open_demo takes its result.  Nothing without the demo. */
void darkmap_window_prefetch_demo (void);

/* Opens the field opened last as it was: its catalogue with the settings
 * (grid, table, columns) it was opened with and the cluster table then
 * shown, remembered in GSettings' "last-field" each time a field opens;
 * on a first start, or without the schema, the demo field.  A last
 * catalogue that is gone or no longer reads is named in a notice over the
 * window (no dialog) and the demo field opened instead.  What the
 * application does when started without a file. */
void darkmap_window_open_last_field (DarkmapWindow *self);
/* The notice shown over the window (a field that could not be reopened),
 * or NULL when none shows. */
const char *darkmap_window_get_notice (DarkmapWindow *self);

/* The clusters shown (a GListModel of DarkmapCluster, in the table's
 * order), or NULL without a table. */
GListModel *darkmap_window_get_clusters (DarkmapWindow *self);

gboolean darkmap_window_is_busy (DarkmapWindow *self);
/* The result shown, or NULL before the first successful job. */
const DarkmapResult *darkmap_window_get_result (DarkmapWindow *self);
/* Writes the view as PNG, SVG or PDF (by path's extension) with its colour
 * bar, axes and overlays, width points wide (0: as shown on screen) with the
 * view's shape, PNG at dpi pixels per inch (what win.export-view does with
 * the dialog's choices). */
gboolean darkmap_window_export_view (DarkmapWindow *self, const char *path, int width, double dpi,
                                     GError **error);
/* The same as win.export-view does it once the file is chosen: a PNG's
 * drawing recorded now, the image rasterised and written on a worker (an
 * SVG or PDF written now); callback gets darkmap_window_export_view_finish's
 * result. */
void darkmap_window_export_view_async (DarkmapWindow *self, const char *path, int width,
                                       double dpi, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean darkmap_window_export_view_finish (DarkmapWindow *self, GAsyncResult *result,
                                            GError **error);

/* Writes the kappa E map shown, with its WCS and metadata, as a FITS image
 * (what win.export-fits does once a file is chosen); FALSE before the first
 * successful job or when the engine cannot write it. */
gboolean darkmap_window_export_fits (DarkmapWindow *self, const char *path, GError **error);

/* Writes the kappa E map shown on HEALPix pixels (darkmap/healpix.h: the
 * finest NSIDE no coarser than its pixels, RING), those over pixels with
 * galaxies, as a partial-sky FITS table (what win.export-healpix does once
 * a file is chosen); FALSE as darkmap_window_export_fits. */
gboolean darkmap_window_export_healpix (DarkmapWindow *self, const char *path, GError **error);

/* The widget drawing the map (a DarkmapMapView), the spectrum (a
 * DarkmapSpectrumView) and the cluster list (a DarkmapClusterPanel). */
GtkWidget *darkmap_window_get_map_widget (DarkmapWindow *self);
GtkWidget *darkmap_window_get_spectrum_widget (DarkmapWindow *self);
GtkWidget *darkmap_window_get_cluster_panel (DarkmapWindow *self);
/* The smoothing GtkScale and the GtkLabel of the pointer readout. */
GtkWidget *darkmap_window_get_smoothing_scale (DarkmapWindow *self);
GtkWidget *darkmap_window_get_cursor_label (DarkmapWindow *self);
/* The popover of the display stretch and limits (a DarkmapDisplayPopover). */
GtkWidget *darkmap_window_get_display_popover (DarkmapWindow *self);
/* The welcome page shown over the map area while there is no map. */
GtkWidget *darkmap_window_get_welcome (DarkmapWindow *self);
/* TRUE while a smoothing asked for by the scale runs or waits, or the
 * clusters' kappa waits to follow it. */
gboolean darkmap_window_is_smoothing (DarkmapWindow *self);

/* ---- Posteriors (darkmap-window-posteriors.c) ----
 * Each posterior of the field shown (a DarkmapPosteriorResult) is kept in a
 * list; the selected one is shown by the layers "mean", "std",
 * "significance" (mean/std) and "sample" (with the flip-book player), on
 * the spectrum page (the samples' 16-84 % band and the mean's C_ell) and by
 * the clusters (their significance across the samples).  A new field
 * empties the list and cancels a reconstruction still running.  Actions:
 * win.reconstruct (the Reconstruct dialog), win.save-posterior,
 * win.remove-result, win.export-animation (animated WebP of the samples),
 * win.export-significance (CSV), win.presentation (full screen, the map
 * alone). */

/* Runs request (its theory NULL: the shipped κTNG table) on the field shown
 * in a worker job; "reconstruct-finished" (GError or NULL) is emitted when
 * it ends, the new result then listed and shown.  FALSE with error (and
 * nothing started) when a field is missing, work runs or the request is
 * refused by the engine's check (another grid, a missing model...). */
gboolean darkmap_window_reconstruct (DarkmapWindow *self, const DmReconstructRequest *request,
                                     GError **error);
/* Reads a posterior file (darkmap-cli's or the window's) of the field's
 * grid, lists it and shows it; on failure the error is shown in a dialog
 * and returned, and nothing changes. */
gboolean darkmap_window_open_posterior (DarkmapWindow *self, GFile *file, GError **error);
/* Writes the selected posterior as a posterior file, atomically. */
gboolean darkmap_window_save_posterior (DarkmapWindow *self, const char *path, GError **error);
/* The same as win.save-posterior does it once the file is chosen: the
 * posterior selected now written on a worker (the window goes on, and may
 * select another); callback gets darkmap_window_save_posterior_finish's
 * result, which marks the posterior written as saved. */
void darkmap_window_save_posterior_async (DarkmapWindow *self, const char *path,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean darkmap_window_save_posterior_finish (DarkmapWindow *self, GAsyncResult *result,
                                               GError **error);
/* The samples of the selected posterior as an animated WebP, on the Sample
 * layer's fixed limits, colour map and stretch, at the player's rate. */
gboolean darkmap_window_export_animation (DarkmapWindow *self, const char *path, GError **error);
/* The clusters' significance as CSV (or FITS by the name). */
gboolean darkmap_window_export_significance (DarkmapWindow *self, const char *path,
                                             GError **error);
/* The list (of DarkmapPosteriorResult), the selected one (or NULL), and
 * selecting one of the list. */
GListModel *darkmap_window_get_posteriors (DarkmapWindow *self);
DarkmapPosteriorResult *darkmap_window_get_posterior (DarkmapWindow *self);
void darkmap_window_select_posterior (DarkmapWindow *self, DarkmapPosteriorResult *result);
/* The clusters' significance in the selected posterior, or NULL. */
const DmClusterSignificance *darkmap_window_get_significance (DarkmapWindow *self);
/* The flip-book player (a DarkmapSamplePlayer) and the Reconstruct dialog
 * (NULL until first opened). */
GtkWidget *darkmap_window_get_sample_player (DarkmapWindow *self);
GtkWindow *darkmap_window_get_reconstruct_dialog (DarkmapWindow *self);
gboolean darkmap_window_is_presenting (DarkmapWindow *self);

/* ---- Training (darkmap-window-training.c) ----
 * win.train (the Train dialog) starts one training at a time on a worker
 * job; the Training page (win.page "training") shows its dashboard while
 * the other pages stay usable, and the header bar its progress.  Closing
 * the window during a training asks to stop it, its finished steps saved
 * in its checkpoint, or to keep the window open (so do a reconstruction
 * running and an unsaved result: see darkmap-window-close.c). */

/* Runs request (its theory_path NULL: the shipped κTNG table; for MMGAN
 * its catalog_path NULL: the open field's catalogue and grid; theory and
 * catalog are read by the job) in a worker job, shown on the Training page;
 * "training-finished" (GError or NULL) is emitted when it ends.  FALSE with
 * error (nothing started) when a training runs or the engine's check
 * refuses the request.  What the Train dialog does, with any sizes. */
gboolean darkmap_window_start_training (DarkmapWindow *self, const DmTrainRequest *request,
                                        GError **error);
/* Resumes the unfinished training of a checkpoint: its request read back
 * (dm_train_checkpoint_read), the theory table and (MMGAN) the catalogue
 * read again from their recorded paths.  FALSE with error when the
 * checkpoint cannot be read, a recorded file is missing, or as above. */
gboolean darkmap_window_resume_training (DarkmapWindow *self, const char *checkpoint_path,
                                         GError **error);
gboolean darkmap_window_is_training (DarkmapWindow *self);
/* The dashboard (a DarkmapTrainDashboard) and the Train dialog (NULL until
 * first opened). */
GtkWidget *darkmap_window_get_train_dashboard (DarkmapWindow *self);
GtkWindow *darkmap_window_get_train_dialog (DarkmapWindow *self);

/* ---- Statistics (darkmap-window-statistics.c) ----
 * The Statistics page (win.page "statistics", a DarkmapStatsPage) draws the
 * one-point PDF, peaks, minima and Minkowski functionals V0, V1, V2 of the
 * layer the map shows (the Sample layer: the sample shown) inside the
 * field's mask against nu, with a Gaussian field's, and the 16-84 % band of
 * the selected posterior's samples with its mean map's statistics
 * (darkmap-stats-band.h), measured on a worker thread and cancelled when the
 * selection changes.  The layer is measured while the page shows, and when
 * it comes.  win.export-statistics writes the page as CSV. */

/* The Statistics page (a DarkmapStatsPage). */
GtkWidget *darkmap_window_get_stats_page (DarkmapWindow *self);
/* Writes the page's statistics (the layer shown, measured now if the page
 * has not shown it yet, and the band when it has been measured) as CSV
 * (darkmap-stats-csv.h); what win.export-statistics does once a file is
 * chosen.  FALSE without statistics or when the file cannot be written. */
gboolean darkmap_window_export_statistics (DarkmapWindow *self, const char *path,
                                           GError **error);

/* ---- Emulated Universes (darkmap-window-universes.c) ----
 * The Emulated Universes page (win.page "universes", a
 * DarkmapUniversesPage): a CosmoGAN emulator's maps as a grid of
 * thumbnails; Esc (win.cancel) stops their drawing.  Its maps are the
 * Statistics page's emulator band when their pixel scale is the map's. */

/* The page, made now if it has not shown yet (not owned). */
GtkWidget *darkmap_window_get_universes_page (DarkmapWindow *self);
/* Shows the page; with model_path (a listed CosmoGAN emulator), chooses it
 * and draws its universes. */
void darkmap_window_show_universes (DarkmapWindow *self, const char *model_path);

/* Renders a mapped widget as it is drawn now (its snapshot through its
 * window's renderer); NULL when it has no size yet. */
GdkTexture *darkmap_widget_render (GtkWidget *widget);

G_END_DECLS
