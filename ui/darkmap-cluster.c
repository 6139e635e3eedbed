/* DarkmapCluster: one catalogued cluster placed on a map. */
#include "darkmap-cluster.h"

#include <glib/gi18n.h>
#include <math.h>


struct _DarkmapCluster
{
  GObject parent_instance;

  char *label;
  double ra, dec, z, mass; /* degrees; NaN when unknown */
  double x, y;             /* zero-based map pixel; NaN off the map */
  double kappa;            /* map value at the nearest pixel; NaN off the map */

  /* Significance across posterior samples; NaN without. */
  gboolean has_significance;
  double peak_fraction, kappa_mean, kappa_std, snr;
  float *sample_kappa;     /* n_samples values, owned; NULL without */
  guint n_samples;
};

G_DEFINE_FINAL_TYPE (DarkmapCluster, darkmap_cluster, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LABEL,
  PROP_RA,
  PROP_DEC,
  PROP_Z,
  PROP_MASS,
  PROP_X,
  PROP_Y,
  PROP_KAPPA,
  PROP_HAS_SIGNIFICANCE,
  PROP_PEAK_FRACTION,
  PROP_KAPPA_MEAN,
  PROP_KAPPA_STD,
  PROP_SNR,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

const char *
darkmap_cluster_get_label (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NULL);
  return self->label;
}

double
darkmap_cluster_get_ra (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->ra;
}

double
darkmap_cluster_get_dec (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->dec;
}

double
darkmap_cluster_get_z (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->z;
}

double
darkmap_cluster_get_mass (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->mass;
}

double
darkmap_cluster_get_kappa (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->kappa;
}

gboolean
darkmap_cluster_get_pixel (DarkmapCluster *self, double *x, double *y)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), FALSE);
  *x = self->x;
  *y = self->y;
  return isfinite (self->x) && isfinite (self->y);
}

gboolean
darkmap_cluster_has_significance (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), FALSE);
  return self->has_significance;
}

double
darkmap_cluster_get_peak_fraction (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->peak_fraction;
}

double
darkmap_cluster_get_kappa_mean (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->kappa_mean;
}

double
darkmap_cluster_get_kappa_std (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->kappa_std;
}

double
darkmap_cluster_get_snr (DarkmapCluster *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NAN);
  return self->snr;
}

const float *
darkmap_cluster_get_sample_kappa (DarkmapCluster *self, guint *n)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER (self), NULL);
  *n = self->n_samples;
  return self->sample_kappa;
}

static void
darkmap_cluster_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DarkmapCluster *self = DARKMAP_CLUSTER (object);

  switch (prop_id)
    {
    case PROP_LABEL: g_value_set_string (value, self->label); break;
    case PROP_RA: g_value_set_double (value, self->ra); break;
    case PROP_DEC: g_value_set_double (value, self->dec); break;
    case PROP_Z: g_value_set_double (value, self->z); break;
    case PROP_MASS: g_value_set_double (value, self->mass); break;
    case PROP_X: g_value_set_double (value, self->x); break;
    case PROP_Y: g_value_set_double (value, self->y); break;
    case PROP_KAPPA: g_value_set_double (value, self->kappa); break;
    case PROP_HAS_SIGNIFICANCE: g_value_set_boolean (value, self->has_significance); break;
    case PROP_PEAK_FRACTION: g_value_set_double (value, self->peak_fraction); break;
    case PROP_KAPPA_MEAN: g_value_set_double (value, self->kappa_mean); break;
    case PROP_KAPPA_STD: g_value_set_double (value, self->kappa_std); break;
    case PROP_SNR: g_value_set_double (value, self->snr); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_cluster_finalize (GObject *object)
{
  g_free (DARKMAP_CLUSTER (object)->label);
  g_free (DARKMAP_CLUSTER (object)->sample_kappa);
  G_OBJECT_CLASS (darkmap_cluster_parent_class)->finalize (object);
}

static GParamSpec *
double_property (const char *name)
{
  return g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
darkmap_cluster_class_init (DarkmapClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = darkmap_cluster_get_property;
  object_class->finalize = darkmap_cluster_finalize;

  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RA] = double_property ("ra");
  properties[PROP_DEC] = double_property ("dec");
  properties[PROP_Z] = double_property ("z");
  properties[PROP_MASS] = double_property ("mass");
  properties[PROP_X] = double_property ("x");
  properties[PROP_Y] = double_property ("y");
  properties[PROP_KAPPA] = double_property ("kappa");
  properties[PROP_HAS_SIGNIFICANCE] =
    g_param_spec_boolean ("has-significance", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PEAK_FRACTION] = double_property ("peak-fraction");
  properties[PROP_KAPPA_MEAN] = double_property ("kappa-mean");
  properties[PROP_KAPPA_STD] = double_property ("kappa-std");
  properties[PROP_SNR] = double_property ("snr");
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_cluster_init (DarkmapCluster *self)
{
  self->ra = self->dec = self->z = self->mass = NAN;
  self->x = self->y = self->kappa = NAN;
  self->peak_fraction = self->kappa_mean = self->kappa_std = self->snr = NAN;
}

/* Pixel positions of the table's rows on map (n each, NaN off the map). */
static void
place (const DmClusterTable *table, const DmMap *map, double *x, double *y)
{
  for (size_t i = 0; i < table->n; i++)
    x[i] = y[i] = NAN;
  if (map == NULL || map->wcs == NULL
      || !dm_wcs_world_to_pixel (map->wcs, table->n, table->ra, table->dec, x, y, NULL))
    return;
  for (size_t i = 0; i < table->n; i++)
    if (!(x[i] >= -0.5 && x[i] < map->nx - 0.5 && y[i] >= -0.5 && y[i] < map->ny - 0.5))
      x[i] = y[i] = NAN;
}

/* Places the clusters of table (the items of clusters, in its order) on
 * map: pixel and kappa at the nearest pixel. */
static void
place_clusters (GListModel *clusters, const DmClusterTable *table, const DmMap *map)
{
  g_autofree double *x = g_new (double, table->n);
  g_autofree double *y = g_new (double, table->n);

  place (table, map, x, y);
  for (size_t i = 0; i < table->n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, (guint) i);

      cluster->x = x[i];
      cluster->y = y[i];
      cluster->kappa = NAN;
      if (isfinite (x[i]))
        {
          size_t ix = (size_t) floor (x[i] + 0.5), iy = (size_t) floor (y[i] + 0.5);

          cluster->kappa = dm_map_plane (map, 0)[iy * (size_t) map->nx + ix];
        }
    }
}

GListStore *
darkmap_cluster_list_new (const DmClusterTable *table, const DmMap *map)
{
  GListStore *store;

  g_return_val_if_fail (table != NULL, NULL);

  store = g_list_store_new (DARKMAP_TYPE_CLUSTER);
  for (size_t i = 0; i < table->n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_object_new (DARKMAP_TYPE_CLUSTER, NULL);

      cluster->label = g_strdup (table->label[i]);
      cluster->ra = table->ra[i];
      cluster->dec = table->dec[i];
      cluster->z = table->z[i];
      cluster->mass = table->mass[i];
      g_list_store_append (store, cluster);
    }
  place_clusters (G_LIST_MODEL (store), table, map);
  return store;
}

void
darkmap_cluster_list_set_map (GListStore *clusters, const DmClusterTable *table, const DmMap *map)
{
  GListModel *model;
  guint n;
  g_autoptr (GPtrArray) items = NULL;

  g_return_if_fail (G_IS_LIST_STORE (clusters) && table != NULL);
  model = G_LIST_MODEL (clusters);
  n = g_list_model_get_n_items (model);
  g_return_if_fail (n == table->n);

  place_clusters (model, table, map);
  items = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      DarkmapCluster *cluster = g_list_model_get_item (model, i);
      GObject *object = G_OBJECT (cluster);

      g_ptr_array_add (items, cluster);
      g_object_freeze_notify (object);
      g_object_notify_by_pspec (object, properties[PROP_X]);
      g_object_notify_by_pspec (object, properties[PROP_Y]);
      g_object_notify_by_pspec (object, properties[PROP_KAPPA]);
      g_object_thaw_notify (object);
    }
  g_list_store_splice (clusters, 0, n, items->pdata, n);
}

/* Row i of significance (NULL: none) on cluster, with the sample values of
 * kappa at its nearest pixel from samples (NULL: none). */
static void
set_significance (DarkmapCluster *cluster, const DmClusterSignificance *significance, size_t i,
                  const DmMap *samples)
{
  GObject *object = G_OBJECT (cluster);

  g_object_freeze_notify (object);
  g_clear_pointer (&cluster->sample_kappa, g_free);
  cluster->n_samples = 0;
  cluster->has_significance = significance != NULL;
  cluster->peak_fraction = significance != NULL ? significance->peak_fraction[i] : NAN;
  cluster->kappa_mean = significance != NULL ? significance->kappa_mean[i] : NAN;
  cluster->kappa_std = significance != NULL ? significance->kappa_std[i] : NAN;
  cluster->snr = significance != NULL ? significance->snr[i] : NAN;
  if (significance != NULL && samples != NULL && significance->inside[i])
    {
      /* The nearest pixel as the engine takes it (floor (x + 0.5)). */
      size_t ix = (size_t) CLAMP ((long) floor (significance->x[i] + 0.5), 0L, samples->nx - 1L);
      size_t iy = (size_t) CLAMP ((long) floor (significance->y[i] + 0.5), 0L, samples->ny - 1L);

      cluster->n_samples = (guint) samples->nplanes;
      cluster->sample_kappa = g_new (float, cluster->n_samples);
      for (guint k = 0; k < cluster->n_samples; k++)
        cluster->sample_kappa[k] = dm_map_plane (samples, (int) k)[iy * (size_t) samples->nx + ix];
    }
  for (int p = PROP_HAS_SIGNIFICANCE; p <= PROP_SNR; p++)
    g_object_notify_by_pspec (object, properties[p]);
  g_object_thaw_notify (object);
}

void
darkmap_cluster_list_set_significance (GListStore *clusters,
                                       const DmClusterSignificance *significance,
                                       const DmMap *samples)
{
  GListModel *model;
  guint n;
  g_autoptr (GPtrArray) items = NULL;

  g_return_if_fail (G_IS_LIST_STORE (clusters));
  model = G_LIST_MODEL (clusters);
  n = g_list_model_get_n_items (model);
  g_return_if_fail (significance == NULL || significance->n == n);
  g_return_if_fail (samples == NULL || significance == NULL
                    || samples->nplanes == significance->n_samples);

  items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      DarkmapCluster *cluster = g_list_model_get_item (model, i);

      g_ptr_array_add (items, cluster);
      set_significance (cluster, significance, i, samples);
    }
  g_list_store_splice (clusters, 0, n, items->pdata, n);
}

gboolean
darkmap_cluster_list_has_significance (GListModel *clusters)
{
  g_autoptr (DarkmapCluster) first = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (clusters), FALSE);
  first = g_list_model_get_item (clusters, 0);
  return first != NULL && first->has_significance;
}

gboolean
darkmap_cluster_list_mass_range (GListModel *clusters, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  for (guint i = 0; i < g_list_model_get_n_items (clusters); i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);

      if (isfinite (cluster->mass))
        {
          *lo = MIN (*lo, cluster->mass);
          *hi = MAX (*hi, cluster->mass);
        }
    }
  return *lo <= *hi;
}

char *
darkmap_format_ra_hms (double ra_deg)
{
  /* Tenths of a second of time, rounded once so that 59.96 s carries. */
  long long tenths = llround (fmod (fmod (ra_deg, 360.0) + 360.0, 360.0) / 15.0 * 36000.0)
                     % (24LL * 36000);

  return g_strdup_printf ("%02lldh%02lldm%02lld.%llds", tenths / 36000, tenths / 600 % 60,
                          tenths / 10 % 60, tenths % 10);
}

char *
darkmap_format_dec_dms (double dec_deg)
{
  long long arcsec = llround (fabs (dec_deg) * 3600.0);

  return g_strdup_printf ("%c%02lld°%02lld′%02lld″", dec_deg < 0.0 && arcsec > 0 ? '-' : '+',
                          arcsec / 3600,
                          arcsec / 60 % 60, arcsec % 60);
}

char *
darkmap_format_sky_position (double ra_deg, double dec_deg)
{
  g_autofree char *ra_hms = NULL;
  g_autofree char *dec_dms = NULL;

  if (!isfinite (ra_deg) || !isfinite (dec_deg))
    return g_strdup ("");
  ra_hms = darkmap_format_ra_hms (ra_deg);
  dec_dms = darkmap_format_dec_dms (dec_deg);
  /* TRANSLATORS: sky position, sexagesimal then degrees */
  return g_strdup_printf (_("RA %s (%.5f°), Dec %s (%+.5f°)"), ra_hms, ra_deg, dec_dms, dec_deg);
}
