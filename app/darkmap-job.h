/* DarkmapJob: one Kaiser-Squires reconstruction of a shear catalogue, run on
 * a worker thread (read → bin → KS, and the E map's spectrum and contours).
 *
 * Progress reported by the engine on the worker is coalesced: the latest
 * value waits in a locked slot and at most one idle callback is pending on
 * the main context that started the job, where the "fraction" and "stage"
 * properties change.  Cancelling the GCancellable raises the engine's cancel
 * flag; a cancelled job returns G_IO_ERROR_CANCELLED and no result. */
#pragma once

#include <gio/gio.h>

#include "darkmap/binning.h"
#include "darkmap/error.h"
#include "darkmap/map.h"

#include "darkmap-kappa-products.h"

G_BEGIN_DECLS

/* Engine failures: the code is the engine's DmErrorCode, the message the
 * engine's own. */
#define DARKMAP_ENGINE_ERROR (darkmap_engine_error_quark ())
GQuark darkmap_engine_error_quark (void);

/* Moves an engine error into a GError (DM_ERROR_CANCELLED becomes
 * G_IO_ERROR_CANCELLED); frees dm_error. */
void darkmap_propagate_engine_error (GError **error, DmError *dm_error);

/* On a worker thread: the engine's work there (and the FFT threads it
 * starts) yields the processor to the main loop, so that on a machine with
 * few cores the window stays responsive while a job runs. */
void darkmap_job_lower_thread_priority (void);

/* Catalogue column roles, in the order of DarkmapJobSettings.columns. */
typedef enum {
  DARKMAP_COLUMN_RA,
  DARKMAP_COLUMN_DEC,
  DARKMAP_COLUMN_E1,
  DARKMAP_COLUMN_E2,
  DARKMAP_COLUMN_WEIGHT,
  DARKMAP_N_COLUMNS
} DarkmapColumn;

/* Longest FITS column name (TTYPE values are at most 68 characters). */
#define DARKMAP_COLUMN_NAME_SIZE 72

typedef struct {
  int grid_size;          /* pixels per side */
  double pixel_arcmin;
  double smooth_sigma;    /* Gaussian smoothing of kappa, in pixels */
  int hdu;                /* 1-based table HDU; 0: the first table */
  /* Column names by DarkmapColumn; "" lets the engine detect the column. */
  char columns[DARKMAP_N_COLUMNS][DARKMAP_COLUMN_NAME_SIZE];
  gboolean unit_weights;  /* ignore any weight column */
  gboolean has_center;    /* FALSE: centre on the catalogue's median */
  double center_ra, center_dec;  /* degrees */
  DmProjection projection;/* DM_PROJECTION_TAN (RA to the left) or _FLAT */
  gboolean flip_e2;       /* negate e2 (catalogues with the other sign convention) */
} DarkmapJobSettings;

/* 360², 0.29', sigma 2 pixels, the first table, detected columns, centred
 * on the median, TAN projection, e2 as stored. */
void darkmap_job_settings_init (DarkmapJobSettings *settings);

/* The catalogue columns settings asks for (pointers into settings; NULL:
 * detect; unit weights: a weight of ""). */
void darkmap_job_settings_columns (const DarkmapJobSettings *settings, DmCatalogColumns *columns);
/* The grid settings bins on. */
void darkmap_job_settings_grid_spec (const DarkmapJobSettings *settings, DmGridSpec *spec);

typedef struct {
  char *path;             /* the catalogue read */
  size_t n_galaxies;      /* galaxies kept from the catalogue */
  DmBinnedShear *binned;
  DmMap *kappa_e;         /* 1 plane: E mode smoothed by smooth_sigma */
  DmMap *kappa_b;         /* 1 plane: B mode smoothed by smooth_sigma */
  DmMap *kappa_e_raw;     /* 1 plane: E mode unsmoothed (for re-smoothing) */
  DmMap *kappa_b_raw;     /* 1 plane: B mode unsmoothed */
  double pixel_arcmin;
  double smooth_sigma;    /* the Gaussian smoothing of kappa, in pixels */
  /* kappa_e's spectrum and contours inside binned->mask, made by the
   * worker; taken by the window that shows them (then NULL). */
  DarkmapKappaProducts *products;
} DarkmapResult;

void darkmap_result_free (DarkmapResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DarkmapResult, darkmap_result_free)

#define DARKMAP_TYPE_JOB (darkmap_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapJob, darkmap_job, DARKMAP, JOB, GObject)

DarkmapJob *darkmap_job_new (const char *path, const DarkmapJobSettings *settings);
const char *darkmap_job_get_path (DarkmapJob *self);
/* The settings the job runs with. */
const DarkmapJobSettings *darkmap_job_get_settings (DarkmapJob *self);
/* Latest progress seen on the main context: fraction in [0, 1], stage name. */
double darkmap_job_get_fraction (DarkmapJob *self);
const char *darkmap_job_get_stage (DarkmapJob *self);

/* Starts reading, binning and KS of path with settings at once, on a
 * thread of its own, before a window asks for it (the field a window opens
 * first, while the window is built).  A job later made with the same path
 * and settings takes that work's result (or error) instead of starting
 * again: cancelled, it stops the work.  One at a time: a later prefetch,
 * or a job on another field, stops it unused. */
void darkmap_job_prefetch (const char *path, const DarkmapJobSettings *settings);

/* A job runs once. */
void darkmap_job_run_async (DarkmapJob *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
/* The result (owned by the caller), or NULL with error set. */
DarkmapResult *darkmap_job_run_finish (DarkmapJob *self, GAsyncResult *result,
                                       GError **error);

G_END_DECLS
