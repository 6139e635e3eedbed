/* DarkmapProgressRelay: worker progress coalesced onto the main context,
 * and the engine's cancel flag. */
#include "darkmap-progress-relay.h"

#include <string.h>

void
darkmap_progress_relay_make_properties (GParamSpec **fraction_pspec, GParamSpec **stage_pspec)
{
  *fraction_pspec = g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                           | G_PARAM_STATIC_STRINGS);
  *stage_pspec = g_param_spec_string ("stage", NULL, NULL, NULL,
                                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                        | G_PARAM_STATIC_STRINGS);
}

gboolean
darkmap_progress_relay_get_property (DarkmapProgressRelay *relay, GParamSpec *pspec,
                                     GValue *value)
{
  if (pspec == relay->fraction_pspec)
    g_value_set_double (value, relay->fraction);
  else if (pspec == relay->stage_pspec)
    g_value_set_string (value, relay->stage);
  else
    return FALSE;
  return TRUE;
}

void
darkmap_progress_relay_init (DarkmapProgressRelay *relay, GObject *owner,
                             GParamSpec *fraction_pspec, GParamSpec *stage_pspec)
{
  memset (relay, 0, sizeof *relay);
  relay->owner = owner;
  relay->fraction_pspec = fraction_pspec;
  relay->stage_pspec = stage_pspec;
  atomic_init (&relay->cancel, 0);
  g_mutex_init (&relay->lock);
}

void
darkmap_progress_relay_start (DarkmapProgressRelay *relay)
{
  g_clear_pointer (&relay->context, g_main_context_unref);
  relay->context = g_main_context_ref_thread_default ();
}

void
darkmap_progress_relay_clear (DarkmapProgressRelay *relay)
{
  g_clear_pointer (&relay->context, g_main_context_unref);
  g_clear_pointer (&relay->stage, g_free);
  g_mutex_clear (&relay->lock);
}

typedef struct
{
  GObject *owner;                 /* a reference */
  DarkmapProgressRelay *relay;    /* inside owner */
} PendingPublish;

static void
pending_publish_free (gpointer data)
{
  PendingPublish *pending = data;

  g_object_unref (pending->owner);
  g_free (pending);
}

/* Main context: publishes the latest value the worker left. */
static gboolean
publish_latest (gpointer user_data)
{
  PendingPublish *pending = user_data;
  DarkmapProgressRelay *relay = pending->relay;
  double fraction;
  char stage[sizeof relay->pending_stage];

  g_mutex_lock (&relay->lock);
  fraction = relay->pending_fraction;
  memcpy (stage, relay->pending_stage, sizeof stage);
  relay->pending = FALSE;
  g_mutex_unlock (&relay->lock);

  if (fraction != relay->fraction)
    {
      relay->fraction = fraction;
      g_object_notify_by_pspec (relay->owner, relay->fraction_pspec);
    }
  if (g_strcmp0 (stage, relay->stage) != 0)
    {
      g_free (relay->stage);
      relay->stage = g_strdup (stage);
      g_object_notify_by_pspec (relay->owner, relay->stage_pspec);
    }
  return G_SOURCE_REMOVE;
}

void
darkmap_progress_relay_report (DarkmapProgressRelay *relay, double fraction, const char *stage)
{
  gboolean schedule;

  g_mutex_lock (&relay->lock);
  relay->pending_fraction = CLAMP (fraction, 0.0, 1.0);
  g_strlcpy (relay->pending_stage, stage != NULL ? stage : "", sizeof relay->pending_stage);
  schedule = !relay->pending;
  relay->pending = TRUE;
  g_mutex_unlock (&relay->lock);

  if (schedule)
    {
      /* At most DARKMAP_PROGRESS_INTERVAL_MS apart: a solver reporting every
       * iteration would otherwise redraw the window at every frame. */
      GSource *source = g_timeout_source_new (DARKMAP_PROGRESS_INTERVAL_MS);
      PendingPublish *pending = g_new (PendingPublish, 1);

      pending->owner = g_object_ref (relay->owner);
      pending->relay = relay;
      g_source_set_callback (source, publish_latest, pending, pending_publish_free);
      g_source_set_static_name (source, "[darkmap] job progress");
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}

static void
engine_report (void *relay, double fraction, const char *stage)
{
  darkmap_progress_relay_report (relay, fraction, stage);
}

DmProgress
darkmap_progress_relay_engine_progress (DarkmapProgressRelay *relay)
{
  return (DmProgress){ engine_report, relay, &relay->cancel };
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  DarkmapProgressRelay *relay = user_data;

  atomic_store (&relay->cancel, 1);
}

gulong
darkmap_progress_relay_watch (DarkmapProgressRelay *relay, GCancellable *cancellable)
{
  return cancellable != NULL
           ? g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), relay, NULL)
           : 0;
}

void
darkmap_progress_relay_unwatch (DarkmapProgressRelay *relay, GCancellable *cancellable,
                                gulong handler)
{
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);
}
