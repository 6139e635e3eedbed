/* DarkmapClusterPanel: the sortable list of clusters. */
#include "darkmap-cluster-panel.h"

#include <math.h>

/* GTK 4.8's list makes the widgets of up to 200 rows of its model at once
 * (some 0.4 ms a row of ten cells, half of it in the next frame's layout): a
 * new list shows its first rows at once and the next ones a few at a time,
 * one addition a frame while the list is on screen, so that no frame builds
 * them all; past the 200th, rows get widgets only as they are scrolled to,
 * and the rest are shown together. */
#define ROWS_AT_ONCE 8
#define ROWS_ADDED_EVERY_MS 10
#define ROWS_WITH_WIDGETS 200
/* Showing or hiding a column makes or destroys its cell in every row with
 * widgets (for the 72 rows of the X-ray table some 1.5 ms, and as much in
 * the next frame's layout): a list in a window changes its significance
 * columns one a frame, one outside a window all at once. */
#define COLUMN_CHANGED_EVERY_MS 10

struct _DarkmapClusterPanel
{
  GtkBox parent_instance;

  GtkLabel *summary_label;
  GtkColumnView *column_view;
  GtkColumnViewColumn *label_column;
  GtkColumnViewColumn *ra_column;
  GtkColumnViewColumn *dec_column;
  GtkColumnViewColumn *z_column;
  GtkColumnViewColumn *mass_column;
  GtkColumnViewColumn *kappa_column;
  /* Hidden while the clusters lack significance. */
  GtkColumnViewColumn *peak_fraction_column;
  GtkColumnViewColumn *kappa_mean_column;
  GtkColumnViewColumn *kappa_std_column;
  GtkColumnViewColumn *snr_column;
  GtkWidget *export_button;
  GtkSingleSelection *selection;
  /* The rows the list shows: the first rows of sort_model, all of them once
   * the list is filled. */
  GtkSliceListModel *shown_rows;
  GtkSortListModel *sort_model;
  guint fill_source;
  gint64 fill_frame; /* the frame clock's count at the last rows added */
  guint columns_source;
  gint64 columns_frame; /* the frame clock's count at the last column changed */
};

G_DEFINE_FINAL_TYPE (DarkmapClusterPanel, darkmap_cluster_panel, GTK_TYPE_BOX)

enum { PROP_0, PROP_SELECTED_CLUSTER, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* The frame count of the list's frame clock, -1 while it is not on screen. */
static gint64
frame_count (DarkmapClusterPanel *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->column_view));

  if (clock == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self->column_view)))
    return -1;
  return gdk_frame_clock_get_frame_counter (clock);
}

/* The first significance column not shown or hidden as the clusters want
 * (NULL: none). */
static GtkColumnViewColumn *
column_to_change (DarkmapClusterPanel *self)
{
  GtkColumnViewColumn *columns[] = { self->peak_fraction_column, self->kappa_mean_column,
                                     self->kappa_std_column, self->snr_column };
  gboolean show = darkmap_cluster_list_has_significance (G_LIST_MODEL (self->sort_model));

  for (gsize i = 0; i < G_N_ELEMENTS (columns); i++)
    if (gtk_column_view_column_get_visible (columns[i]) != show)
      return columns[i];
  return NULL;
}

/* Shows or hides the first column to change; FALSE when there is none. */
static gboolean
change_next_column (DarkmapClusterPanel *self)
{
  GtkColumnViewColumn *column = column_to_change (self);

  if (column != NULL)
    gtk_column_view_column_set_visible (column, !gtk_column_view_column_get_visible (column));
  return column != NULL;
}

static gboolean
change_columns_in_turn (gpointer user_data)
{
  DarkmapClusterPanel *self = user_data;
  gint64 frame = frame_count (self);

  if (frame >= 0 && frame == self->columns_frame)
    return G_SOURCE_CONTINUE; /* the column changed last is not drawn yet */
  self->columns_frame = frame;
  change_next_column (self);
  if (column_to_change (self) != NULL)
    return G_SOURCE_CONTINUE;
  self->columns_source = 0;
  return G_SOURCE_REMOVE;
}

/* The significance columns and the export button, shown while the
 * clusters have significance. */
static void
show_significance (DarkmapClusterPanel *self)
{
  gtk_widget_set_visible (self->export_button, darkmap_cluster_list_has_significance (
                                                 G_LIST_MODEL (self->sort_model)));
  if (gtk_widget_get_root (GTK_WIDGET (self->column_view)) == NULL)
    {
      g_clear_handle_id (&self->columns_source, g_source_remove);
      while (change_next_column (self))
        ;
    }
  else if (self->columns_source == 0 && change_next_column (self)
           && column_to_change (self) != NULL)
    {
      self->columns_frame = frame_count (self);
      self->columns_source = g_timeout_add (COLUMN_CHANGED_EVERY_MS, change_columns_in_turn, self);
    }
}

/* Shows the sorted rows up to position end (all of them past the last). */
static void
show_rows_to (DarkmapClusterPanel *self, guint end)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));

  if (end > gtk_slice_list_model_get_size (self->shown_rows))
    gtk_slice_list_model_set_size (self->shown_rows, MIN (end, n));
}

gboolean
darkmap_cluster_panel_is_filled (DarkmapClusterPanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_PANEL (self), FALSE);
  return g_list_model_get_n_items (G_LIST_MODEL (self->shown_rows))
         == g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));
}

static gboolean
show_more_rows (gpointer user_data)
{
  DarkmapClusterPanel *self = user_data;
  guint shown = gtk_slice_list_model_get_size (self->shown_rows);
  gint64 frame = frame_count (self);

  if (frame >= 0 && frame == self->fill_frame)
    return G_SOURCE_CONTINUE; /* the rows added last are not drawn yet */
  self->fill_frame = frame;
  show_rows_to (self, shown + ROWS_AT_ONCE < ROWS_WITH_WIDGETS ? shown + ROWS_AT_ONCE : G_MAXUINT);
  if (!darkmap_cluster_panel_is_filled (self))
    return G_SOURCE_CONTINUE;
  self->fill_source = 0;
  return G_SOURCE_REMOVE;
}

void
darkmap_cluster_panel_set_clusters (DarkmapClusterPanel *self, GListModel *clusters,
                                    const char *summary)
{
  g_return_if_fail (DARKMAP_IS_CLUSTER_PANEL (self));
  g_return_if_fail (clusters == NULL || G_IS_LIST_MODEL (clusters));

  if (clusters != gtk_sort_list_model_get_model (self->sort_model))
    {
      gtk_slice_list_model_set_size (self->shown_rows, 0);
      if (self->fill_source == 0)
        self->fill_source = g_timeout_add (ROWS_ADDED_EVERY_MS, show_more_rows, self);
      gtk_sort_list_model_set_model (self->sort_model, clusters);
      show_rows_to (self, ROWS_AT_ONCE);
      self->fill_frame = frame_count (self);
    }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_label_set_text (self->summary_label, summary != NULL ? summary : "");
}

/* Scrolls the list to show row position.  GTK 4.8 has no
 * gtk_column_view_scroll_to (4.12): the column view's rows are a list view
 * among its children, whose "list.scroll-to-item" action does it. */
static void
scroll_to (DarkmapClusterPanel *self, guint position)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
}

void
darkmap_cluster_panel_set_selected_cluster (DarkmapClusterPanel *self, DarkmapCluster *cluster)
{
  GListModel *rows;
  guint position = GTK_INVALID_LIST_POSITION;

  g_return_if_fail (DARKMAP_IS_CLUSTER_PANEL (self));
  g_return_if_fail (cluster == NULL || DARKMAP_IS_CLUSTER (cluster));

  rows = G_LIST_MODEL (self->sort_model);
  for (guint i = 0; cluster != NULL && i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (DarkmapCluster) row = g_list_model_get_item (rows, i);

      if (row == cluster)
        {
          position = i;
          break;
        }
    }
  if (position != GTK_INVALID_LIST_POSITION)
    show_rows_to (self, position + 1);
  gtk_single_selection_set_selected (self->selection, position);
  if (position != GTK_INVALID_LIST_POSITION)
    scroll_to (self, position);
}

DarkmapCluster *
darkmap_cluster_panel_get_selected_cluster (DarkmapClusterPanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_PANEL (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

GtkColumnView *
darkmap_cluster_panel_get_column_view (DarkmapClusterPanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_PANEL (self), NULL);
  return self->column_view;
}

GtkSingleSelection *
darkmap_cluster_panel_get_selection (DarkmapClusterPanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_PANEL (self), NULL);
  return self->selection;
}

const char *
darkmap_cluster_panel_get_summary (DarkmapClusterPanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_PANEL (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

/* Cells: a label each, numbers right-aligned in tabular figures. */

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
setup_name_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
set_cell_number (GtkListItem *item, const char *format, double value)
{
  g_autofree char *text = isfinite (value) ? g_strdup_printf (format, value) : g_strdup ("—");

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static DarkmapCluster *
item_cluster (GtkListItem *item)
{
  return DARKMAP_CLUSTER (gtk_list_item_get_item (item));
}

static void
bind_name (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      darkmap_cluster_get_label (item_cluster (item)));
}

static void
bind_ra (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%.4f", darkmap_cluster_get_ra (item_cluster (item)));
}

static void
bind_dec (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%+.4f", darkmap_cluster_get_dec (item_cluster (item)));
}

static void
bind_z (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%.3f", darkmap_cluster_get_z (item_cluster (item)));
}

static void
bind_mass (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%.3g", darkmap_cluster_get_mass (item_cluster (item)));
}

static void
bind_kappa (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%+.4f", darkmap_cluster_get_kappa (item_cluster (item)));
}

static void
bind_peak_fraction (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%.3f", darkmap_cluster_get_peak_fraction (item_cluster (item)));
}

static void
bind_kappa_mean (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%+.4f", darkmap_cluster_get_kappa_mean (item_cluster (item)));
}

static void
bind_kappa_std (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%.4f", darkmap_cluster_get_kappa_std (item_cluster (item)));
}

static void
bind_snr (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  set_cell_number (item, "%.2f", darkmap_cluster_get_snr (item_cluster (item)));
}

/* Natural order of names: digits compare as numbers. */
static int
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  g_autofree char *key_a =
    g_utf8_collate_key_for_filename (darkmap_cluster_get_label ((DarkmapCluster *) a), -1);
  g_autofree char *key_b =
    g_utf8_collate_key_for_filename (darkmap_cluster_get_label ((DarkmapCluster *) b), -1);
  int order = strcmp (key_a, key_b);

  return order < 0 ? GTK_ORDERING_SMALLER : order > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* The numeric columns, in the order of the panel's fields. */
typedef double (*ClusterNumber) (DarkmapCluster *cluster);
static const ClusterNumber numbers[] = {
  darkmap_cluster_get_ra, darkmap_cluster_get_dec, darkmap_cluster_get_z,
  darkmap_cluster_get_mass, darkmap_cluster_get_kappa, darkmap_cluster_get_peak_fraction,
  darkmap_cluster_get_kappa_mean, darkmap_cluster_get_kappa_std, darkmap_cluster_get_snr,
};

/* Numbers in increasing order, unknown (NaN) ones above them all. */
static int
compare_numbers (gconstpointer a, gconstpointer b, gpointer user_data)
{
  ClusterNumber number = numbers[GPOINTER_TO_INT (user_data)];
  double x = number ((DarkmapCluster *) a), y = number ((DarkmapCluster *) b);

  if (isnan (x) || isnan (y))
    return isnan (x) == isnan (y) ? GTK_ORDERING_EQUAL
                                  : isnan (x) ? GTK_ORDERING_LARGER : GTK_ORDERING_SMALLER;
  return x < y ? GTK_ORDERING_SMALLER : x > y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* A filled list stays filled when its clusters change in place. */
static void
on_rows_changed (GListModel *rows, guint position, guint removed, guint added,
                 DarkmapClusterPanel *self)
{
  if (self->fill_source == 0)
    show_rows_to (self, G_MAXUINT);
  show_significance (self);
}

static void
on_selection_changed (GtkSingleSelection *selection, GParamSpec *pspec,
                      DarkmapClusterPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_CLUSTER]);
}

static void
darkmap_cluster_panel_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  DarkmapClusterPanel *self = DARKMAP_CLUSTER_PANEL (object);

  switch (prop_id)
    {
    case PROP_SELECTED_CLUSTER:
      g_value_set_object (value, darkmap_cluster_panel_get_selected_cluster (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_cluster_panel_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  DarkmapClusterPanel *self = DARKMAP_CLUSTER_PANEL (object);

  switch (prop_id)
    {
    case PROP_SELECTED_CLUSTER:
      darkmap_cluster_panel_set_selected_cluster (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_cluster_panel_dispose (GObject *object)
{
  DarkmapClusterPanel *self = DARKMAP_CLUSTER_PANEL (object);

  g_clear_handle_id (&self->fill_source, g_source_remove);
  g_clear_handle_id (&self->columns_source, g_source_remove);
  /* The rows go with the list: nothing left to show or hide. */
  if (self->sort_model != NULL)
    g_signal_handlers_disconnect_by_data (self->sort_model, self);
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_CLUSTER_PANEL);
  G_OBJECT_CLASS (darkmap_cluster_panel_parent_class)->dispose (object);
}

static void
darkmap_cluster_panel_class_init (DarkmapClusterPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_cluster_panel_get_property;
  object_class->set_property = darkmap_cluster_panel_set_property;
  object_class->dispose = darkmap_cluster_panel_dispose;

  properties[PROP_SELECTED_CLUSTER] =
    g_param_spec_object ("selected-cluster", NULL, NULL, DARKMAP_TYPE_CLUSTER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DARKMAP_TYPE_CLUSTER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-cluster-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, label_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, ra_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, dec_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, z_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, mass_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, kappa_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, peak_fraction_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, kappa_mean_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, kappa_std_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, snr_column);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, export_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, selection);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, shown_rows);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPanel, sort_model);
  gtk_widget_class_bind_template_callback (widget_class, setup_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_name_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_name);
  gtk_widget_class_bind_template_callback (widget_class, bind_ra);
  gtk_widget_class_bind_template_callback (widget_class, bind_dec);
  gtk_widget_class_bind_template_callback (widget_class, bind_z);
  gtk_widget_class_bind_template_callback (widget_class, bind_mass);
  gtk_widget_class_bind_template_callback (widget_class, bind_kappa);
  gtk_widget_class_bind_template_callback (widget_class, bind_peak_fraction);
  gtk_widget_class_bind_template_callback (widget_class, bind_kappa_mean);
  gtk_widget_class_bind_template_callback (widget_class, bind_kappa_std);
  gtk_widget_class_bind_template_callback (widget_class, bind_snr);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
}

static void
darkmap_cluster_panel_init (DarkmapClusterPanel *self)
{
  g_autoptr (GtkCustomSorter) names = gtk_custom_sorter_new (compare_names, NULL, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_column_view_append_column (self->column_view, self->peak_fraction_column);
  gtk_column_view_append_column (self->column_view, self->kappa_mean_column);
  gtk_column_view_append_column (self->column_view, self->kappa_std_column);
  gtk_column_view_append_column (self->column_view, self->snr_column);
  gtk_column_view_column_set_sorter (self->label_column, GTK_SORTER (names));
  {
    GtkColumnViewColumn *numeric[] = { self->ra_column, self->dec_column, self->z_column,
                                       self->mass_column, self->kappa_column,
                                       self->peak_fraction_column, self->kappa_mean_column,
                                       self->kappa_std_column, self->snr_column };

    G_STATIC_ASSERT (G_N_ELEMENTS (numeric) == G_N_ELEMENTS (numbers));
    for (gsize i = 0; i < G_N_ELEMENTS (numeric); i++)
      {
        g_autoptr (GtkCustomSorter) sorter =
          gtk_custom_sorter_new (compare_numbers, GINT_TO_POINTER ((int) i), NULL);

        gtk_column_view_column_set_sorter (numeric[i], GTK_SORTER (sorter));
      }
  }
  gtk_sort_list_model_set_sorter (self->sort_model, gtk_column_view_get_sorter (self->column_view));
  g_signal_connect_object (self->sort_model, "items-changed", G_CALLBACK (on_rows_changed), self, 0);
}

GtkWidget *
darkmap_cluster_panel_new (void)
{
  return g_object_new (DARKMAP_TYPE_CLUSTER_PANEL, NULL);
}
