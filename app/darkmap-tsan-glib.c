/* Built into the application and its tests under ThreadSanitizer only
 * (-Db_sanitize=thread).  GLib hands work and results between threads with
 * its own futex locks and atomics, which ThreadSanitizer cannot see in the
 * uninstrumented library: without help every job reports its settings,
 * written on the main context, as raced by the worker that reads them.
 * These wrappers of GLib's exported functions (Darkmap's calls, and GIO's
 * calls into GLib and GObject, go through them) call GLib's own function
 * and tell ThreadSanitizer what it guarantees:
 *
 *   - a GTask's thread function happens after g_task_run_in_thread, and a
 *     g_task_return_* before the g_task_propagate_* that takes the result;
 *   - what a GMutex guards is seen by the next thread to lock it;
 *   - a timeout or idle source's callback happens after g_source_attach;
 *   - the g_object_unref that finalises an object happens after every
 *     earlier one, on whatever thread they ran.
 *
 * Nothing else changes.  With them, and the library-internal reports left
 * out (tests/meson.build's TSAN_OPTIONS), a report is a race in Darkmap's
 * own code. */
#include <dlfcn.h>
#include <stdatomic.h>

#include <gio/gio.h>
#include <sanitizer/tsan_interface.h>

/* The next definition of name after this program's: GLib's. */
static void *
next_symbol (_Atomic (void *) *slot, const char *name)
{
  void *symbol = atomic_load (slot);

  if (symbol == NULL)
    {
      symbol = dlsym (RTLD_NEXT, name);
      atomic_store (slot, symbol);
    }
  return symbol;
}

/* next_NAME.function: GLib's NAME (a union: ISO C converts no void * to a
 * function pointer). */
#define NEXT(name)                                                                               \
  static _Atomic (void *) next_##name##_slot;                                                   \
  union { void *symbol; __typeof__ (&name) function; } next_##name =                             \
    { next_symbol (&next_##name##_slot, #name) }

/* ---- GTask ------------------------------------------------------------ */

/* The thread function a task was given, kept as its qdata. */
typedef struct
{
  GTaskThreadFunc func;
} ThreadFunc;

static GQuark
thread_func_quark (void)
{
  return g_quark_from_static_string ("darkmap-tsan-thread-func");
}

/* Worker: runs the task's own thread function after the hand-over. */
static void
run_task_thread (GTask *task, gpointer source_object, gpointer task_data,
                 GCancellable *cancellable)
{
  ThreadFunc *thread_func;

  __tsan_acquire (task);
  thread_func = g_object_get_qdata (G_OBJECT (task), thread_func_quark ());
  thread_func->func (task, source_object, task_data, cancellable);
}

void
g_task_run_in_thread (GTask *task, GTaskThreadFunc task_func)
{
  NEXT (g_task_run_in_thread);
  ThreadFunc *thread_func = g_new (ThreadFunc, 1);

  thread_func->func = task_func;
  g_object_set_qdata_full (G_OBJECT (task), thread_func_quark (), thread_func, g_free);
  __tsan_release (task);
  next_g_task_run_in_thread.function (task, run_task_thread);
}

void
g_task_return_pointer (GTask *task, gpointer result, GDestroyNotify result_destroy)
{
  NEXT (g_task_return_pointer);

  __tsan_release (task);
  next_g_task_return_pointer.function (task, result, result_destroy);
}

void
g_task_return_boolean (GTask *task, gboolean result)
{
  NEXT (g_task_return_boolean);

  __tsan_release (task);
  next_g_task_return_boolean.function (task, result);
}

void
g_task_return_error (GTask *task, GError *error)
{
  NEXT (g_task_return_error);

  __tsan_release (task);
  next_g_task_return_error.function (task, error);
}

gboolean
g_task_return_error_if_cancelled (GTask *task)
{
  NEXT (g_task_return_error_if_cancelled);

  __tsan_release (task);
  return next_g_task_return_error_if_cancelled.function (task);
}

gpointer
g_task_propagate_pointer (GTask *task, GError **error)
{
  NEXT (g_task_propagate_pointer);

  __tsan_acquire (task);
  return next_g_task_propagate_pointer.function (task, error);
}

gboolean
g_task_propagate_boolean (GTask *task, GError **error)
{
  NEXT (g_task_propagate_boolean);

  __tsan_acquire (task);
  return next_g_task_propagate_boolean.function (task, error);
}

/* ---- GMutex ----------------------------------------------------------- */

/* Acquire and release rather than ThreadSanitizer's mutex annotations:
 * GTK and Pango also lock GLib's mutexes in ways not seen here. */
void
g_mutex_lock (GMutex *mutex)
{
  NEXT (g_mutex_lock);

  next_g_mutex_lock.function (mutex);
  __tsan_acquire (mutex);
}

void
g_mutex_unlock (GMutex *mutex)
{
  NEXT (g_mutex_unlock);

  __tsan_release (mutex);
  next_g_mutex_unlock.function (mutex);
}

/* ---- GSource ---------------------------------------------------------- */

/* A timeout or idle source's callback and data, called through
 * run_source_callback. */
typedef struct
{
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
} SourceCallback;

static void
source_callback_free (gpointer data)
{
  SourceCallback *callback = data;

  if (callback->notify != NULL)
    callback->notify (callback->data);
  g_free (callback);
}

/* The source's dispatch happens after its attach, maybe on another
 * thread. */
static gboolean
run_source_callback (gpointer data)
{
  SourceCallback *callback = data;

  __tsan_acquire (g_main_current_source ());
  return callback->func (callback->data);
}

void
g_source_set_callback (GSource *source, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  NEXT (g_source_set_callback);
  SourceCallback *callback;

  /* Other sources' callbacks have other types. */
  if (source->source_funcs != &g_timeout_funcs && source->source_funcs != &g_idle_funcs)
    {
      next_g_source_set_callback.function (source, func, data, notify);
      return;
    }
  callback = g_new (SourceCallback, 1);
  *callback = (SourceCallback) { func, data, notify };
  next_g_source_set_callback.function (source, run_source_callback, callback,
                                       source_callback_free);
}

guint
g_source_attach (GSource *source, GMainContext *context)
{
  NEXT (g_source_attach);

  __tsan_release (source);
  return next_g_source_attach.function (source, context);
}

/* ---- GObject ---------------------------------------------------------- */

void
g_object_unref (gpointer object)
{
  NEXT (g_object_unref);

  if (object != NULL)
    {
      __tsan_release (object);
      /* Only this reference left: every other unref is done, and this one
       * finalises. */
      if (g_atomic_int_get (&((GObject *) object)->ref_count) == 1)
        __tsan_acquire (object);
    }
  next_g_object_unref.function (object);
}
