/* DarkmapResultsPanel: the list of posteriors of the open field. */
#include "darkmap-results-panel.h"

struct _DarkmapResultsPanel
{
  GtkBox parent_instance;

  GtkListBox *list_box;
  GListModel *results;       /* referenced; NULL before set_results */
};

G_DEFINE_FINAL_TYPE (DarkmapResultsPanel, darkmap_results_panel, GTK_TYPE_BOX)

enum { PROP_0, PROP_SELECTED, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* A row: the method in bold, the rest below, dimmed. */
static GtkWidget *
create_row (gpointer item, gpointer user_data)
{
  DarkmapPosteriorResult *result = item;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (darkmap_posterior_result_get_title (result));
  GtkWidget *summary = gtk_label_new (darkmap_posterior_result_get_summary (result));

  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (summary), 0.0);
  gtk_label_set_wrap (GTK_LABEL (summary), TRUE);
  gtk_widget_add_css_class (summary, "dim-label");
  gtk_widget_add_css_class (summary, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), summary);
  return box;
}

void
darkmap_results_panel_set_results (DarkmapResultsPanel *self, GListModel *results)
{
  g_return_if_fail (DARKMAP_IS_RESULTS_PANEL (self));
  g_set_object (&self->results, results);
  gtk_list_box_bind_model (self->list_box, results, create_row, NULL, NULL);
}

DarkmapPosteriorResult *
darkmap_results_panel_get_selected (DarkmapResultsPanel *self)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (DARKMAP_IS_RESULTS_PANEL (self), NULL);
  row = gtk_list_box_get_selected_row (self->list_box);
  if (row == NULL || self->results == NULL)
    return NULL;
  /* The model holds a reference: the borrowed pointer stays valid. */
  {
    g_autoptr (DarkmapPosteriorResult) result =
      g_list_model_get_item (self->results, (guint) gtk_list_box_row_get_index (row));

    return result;
  }
}

void
darkmap_results_panel_select (DarkmapResultsPanel *self, DarkmapPosteriorResult *result)
{
  guint n;

  g_return_if_fail (DARKMAP_IS_RESULTS_PANEL (self));
  n = self->results != NULL ? g_list_model_get_n_items (self->results) : 0;
  for (guint i = 0; i < n && result != NULL; i++)
    {
      g_autoptr (DarkmapPosteriorResult) item = g_list_model_get_item (self->results, i);

      if (item == result)
        {
          gtk_list_box_select_row (self->list_box,
                                   gtk_list_box_get_row_at_index (self->list_box, (int) i));
          return;
        }
    }
  gtk_list_box_unselect_all (self->list_box);
}

static void
on_selected_rows_changed (GtkListBox *box, DarkmapResultsPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

static void
darkmap_results_panel_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_object (value, darkmap_results_panel_get_selected (DARKMAP_RESULTS_PANEL (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_results_panel_dispose (GObject *object)
{
  DarkmapResultsPanel *self = DARKMAP_RESULTS_PANEL (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_RESULTS_PANEL);
  g_clear_object (&self->results);
  G_OBJECT_CLASS (darkmap_results_panel_parent_class)->dispose (object);
}

static void
darkmap_results_panel_class_init (DarkmapResultsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_results_panel_get_property;
  object_class->dispose = darkmap_results_panel_dispose;
  properties[PROP_SELECTED] =
    g_param_spec_object ("selected", NULL, NULL, DARKMAP_TYPE_POSTERIOR_RESULT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-results-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapResultsPanel, list_box);
}

static void
darkmap_results_panel_init (DarkmapResultsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->list_box, "selected-rows-changed",
                           G_CALLBACK (on_selected_rows_changed), self, 0);
}
