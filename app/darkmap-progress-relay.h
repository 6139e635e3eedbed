/* DarkmapProgressRelay: carries an engine's progress reports from a worker
 * thread to the main context that started the work, coalesced.
 *
 * The worker calls darkmap_progress_relay_report for every DmProgress
 * report; the latest value waits in a locked slot and at most one callback
 * is pending on the main context, run DARKMAP_PROGRESS_INTERVAL_MS after
 * the report that scheduled it, where `publish` is called with the latest
 * fraction and stage (at most 10 updates a second).  The relay is embedded in its owner (a
 * GObject), which the pending idle callback keeps alive. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DARKMAP_PROGRESS_INTERVAL_MS 100

typedef void (*DarkmapProgressPublish) (GObject *owner, double fraction, const char *stage);

typedef struct
{
  GObject *owner;                 /* not owned; referenced by a pending idle */
  DarkmapProgressPublish publish; /* called on the main context */
  GMainContext *context;          /* owned; set by _start */

  GMutex lock;                    /* guards what follows */
  double pending_fraction;
  char pending_stage[96];
  gboolean idle_pending;
} DarkmapProgressRelay;

void darkmap_progress_relay_init (DarkmapProgressRelay *relay, GObject *owner,
                                  DarkmapProgressPublish publish);
/* On the main context, before the worker starts: publishes there. */
void darkmap_progress_relay_start (DarkmapProgressRelay *relay);
void darkmap_progress_relay_clear (DarkmapProgressRelay *relay);

/* Worker thread: the latest fraction in [0, 1] and stage (may be NULL). */
void darkmap_progress_relay_report (DarkmapProgressRelay *relay, double fraction,
                                    const char *stage);

G_END_DECLS
