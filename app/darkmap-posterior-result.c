/* DarkmapPosteriorResult: a posterior and what the result list says of it. */
#include "darkmap-posterior-result.h"

#include <string.h>

#include <glib/gi18n.h>

#include "darkmap-job.h"

struct _DarkmapPosteriorResult
{
  GObject parent_instance;

  DmPosterior *posterior;  /* owned */
  char *title;
  char *summary;
  char *source;            /* the file read, or NULL */
};

G_DEFINE_FINAL_TYPE (DarkmapPosteriorResult, darkmap_posterior_result, G_TYPE_OBJECT)

enum { PROP_0, PROP_TITLE, PROP_SUMMARY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_posterior_result_finalize (GObject *object)
{
  DarkmapPosteriorResult *self = DARKMAP_POSTERIOR_RESULT (object);

  dm_posterior_free (self->posterior);
  g_free (self->title);
  g_free (self->summary);
  g_free (self->source);
  G_OBJECT_CLASS (darkmap_posterior_result_parent_class)->finalize (object);
}

static void
darkmap_posterior_result_get_property (GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
  DarkmapPosteriorResult *self = DARKMAP_POSTERIOR_RESULT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_posterior_result_class_init (DarkmapPosteriorResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_posterior_result_finalize;
  object_class->get_property = darkmap_posterior_result_get_property;
  /* For the result list's rows. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_posterior_result_init (DarkmapPosteriorResult *self)
{
}

/* The method in words, from the METHOD card the engine writes. */
static char *
method_title (const DmMap *mean)
{
  static const struct { const char *card; const char *title; } methods[] = {
    { "KS93", N_("Kaiser-Squires") },
    { "WIENER", N_("Wiener filter") },
    { "SCORE-HMC", N_("Score posterior (HMC)") },
    { "SCORE-FLOW", N_("Score posterior (flow)") },
    { "MMGAN", N_("MMGAN") },
  };
  const DmMetaCard *card = dm_map_find_card (mean, "METHOD");

  if (card == NULL || card->text == NULL)
    return g_strdup (_("Posterior"));
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_strcmp0 (card->text, methods[i].card) == 0)
      return g_strdup (_(methods[i].title));
  return g_strdup (card->text);
}

DarkmapPosteriorResult *
darkmap_posterior_result_new (DmPosterior *posterior, const char *model, const char *device,
                              double seconds, const char *source)
{
  DarkmapPosteriorResult *self;
  GString *summary = g_string_new (NULL);
  const DmMetaCard *calibration;
  int n_samples;

  g_return_val_if_fail (posterior != NULL && posterior->mean != NULL, NULL);

  self = g_object_new (DARKMAP_TYPE_POSTERIOR_RESULT, NULL);
  self->posterior = posterior;
  self->source = g_strdup (source);
  self->title = method_title (posterior->mean);
  n_samples = darkmap_posterior_result_get_n_samples (self);

  if (model != NULL)
    {
      g_autofree char *base = g_path_get_basename (model);
      char *dot = strrchr (base, '.');

      if (dot != NULL)
        *dot = '\0';
      g_string_append_printf (summary, "%s · ", base);
    }
  if (n_samples > 0)
    g_string_append_printf (summary, ngettext ("%d sample", "%d samples", n_samples), n_samples);
  else
    g_string_append (summary, _("no samples"));
  /* A learned model's calibration scaled the spread (dm_posterior_calibrate). */
  calibration = dm_map_find_card (posterior->mean, "CALIB");
  if (calibration != NULL && calibration->type == DM_META_DOUBLE)
    /* TRANSLATORS: the factor that scaled the samples' spread about their mean */
    g_string_append_printf (summary, _(" · calibrated ×%.2f"), calibration->number);
  if (device != NULL)
    {
      /* The device's name up to its details: "cpu", "cuda: NVIDIA H100 …". */
      g_autofree char *shown = g_strdup (device);
      char *details = strchr (shown, ',');

      if (details != NULL)
        *details = '\0';
      g_string_append_printf (summary, " · %s", shown);
    }
  if (seconds >= 0.0)
    /* TRANSLATORS: seconds a reconstruction took */
    g_string_append_printf (summary, _(" · %.1f s"), seconds);
  if (source != NULL)
    {
      g_autofree char *base = g_path_get_basename (source);

      g_string_append_printf (summary, " · %s", base);
    }
  self->summary = g_string_free (summary, FALSE);
  return self;
}

DarkmapPosteriorResult *
darkmap_posterior_result_read (const char *path, GError **error)
{
  DmError *dm_error = NULL;
  DmPosterior *posterior = dm_posterior_read (path, &dm_error);
  const DmMetaCard *model;

  if (posterior == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  model = dm_map_find_card (posterior->mean, "MODEL");
  return darkmap_posterior_result_new (posterior, model != NULL ? model->text : NULL, NULL, -1.0,
                                       path);
}

gboolean
darkmap_posterior_result_probe (const char *path)
{
  return path != NULL && dm_posterior_file_probe (path);
}

const DmPosterior *
darkmap_posterior_result_get_posterior (DarkmapPosteriorResult *self)
{
  g_return_val_if_fail (DARKMAP_IS_POSTERIOR_RESULT (self), NULL);
  return self->posterior;
}

int
darkmap_posterior_result_get_n_samples (DarkmapPosteriorResult *self)
{
  g_return_val_if_fail (DARKMAP_IS_POSTERIOR_RESULT (self), 0);
  return self->posterior->samples != NULL ? self->posterior->samples->nplanes : 0;
}

const char *
darkmap_posterior_result_get_title (DarkmapPosteriorResult *self)
{
  g_return_val_if_fail (DARKMAP_IS_POSTERIOR_RESULT (self), NULL);
  return self->title;
}

const char *
darkmap_posterior_result_get_summary (DarkmapPosteriorResult *self)
{
  g_return_val_if_fail (DARKMAP_IS_POSTERIOR_RESULT (self), NULL);
  return self->summary;
}

const char *
darkmap_posterior_result_get_source (DarkmapPosteriorResult *self)
{
  g_return_val_if_fail (DARKMAP_IS_POSTERIOR_RESULT (self), NULL);
  return self->source;
}
