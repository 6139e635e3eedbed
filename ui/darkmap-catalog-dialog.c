/* DarkmapCatalogDialog: tables, columns and grid of a catalogue to open. */
#include "darkmap-catalog-dialog.h"

#include <glib/gi18n.h>

#include "darkmap/catalog.h"

struct _DarkmapCatalogDialog
{
  GtkWindow parent_instance;

  GtkLabel *file_label;
  GtkDropDown *table_chooser;                  /* one item per table */
  GtkDropDown *column_choosers[DARKMAP_N_COLUMNS]; /* item 0: none; then the columns */
  GtkSpinButton *grid_size_spin;
  GtkSpinButton *pixel_scale_spin;
  GtkDropDown *projection_chooser;             /* 0: TAN, 1: flat RA/Dec */
  GtkCheckButton *median_centre_check;
  GtkSpinButton *centre_ra_spin;
  GtkSpinButton *centre_dec_spin;
  GtkCheckButton *flip_e2_check;
  GtkLabel *message_label;

  GFile *file;                /* owned */
  DmTableInfo *tables;        /* n_tables, owned (engine) */
  int n_tables;
  DarkmapJobSettings defaults;/* smoothing and what the dialog does not show */
  gboolean accepted;
};

G_DEFINE_FINAL_TYPE (DarkmapCatalogDialog, darkmap_catalog_dialog, GTK_TYPE_WINDOW)

enum { SIGNAL_ACCEPTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const DmTableInfo *
current_table (DarkmapCatalogDialog *self)
{
  guint i = gtk_drop_down_get_selected (self->table_chooser);

  return i < (guint) self->n_tables ? &self->tables[i] : NULL;
}

static void
update_state (DarkmapCatalogDialog *self)
{
  gboolean complete = darkmap_catalog_dialog_is_complete (self);
  gboolean median = gtk_check_button_get_active (self->median_centre_check);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.accept", complete);
  gtk_label_set_text (self->message_label,
                      complete ? "" : _("Choose a column for each of RA, Dec, e1 and e2."));
  gtk_widget_set_sensitive (GTK_WIDGET (self->centre_ra_spin), !median);
  gtk_widget_set_sensitive (GTK_WIDGET (self->centre_dec_spin), !median);
}

/* Fills the column choosers with the current table's columns and selects
 * the engine's guesses. */
static void
show_table_columns (DarkmapCatalogDialog *self)
{
  const DmTableInfo *table = current_table (self);
  DmCatalogColumns guess = { 0 };
  const char *guesses[DARKMAP_N_COLUMNS];

  if (table != NULL)
    dm_catalog_guess_columns (table, &guess);
  guesses[DARKMAP_COLUMN_RA] = guess.ra;
  guesses[DARKMAP_COLUMN_DEC] = guess.dec;
  guesses[DARKMAP_COLUMN_E1] = guess.e1;
  guesses[DARKMAP_COLUMN_E2] = guess.e2;
  guesses[DARKMAP_COLUMN_WEIGHT] = guess.weight;

  for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
    {
      g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
      guint selected = 0;

      gtk_string_list_append (names, role == DARKMAP_COLUMN_WEIGHT ? _("None (unit weights)")
                                                                   : _("(choose a column)"));
      for (int i = 0; table != NULL && i < table->n_columns; i++)
        {
          gtk_string_list_append (names, table->column_names[i]);
          if (table->column_names[i] == guesses[role])
            selected = (guint) i + 1;
        }
      gtk_drop_down_set_model (self->column_choosers[role], G_LIST_MODEL (names));
      gtk_drop_down_set_selected (self->column_choosers[role], selected);
    }
  update_state (self);
}

static void
on_table_changed (DarkmapCatalogDialog *self)
{
  show_table_columns (self);
}

static void
accept_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_catalog_dialog_accept (DARKMAP_CATALOG_DIALOG (widget));
}

static void
darkmap_catalog_dialog_dispose (GObject *object)
{
  DarkmapCatalogDialog *self = DARKMAP_CATALOG_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_CATALOG_DIALOG);
  G_OBJECT_CLASS (darkmap_catalog_dialog_parent_class)->dispose (object);
}

static void
darkmap_catalog_dialog_finalize (GObject *object)
{
  DarkmapCatalogDialog *self = DARKMAP_CATALOG_DIALOG (object);

  g_clear_object (&self->file);
  dm_table_info_free (self->tables, self->n_tables);
  G_OBJECT_CLASS (darkmap_catalog_dialog_parent_class)->finalize (object);
}

static void
darkmap_catalog_dialog_class_init (DarkmapCatalogDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_catalog_dialog_dispose;
  object_class->finalize = darkmap_catalog_dialog_finalize;

  /* DarkmapCatalogDialog::accepted: the user chose to reconstruct; read the
   * choices with darkmap_catalog_dialog_get_settings(). */
  signals[SIGNAL_ACCEPTED] = g_signal_new ("accepted", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-catalog-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, file_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, table_chooser);
  gtk_widget_class_bind_template_child_full (widget_class, "ra_chooser", FALSE,
      G_STRUCT_OFFSET (DarkmapCatalogDialog, column_choosers[DARKMAP_COLUMN_RA]));
  gtk_widget_class_bind_template_child_full (widget_class, "dec_chooser", FALSE,
      G_STRUCT_OFFSET (DarkmapCatalogDialog, column_choosers[DARKMAP_COLUMN_DEC]));
  gtk_widget_class_bind_template_child_full (widget_class, "e1_chooser", FALSE,
      G_STRUCT_OFFSET (DarkmapCatalogDialog, column_choosers[DARKMAP_COLUMN_E1]));
  gtk_widget_class_bind_template_child_full (widget_class, "e2_chooser", FALSE,
      G_STRUCT_OFFSET (DarkmapCatalogDialog, column_choosers[DARKMAP_COLUMN_E2]));
  gtk_widget_class_bind_template_child_full (widget_class, "weight_chooser", FALSE,
      G_STRUCT_OFFSET (DarkmapCatalogDialog, column_choosers[DARKMAP_COLUMN_WEIGHT]));
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, grid_size_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, pixel_scale_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, projection_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, median_centre_check);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, centre_ra_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, centre_dec_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, flip_e2_check);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCatalogDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, on_table_changed);
  gtk_widget_class_bind_template_callback (widget_class, update_state);
  gtk_widget_class_install_action (widget_class, "dialog.accept", NULL, accept_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
darkmap_catalog_dialog_init (DarkmapCatalogDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DarkmapCatalogDialog *
darkmap_catalog_dialog_new (GtkWindow *parent, GFile *file, const DarkmapJobSettings *defaults,
                            GError **error)
{
  DarkmapCatalogDialog *self;
  g_autoptr (GtkStringList) table_names = gtk_string_list_new (NULL);
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  DmError *dm_error = NULL;
  DmTableInfo *tables;
  int n_tables = 0;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (defaults != NULL, NULL);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only local files can be read."));
      return NULL;
    }
  tables = dm_catalog_list_tables (path, &n_tables, &dm_error);
  if (tables == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  if (n_tables == 0)
    {
      dm_table_info_free (tables, n_tables);
      g_set_error (error, DARKMAP_ENGINE_ERROR, DM_ERROR_NOT_FOUND,
                   _("%s holds no table: a shear catalogue is a FITS binary or ASCII table "
                     "with a row per galaxy."), path);
      return NULL;
    }

  /* Owned by GTK's list of toplevels until it is closed. */
  self = g_object_new (DARKMAP_TYPE_CATALOG_DIALOG, "transient-for", parent, NULL);
  self->file = g_object_ref (file);
  self->tables = tables;
  self->n_tables = n_tables;
  self->defaults = *defaults;

  name = g_file_get_basename (file);
  gtk_label_set_text (self->file_label, name);
  for (int i = 0; i < n_tables; i++)
    {
      const DmTableInfo *t = &tables[i];
      g_autofree char *label = t->extname[0] != '\0'
        ? g_strdup_printf (_("HDU %d “%s”: %ld rows, %d columns"), t->hdu, t->extname,
                           t->n_rows, t->n_columns)
        : g_strdup_printf (_("HDU %d: %ld rows, %d columns"), t->hdu, t->n_rows, t->n_columns);

      gtk_string_list_append (table_names, label);
    }
  gtk_drop_down_set_model (self->table_chooser, G_LIST_MODEL (table_names));
  gtk_drop_down_set_selected (self->table_chooser, 0);

  gtk_spin_button_set_value (self->grid_size_spin, defaults->grid_size);
  gtk_spin_button_set_value (self->pixel_scale_spin, defaults->pixel_arcmin);
  gtk_drop_down_set_selected (self->projection_chooser,
                              defaults->projection == DM_PROJECTION_FLAT ? 1 : 0);
  gtk_check_button_set_active (self->median_centre_check, !defaults->has_center);
  gtk_spin_button_set_value (self->centre_ra_spin, defaults->center_ra);
  gtk_spin_button_set_value (self->centre_dec_spin, defaults->center_dec);
  gtk_check_button_set_active (self->flip_e2_check, defaults->flip_e2);
  show_table_columns (self);
  return self;
}

GFile *
darkmap_catalog_dialog_get_file (DarkmapCatalogDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_CATALOG_DIALOG (self), NULL);
  return self->file;
}

/* The chosen column name for a role, or NULL (none chosen). */
static const char *
chosen_column (DarkmapCatalogDialog *self, DarkmapColumn role)
{
  const DmTableInfo *table = current_table (self);
  guint selected = gtk_drop_down_get_selected (self->column_choosers[role]);

  if (table == NULL || selected == 0 || selected == GTK_INVALID_LIST_POSITION ||
      selected > (guint) table->n_columns)
    return NULL;
  return table->column_names[selected - 1];
}

void
darkmap_catalog_dialog_get_settings (DarkmapCatalogDialog *self, DarkmapJobSettings *settings)
{
  const DmTableInfo *table;

  g_return_if_fail (DARKMAP_IS_CATALOG_DIALOG (self));
  *settings = self->defaults;
  table = current_table (self);
  settings->hdu = table != NULL ? table->hdu : 0;
  for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
    {
      const char *name = chosen_column (self, role);

      g_strlcpy (settings->columns[role], name != NULL ? name : "",
                 sizeof settings->columns[role]);
    }
  settings->unit_weights = chosen_column (self, DARKMAP_COLUMN_WEIGHT) == NULL;
  settings->grid_size = gtk_spin_button_get_value_as_int (self->grid_size_spin);
  settings->pixel_arcmin = gtk_spin_button_get_value (self->pixel_scale_spin);
  settings->projection = gtk_drop_down_get_selected (self->projection_chooser) == 1
                         ? DM_PROJECTION_FLAT : DM_PROJECTION_TAN;
  settings->has_center = !gtk_check_button_get_active (self->median_centre_check);
  settings->center_ra = gtk_spin_button_get_value (self->centre_ra_spin);
  settings->center_dec = gtk_spin_button_get_value (self->centre_dec_spin);
  settings->flip_e2 = gtk_check_button_get_active (self->flip_e2_check);
}

gboolean
darkmap_catalog_dialog_is_complete (DarkmapCatalogDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_CATALOG_DIALOG (self), FALSE);
  for (int role = DARKMAP_COLUMN_RA; role <= DARKMAP_COLUMN_E2; role++)
    if (chosen_column (self, role) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
darkmap_catalog_dialog_accept (DarkmapCatalogDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_CATALOG_DIALOG (self), FALSE);
  if (self->accepted || !darkmap_catalog_dialog_is_complete (self))
    return FALSE;
  self->accepted = TRUE;
  g_signal_emit (self, signals[SIGNAL_ACCEPTED], 0);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

GtkDropDown *
darkmap_catalog_dialog_get_table_chooser (DarkmapCatalogDialog *self)
{
  g_return_val_if_fail (DARKMAP_IS_CATALOG_DIALOG (self), NULL);
  return self->table_chooser;
}

GtkDropDown *
darkmap_catalog_dialog_get_column_chooser (DarkmapCatalogDialog *self, DarkmapColumn column)
{
  g_return_val_if_fail (DARKMAP_IS_CATALOG_DIALOG (self), NULL);
  g_return_val_if_fail (column < DARKMAP_N_COLUMNS, NULL);
  return self->column_choosers[column];
}
