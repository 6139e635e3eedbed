/* DarkmapProgressRelay: what a worker job shares with the main context that
 * started it: the engine's progress reports, coalesced, and its cancel flag.
 *
 * The worker calls darkmap_progress_relay_report for every DmProgress
 * report; the latest value waits in a locked slot and at most one callback
 * is pending on the main context, run DARKMAP_PROGRESS_INTERVAL_MS after
 * the report that scheduled it (at most 10 updates a second).  There the
 * relay's fraction and stage take the latest value, and its owner (a
 * GObject, kept alive by the pending callback) notifies the properties
 * given for them when they changed.  The cancel flag is the engine's
 * DmProgress.cancel, raised when a GCancellable being watched is
 * cancelled.  The relay is embedded in its owner. */
#pragma once

#include <gio/gio.h>
#include <stdatomic.h>

#include "darkmap/progress.h"

G_BEGIN_DECLS

#define DARKMAP_PROGRESS_INTERVAL_MS 100

typedef struct
{
  GObject *owner;                 /* not owned; referenced by a pending callback */
  GParamSpec *fraction_pspec;     /* the owner's properties notified on change */
  GParamSpec *stage_pspec;
  GMainContext *context;          /* owned; set by _start */

  /* Main context: the latest value published. */
  double fraction;                /* in [0, 1] */
  char *stage;                    /* owned; NULL before the first report */

  atomic_int cancel;              /* the engine's cancel flag */

  GMutex lock;                    /* guards what follows */
  double pending_fraction;
  char pending_stage[96];
  gboolean pending;
} DarkmapProgressRelay;

/* The owner's read-only "fraction" (double in [0, 1]) and "stage"
 * (string) properties, for its class_init to install. */
void darkmap_progress_relay_make_properties (GParamSpec **fraction_pspec,
                                             GParamSpec **stage_pspec);
/* The owner's get_property for those two: FALSE when pspec is another. */
gboolean darkmap_progress_relay_get_property (DarkmapProgressRelay *relay, GParamSpec *pspec,
                                              GValue *value);

void darkmap_progress_relay_init (DarkmapProgressRelay *relay, GObject *owner,
                                  GParamSpec *fraction_pspec, GParamSpec *stage_pspec);
/* On the main context, before the worker starts: publishes there. */
void darkmap_progress_relay_start (DarkmapProgressRelay *relay);
void darkmap_progress_relay_clear (DarkmapProgressRelay *relay);

/* Worker thread: the latest fraction in [0, 1] and stage (may be NULL). */
void darkmap_progress_relay_report (DarkmapProgressRelay *relay, double fraction,
                                    const char *stage);
/* The engine's DmProgress for the worker: reports go to the relay, the
 * cancel flag is the relay's. */
DmProgress darkmap_progress_relay_engine_progress (DarkmapProgressRelay *relay);

/* Raises the cancel flag when cancellable (may be NULL) is cancelled, until
 * unwatched with the handler returned. */
gulong darkmap_progress_relay_watch (DarkmapProgressRelay *relay, GCancellable *cancellable);
void darkmap_progress_relay_unwatch (DarkmapProgressRelay *relay, GCancellable *cancellable,
                                     gulong handler);

G_END_DECLS
