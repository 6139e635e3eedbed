/* DarkmapWindow, the field opened last: each field that opens (its
 * catalogue, the DarkmapJobSettings it was opened with, the cluster table
 * then shown) is remembered in GSettings' "last-field", and a start
 * without a file reopens it as it was.  A last catalogue that is gone or no
 * longer reads gets a notice over the window, not a dialog, and the demo
 * field instead.  The window's state is in darkmap-window-private.h.
 *
 * "last-field" is an a{sv}: "catalogue" and "clusters" (ay, file names),
 * "grid-size" (i), "pixel-arcmin" (d), "smooth-sigma" (d), "hdu" (i),
 * "columns" (as: RA, Dec, e1, e2, weight; "" detects), "unit-weights" (b),
 * "has-center" (b), "center-ra" and "center-dec" (d, degrees),
 * "projection" (s: "tan" or "flat"), "flip-e2" (b).  Keys missing or of
 * another type keep darkmap_job_settings_init's values. */
#include "darkmap-window-private.h"

#include <glib/gi18n.h>

#define LAST_FIELD_KEY "last-field"

/* The field as "last-field" holds it; clusters may be NULL. */
static GVariant *
field_to_variant (const char *catalogue, const char *clusters,
                  const DarkmapJobSettings *settings)
{
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *columns[DARKMAP_N_COLUMNS];

  for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
    columns[role] = settings->columns[role];
  g_variant_dict_insert_value (&dict, "catalogue", g_variant_new_bytestring (catalogue));
  if (clusters != NULL)
    g_variant_dict_insert_value (&dict, "clusters", g_variant_new_bytestring (clusters));
  g_variant_dict_insert (&dict, "grid-size", "i", settings->grid_size);
  g_variant_dict_insert (&dict, "pixel-arcmin", "d", settings->pixel_arcmin);
  g_variant_dict_insert (&dict, "smooth-sigma", "d", settings->smooth_sigma);
  g_variant_dict_insert (&dict, "hdu", "i", settings->hdu);
  g_variant_dict_insert_value (&dict, "columns",
                               g_variant_new_strv (columns, DARKMAP_N_COLUMNS));
  g_variant_dict_insert (&dict, "unit-weights", "b", settings->unit_weights);
  g_variant_dict_insert (&dict, "has-center", "b", settings->has_center);
  g_variant_dict_insert (&dict, "center-ra", "d", settings->center_ra);
  g_variant_dict_insert (&dict, "center-dec", "d", settings->center_dec);
  g_variant_dict_insert (&dict, "projection", "s",
                         settings->projection == DM_PROJECTION_FLAT ? "flat" : "tan");
  g_variant_dict_insert (&dict, "flip-e2", "b", settings->flip_e2);
  return g_variant_dict_end (&dict);
}

/* The field in value (an a{sv}): FALSE when it names no catalogue (a first
 * start).  *catalogue and *clusters (NULL without a table) are newly
 * allocated. */
static gboolean
field_from_variant (GVariant *value, char **catalogue, char **clusters,
                    DarkmapJobSettings *settings)
{
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (value);
  g_autoptr (GVariant) columns = NULL;
  g_autofree char *projection = NULL;

  *catalogue = NULL;
  *clusters = NULL;
  if (!g_variant_dict_lookup (&dict, "catalogue", "^ay", catalogue) || **catalogue == '\0')
    {
      g_clear_pointer (catalogue, g_free);
      return FALSE;
    }
  g_variant_dict_lookup (&dict, "clusters", "^ay", clusters);
  darkmap_job_settings_init (settings);
  g_variant_dict_lookup (&dict, "grid-size", "i", &settings->grid_size);
  g_variant_dict_lookup (&dict, "pixel-arcmin", "d", &settings->pixel_arcmin);
  g_variant_dict_lookup (&dict, "smooth-sigma", "d", &settings->smooth_sigma);
  g_variant_dict_lookup (&dict, "hdu", "i", &settings->hdu);
  columns = g_variant_dict_lookup_value (&dict, "columns", G_VARIANT_TYPE_STRING_ARRAY);
  if (columns != NULL && g_variant_n_children (columns) == DARKMAP_N_COLUMNS)
    for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
      {
        g_autofree char *name = NULL;

        g_variant_get_child (columns, role, "s", &name);
        g_strlcpy (settings->columns[role], name, DARKMAP_COLUMN_NAME_SIZE);
      }
  g_variant_dict_lookup (&dict, "unit-weights", "b", &settings->unit_weights);
  g_variant_dict_lookup (&dict, "has-center", "b", &settings->has_center);
  g_variant_dict_lookup (&dict, "center-ra", "d", &settings->center_ra);
  g_variant_dict_lookup (&dict, "center-dec", "d", &settings->center_dec);
  if (g_variant_dict_lookup (&dict, "projection", "s", &projection))
    settings->projection = g_strcmp0 (projection, "flat") == 0 ? DM_PROJECTION_FLAT
                                                                : DM_PROJECTION_TAN;
  g_variant_dict_lookup (&dict, "flip-e2", "b", &settings->flip_e2);
  return TRUE;
}

/* Whether the settings can hold the last field (an older schema
 * installed may not). */
static gboolean
can_remember (DarkmapWindow *self)
{
  g_autoptr (GSettingsSchema) schema = NULL;

  if (self->settings == NULL)
    return FALSE;
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  return g_settings_schema_has_key (schema, LAST_FIELD_KEY);
}

void
darkmap_window_remember_field (DarkmapWindow *self)
{
  if (self->result == NULL || !can_remember (self))
    return;
  g_settings_set_value (self->settings, LAST_FIELD_KEY,
                        field_to_variant (self->result->path, self->cluster_path,
                                          &self->field_settings));
}

static void
on_notice_response (GtkInfoBar *bar, int response, gpointer user_data)
{
  gtk_widget_set_visible (GTK_WIDGET (bar), FALSE);
}

/* A notice over the window, until closed. */
static void
show_notice (DarkmapWindow *self, const char *text)
{
  if (self->notice_bar == NULL)
    {
      /* The window's content: the template's vertical box. */
      GtkWidget *content = gtk_window_get_child (GTK_WINDOW (self));
      GtkWidget *label = gtk_label_new (NULL);

      g_return_if_fail (GTK_IS_BOX (content));
      self->notice_bar = gtk_info_bar_new ();
      gtk_info_bar_set_message_type (GTK_INFO_BAR (self->notice_bar), GTK_MESSAGE_WARNING);
      gtk_info_bar_set_show_close_button (GTK_INFO_BAR (self->notice_bar), TRUE);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_info_bar_add_child (GTK_INFO_BAR (self->notice_bar), label);
      g_signal_connect (self->notice_bar, "response", G_CALLBACK (on_notice_response), NULL);
      gtk_box_prepend (GTK_BOX (content), self->notice_bar);
      self->notice_label = GTK_LABEL (label);
    }
  gtk_label_set_text (self->notice_label, text);
  gtk_widget_set_visible (self->notice_bar, TRUE);
}

const char *
darkmap_window_get_notice (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  if (self->notice_bar == NULL || !gtk_widget_get_visible (self->notice_bar))
    return NULL;
  return gtk_label_get_text (self->notice_label);
}

void
darkmap_window_open_last_field (DarkmapWindow *self)
{
  g_autoptr (GVariant) value = NULL;
  g_autofree char *catalogue = NULL, *clusters = NULL;
  DarkmapJobSettings settings;
  g_autoptr (GFile) file = NULL;

  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  if (can_remember (self))
    value = g_settings_get_value (self->settings, LAST_FIELD_KEY);
  if (value == NULL || !field_from_variant (value, &catalogue, &clusters, &settings))
    {
      darkmap_window_open_demo (self);
      return;
    }
  if (!g_file_test (catalogue, G_FILE_TEST_EXISTS))
    {
      g_autofree char *text = g_strdup_printf (_("The catalogue opened last, “%s”, is gone: "
                                                 "the demo field is shown instead."),
                                               catalogue);

      show_notice (self, text);
      darkmap_window_open_demo (self);
      return;
    }
  file = g_file_new_for_path (catalogue);
  darkmap_window_open_catalogue (self, file, &settings);
  /* The table once the job runs: its worker starts first. */
  if (clusters != NULL && g_file_test (clusters, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GFile) clusters_file = g_file_new_for_path (clusters);

      darkmap_window_open_clusters (self, clusters_file, NULL);
    }
  else if (clusters != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The cluster table shown last, “%s”, is gone: "
                                                 "the field is shown without it."),
                                               clusters);

      show_notice (self, text);
    }
  /* After: opening a catalogue ends any reopening before it. */
  self->reopening_path = g_steal_pointer (&catalogue);
}

/* A field opened is remembered; the last one failing to open again gets
 * its notice (darkmap-window.c shows no dialog for it) and the demo. */
static void
on_job_finished (DarkmapWindow *self, const GError *error)
{
  g_autofree char *reopened = g_steal_pointer (&self->reopening_path);

  if (error == NULL)
    darkmap_window_remember_field (self);
  else if (reopened != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text =
        g_strdup_printf (_("The catalogue opened last, “%s”, cannot be read any more (%s): the "
                           "demo field is shown instead."),
                         reopened, error->message);

      show_notice (self, text);
      darkmap_window_open_demo (self);
    }
}

void
darkmap_window_last_field_init (DarkmapWindow *self)
{
  g_signal_connect (self, "job-finished", G_CALLBACK (on_job_finished), NULL);
}
