/* DarkmapWindow's state, shared by the files that make up the window:
 * darkmap-window.c (the field: catalogue, KS maps, layers, clusters,
 * exports), darkmap-window-close.c (closing without losing work),
 * darkmap-window-last-field.c (the field reopened at the next start),
 * darkmap-window-posteriors.c (the posteriors: Reconstruct,
 * the result list, posterior layers and samples, posterior files, cluster
 * significance, the flip-book animation) and darkmap-window-training.c
 * (Train, the training job and its dashboard).  Not for other files. */
#pragma once

#include "darkmap-window.h"

#include "darkmap-cluster-panel.h"
#include "darkmap-compare-view.h"
#include "darkmap-map-view.h"
#include "darkmap-posterior-result.h"
#include "darkmap-reconstruct-dialog.h"
#include "darkmap-reconstruct-job.h"
#include "darkmap-results-panel.h"
#include "darkmap-sample-player.h"
#include "darkmap-smoother.h"
#include "darkmap-spectrum-view.h"
#include "darkmap-stats-page.h"
#include "darkmap-train-dashboard.h"
#include "darkmap-train-dialog.h"
#include "darkmap-train-job.h"
#include "darkmap-universes-page.h"

#include <darkmap/cluster-significance.h>
#include <darkmap/cluster-table.h>
#include <darkmap/theory.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DmMap, dm_map_free)

typedef enum
{
  LAYER_KAPPA_E,
  LAYER_KAPPA_B,
  LAYER_SHEAR,
  LAYER_COUNTS,
  LAYER_NOISE,
  /* The selected posterior's. */
  LAYER_MEAN,
  LAYER_STD,
  LAYER_SIGNIFICANCE,
  LAYER_SAMPLE,
  N_LAYERS
} Layer;

#define LAYER_IS_POSTERIOR(layer) ((layer) >= LAYER_MEAN)

struct _DarkmapWindow
{
  GtkApplicationWindow parent_instance;

  /* The window's parts, each a composite template of its own. */
  GtkWidget *map_page;          /* DarkmapMapPage */
  GtkWidget *toolbar;           /* DarkmapMapToolbar: layers, contours, smoothing */
  GtkWidget *side_panel;        /* DarkmapSidePanel: results and clusters; hidden when presenting */
  /* The window's own children. */
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  GtkStack *stack;              /* pages: map, spectrum, statistics, compare */
  DarkmapSpectrumView *spectrum_view;
  DarkmapStatsPage *stats_page;
  DarkmapCompareView *compare_view; /* two posteriors side by side, locked */
  GtkWidget *status_bar;
  GtkLabel *status_label;
  GtkLabel *cursor_label;
  GtkMenuButton *display_button; /* its popover edits the map's stretch and limits */
  GMenu *primary_menu;
  /* Borrowed from the parts (take_parts in darkmap-window.c). */
  DarkmapMapView *map_view;
  GtkWidget *welcome_box;       /* shown while there is no map and no job */
  GtkLabel *presentation_caption; /* over the map while presenting */
  GtkWidget *layer_box;         /* the layer toggles, shown with the map page */
  GtkWidget *posterior_layer_box; /* the posterior's layer toggles */
  DarkmapSamplePlayer *sample_player;
  GtkWidget *contours_button;   /* shown with the map page */
  GtkScale *smoothing_scale;
  DarkmapResultsPanel *results_panel;
  DarkmapClusterPanel *cluster_panel;
  gulong smoothing_handler;     /* the scale's value-changed */

  Layer layer;                  /* what the map view shows */
  DarkmapSmoother *smoother;    /* for the result shown, or NULL */
  guint clusters_timeout;       /* the clusters' kappa to refresh; 0: none */

  GSettings *settings;          /* NULL when the schema is not installed */
  DarkmapResult *result;        /* shown; NULL until a job succeeds */
  DarkmapJobSettings field_settings; /* the settings that made result */
  DarkmapJob *job;              /* running, or NULL */
  GCancellable *cancellable;    /* the running job's */

  DmClusterTable *cluster_table; /* shown; NULL until a table is read */
  gboolean clusters_waiting;     /* the table came while a field opened: placed at its end */
  char *cluster_path;            /* the table's file */
  GListStore *clusters;          /* of DarkmapCluster: the table placed on the map */
  gboolean syncing_selection;    /* copying a selection between panel and map */

  /* Posteriors (darkmap-window-posteriors.c). */
  char *theory_path;                 /* the shipped theory C_ell, or NULL */
  DmTheorySpectrum *theory;          /* read from it; NULL without it */
  GListStore *posteriors;            /* of DarkmapPosteriorResult, for the field shown */
  DarkmapPosteriorResult *posterior; /* selected (a reference), or NULL */
  double sample_lo, sample_hi;       /* the Sample layer's limits, fixed across samples */
  DmClusterSignificance *significance; /* of the clusters in the posterior's samples */
  DarkmapReconstructDialog *reconstruct_dialog; /* kept between uses; NULL until used */
  DarkmapReconstructJob *reconstruct_job;       /* running, or NULL */
  GCancellable *reconstruct_cancellable;        /* its */
  gboolean presenting;               /* presentation mode (F11) */
  /* The spectrum page's band of the selected posterior, measured on a
   * worker (darkmap-spectrum-band.h) for band_mask, the mask then shown. */
  DarkmapSpectrumBand *spectrum_band;
  const DmMap *band_mask;            /* compared by identity only */
  GCancellable *band_cancellable;    /* the measurement running, or NULL */

  /* The Statistics page (darkmap-window-statistics.c): the layer's
   * statistics are measured while the page shows, and when it comes; the
   * band of the selected posterior's samples on a worker. */
  gboolean stats_stale;              /* the layer or posterior changed while hidden */
  DarkmapPosteriorResult *stats_posterior; /* whose band is shown or measured (a
                                              reference), or NULL */
  const DmMap *stats_band_mask;      /* the band's mask, compared by identity only */
  GCancellable *stats_cancellable;   /* the band's measurement running, or NULL */
  /* The band of the Emulated Universes page's maps, measured on a worker
   * when they have the shown map's pixel scale. */
  const DmMap *stats_emulator_maps;  /* whose band is shown or measured, compared by
                                        identity only; or NULL */
  GCancellable *emulator_cancellable; /* its measurement running, or NULL */

  /* Training (darkmap-window-training.c). */
  DarkmapTrainDialog *train_dialog;  /* kept between uses; NULL until used */
  DarkmapTrainJob *train_job;        /* running, or NULL */
  DarkmapTrainDashboard *train_dashboard; /* the Training page */
  GtkWidget *training_button;        /* header: the training's progress, to its page */
  gboolean close_after_training;     /* closing once the checkpoint is saved */

  /* Closing (darkmap-window-close.c). */
  GtkWidget *close_question;         /* the question shown, or NULL */
  guint close_agreed;                /* the losses this close has agreed to */
  GHashTable *saved_posteriors;      /* of DarkmapPosteriorResult (references): written
                                        by Save Posterior */

  /* The field opened last (darkmap-window-last-field.c). */
  char *reopening_path;              /* the catalogue the running job reopens, or NULL */
  GtkWidget *notice_bar;             /* a GtkInfoBar over the window, or NULL */
  GtkLabel *notice_label;            /* its message */

  /* The Emulated Universes page (darkmap-window-universes.c): made when it
   * first shows or is asked for, in its stack page's box. */
  GtkWidget *universes_box;
  DarkmapUniversesPage *universes_page; /* NULL until made */
};

/* darkmap-window.c, for the posterior part. */
/* Shows the current layer again (after the posterior or sample changed). */
void darkmap_window_refresh_layer (DarkmapWindow *self);
/* Enables the actions for what is open and running. */
void darkmap_window_update_actions (DarkmapWindow *self);
/* The caption over the map in presentation mode follows what is shown. */
void darkmap_window_update_caption (DarkmapWindow *self);
/* The colour map the preferences choose (grey without settings). */
DarkmapColormap darkmap_window_preferred_colormap (DarkmapWindow *self);
/* Selects a layer by its win.layer name. */
void darkmap_window_select_layer (DarkmapWindow *self, Layer layer);

/* darkmap-window-posteriors.c. */
void darkmap_window_posteriors_init (DarkmapWindow *self);
void darkmap_window_posteriors_dispose (DarkmapWindow *self);
void darkmap_window_posteriors_class_init (GtkWidgetClass *widget_class);
/* darkmap-window-models.c: win.models, the model library. */
void darkmap_window_models_class_init (GtkWidgetClass *widget_class);
/* The map of a posterior layer (a new 1-plane map; NULL without a
 * posterior or that map, or with error set) and its display limits. */
DmMap *darkmap_window_posterior_layer_map (DarkmapWindow *self, Layer layer, double *lo,
                                           double *hi, DmError **error);
/* The value under the pointer as the status bar reads it. */
char *darkmap_window_posterior_reading (DarkmapWindow *self, Layer layer, double value);
/* A new field replaces the old: its posteriors go (before it is shown),
 * then a reconstruction running on the old one is cancelled and the
 * Reconstruct dialog checks its models against the new grid. */
void darkmap_window_clear_posteriors (DarkmapWindow *self);
void darkmap_window_posteriors_field_changed (DarkmapWindow *self);
/* The significance (if any) on the cluster list just made. */
void darkmap_window_apply_significance (DarkmapWindow *self);
/* The selected posterior's spectra on the spectrum page (again after its
 * map changed). */
void darkmap_window_show_posterior_spectrum (DarkmapWindow *self);
/* Whether a reconstruction runs. */
gboolean darkmap_window_is_reconstructing (DarkmapWindow *self);
/* Cancels a running reconstruction. */
void darkmap_window_cancel_reconstruction (DarkmapWindow *self);
/* The actions of the posterior part, enabled for what is open. */
void darkmap_window_update_posterior_actions (DarkmapWindow *self);
/* The caption of layer (what presentation mode shows over the map). */
char *darkmap_window_layer_caption (DarkmapWindow *self, Layer layer);
/* A file chooser to save with: on acceptance, save (self, path, error),
 * its failure shown under headline. */
typedef gboolean (*DarkmapWindowSaveFunc) (DarkmapWindow *self, const char *path,
                                           GError **error);
void darkmap_window_choose_file_to_save (DarkmapWindow *self, const char *title,
                                         const char *name, const char *filter_name,
                                         const char *suffix, DarkmapWindowSaveFunc save,
                                         const char *headline);
/* darkmap-window-statistics.c. */
void darkmap_window_statistics_class_init (GtkWidgetClass *widget_class);
void darkmap_window_statistics_init (DarkmapWindow *self);
void darkmap_window_statistics_dispose (DarkmapWindow *self);
/* The map view shows layer of result (result may not be adopted yet), or
 * the selected posterior or its sample changed: the Statistics page
 * follows, now if it shows, else when it comes. */
void darkmap_window_update_statistics (DarkmapWindow *self, const DarkmapResult *result,
                                       Layer layer);
/* The Emulated Universes page's maps changed: the Statistics page's
 * emulator band follows, now if it shows, else when it comes. */
void darkmap_window_statistics_emulator_changed (DarkmapWindow *self);
/* darkmap-window-training.c. */
void darkmap_window_training_class_init (GtkWidgetClass *widget_class);
void darkmap_window_training_init (DarkmapWindow *self);
void darkmap_window_training_dispose (DarkmapWindow *self);
/* darkmap-window-close.c. */
void darkmap_window_close_init (DarkmapWindow *self);
void darkmap_window_close_dispose (DarkmapWindow *self);
/* result (of the list) is written to a posterior file: closing keeps it. */
void darkmap_window_mark_posterior_saved (DarkmapWindow *self, DarkmapPosteriorResult *result);
/* darkmap-window-last-field.c. */
void darkmap_window_last_field_init (DarkmapWindow *self);
/* Remembers the field shown (its catalogue, the settings it was opened
 * with and the cluster table shown) for the next start. */
void darkmap_window_remember_field (DarkmapWindow *self);
/* darkmap-window-shortcuts.c: win.show-help-overlay. */
void darkmap_window_shortcuts_class_init (GtkWidgetClass *widget_class);
/* darkmap-window-universes.c. */
void darkmap_window_universes_class_init (GtkWidgetClass *widget_class);
void darkmap_window_universes_init (DarkmapWindow *self);
/* Whether the Emulated Universes page draws or saves maps, and stopping it
 * (what win.cancel does too). */
gboolean darkmap_window_is_generating_universes (DarkmapWindow *self);
void darkmap_window_cancel_universes (DarkmapWindow *self);
/* darkmap-window.c: the layers' display limits.  Three standard deviations
 * of the finite values of data (n floats; 1 when there are none or they are
 * all equal), and their mean into *mean (may be NULL; 0 when none). */
double darkmap_window_three_sigma (const float *data, size_t n, double *mean);
/* Symmetric display limits at ±3 standard deviations of plane 0. */
double darkmap_window_display_limit (const DmMap *map);
/* The largest finite value of plane 0; 1 when none is above 0. */
double darkmap_window_plane_max (const DmMap *map);

G_END_DECLS
