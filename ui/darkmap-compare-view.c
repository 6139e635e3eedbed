/* DarkmapCompareView: two posteriors side by side with their views locked
 * (zoom, centre, colour limits, cross hair) and a blink mode. */
#include "darkmap-compare-view.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-colormap.h"
#include "darkmap-posterior-result.h"

struct _DarkmapCompareView
{
  GtkBox parent_instance;

  GtkDropDown *layer_chooser;
  GtkSpinButton *interval_spin;
  GtkWidget *pane[2];          /* each side's chooser, title and view */
  GtkDropDown *chooser[2];     /* of the results model */
  GtkLabel *title[2];
  DarkmapMapView *view[2];

  gboolean following;          /* one view is being set to the other's zoom and centre */
  gboolean have_limits;
  double lo, hi;               /* both views' colour limits, while have_limits */

  gboolean blink;
  DarkmapCompareSide shown;    /* the side on screen while blinking */
  guint blink_timer;           /* the blink's timeout while blinking; 0 otherwise */
};

G_DEFINE_FINAL_TYPE (DarkmapCompareView, darkmap_compare_view, GTK_TYPE_BOX)

enum { PROP_0, PROP_BLINK, N_PROPS };
static GParamSpec *properties[N_PROPS];

static DarkmapCompareSide
other_side (DarkmapCompareSide side)
{
  return side == DARKMAP_COMPARE_LEFT ? DARKMAP_COMPARE_RIGHT : DARKMAP_COMPARE_LEFT;
}

/* ---- The lock ------------------------------------------------------------ */

/* The view of side `to` takes the zoom and centre of the other. */
static void
follow (DarkmapCompareView *self, DarkmapCompareSide to)
{
  DarkmapMapView *from = self->view[other_side (to)];
  double x, y;

  if (self->following || darkmap_map_view_get_map (from) == NULL)
    return;
  self->following = TRUE;
  darkmap_map_view_get_center (from, &x, &y);
  darkmap_map_view_set_zoom (self->view[to], darkmap_map_view_get_zoom (from));
  darkmap_map_view_set_center (self->view[to], x, y);
  self->following = FALSE;
}

static void
on_view_changed (DarkmapMapView *view, DarkmapCompareView *self)
{
  follow (self, view == self->view[DARKMAP_COMPARE_LEFT] ? DARKMAP_COMPARE_RIGHT
                                                           : DARKMAP_COMPARE_LEFT);
}

/* The pointer over either view: a cross hair at its pixel on both (NaN
 * when it leaves the map hides them). */
static void
on_cursor_moved (DarkmapMapView *view, double ra, double dec, double x, double y, double value,
                 DarkmapCompareView *self)
{
  for (int side = 0; side < 2; side++)
    darkmap_map_view_set_crosshair (self->view[side], x, y);
}

static void
apply_limits (DarkmapCompareView *self)
{
  if (!self->have_limits)
    return;
  for (int side = 0; side < 2; side++)
    darkmap_map_view_set_limits (self->view[side], self->lo, self->hi);
}

/* The limits of the left map (the right one while the left is empty). */
static void
reset_limits (DarkmapCompareView *self)
{
  const DmMap *map = darkmap_map_view_get_map (self->view[DARKMAP_COMPARE_LEFT]);

  if (map == NULL)
    map = darkmap_map_view_get_map (self->view[DARKMAP_COMPARE_RIGHT]);
  self->have_limits = map != NULL
    && darkmap_colormap_limits (dm_map_plane (map, 0), dm_map_plane_size (map),
                                darkmap_compare_view_get_layer (self) != DARKMAP_COMPARE_STD,
                                &self->lo, &self->hi);
  /* A constant map: a unit range about its value. */
  if (self->have_limits && !(self->lo < self->hi))
    {
      self->lo -= 1.0;
      self->hi += 1.0;
    }
  apply_limits (self);
}

/* ---- The maps shown ------------------------------------------------------ */

static const DmMap *
layer_map (DarkmapPosteriorResult *result, DarkmapCompareLayer layer)
{
  const DmPosterior *p = darkmap_posterior_result_get_posterior (result);

  switch (layer)
    {
    case DARKMAP_COMPARE_STD:
      return p->std;
    case DARKMAP_COMPARE_SIGNIFICANCE:
      return p->signif;
    case DARKMAP_COMPARE_MEAN:
    default:
      return p->mean;
    }
}

/* Shows the chosen result's layer on a side, in the lock with the other. */
static void
load_side (DarkmapCompareView *self, DarkmapCompareSide side)
{
  DarkmapPosteriorResult *result = gtk_drop_down_get_selected_item (self->chooser[side]);
  const DmMap *map = result != NULL ? layer_map (result, darkmap_compare_view_get_layer (self))
                                    : NULL;
  DmError *error = NULL;

  if (!darkmap_map_view_set_map (self->view[side], map, &error))
    {
      gtk_label_set_text (self->title[side], error->message);
      dm_error_free (error);
      darkmap_map_view_set_map (self->view[side], NULL, NULL);
    }
  else if (result != NULL && map == NULL)
    gtk_label_set_text (self->title[side],
                        _("This posterior has no such map (too few samples)."));
  else
    gtk_label_set_text (self->title[side],
                        result != NULL ? darkmap_posterior_result_get_summary (result) : "");
  follow (self, side);
  if (side == DARKMAP_COMPARE_LEFT
      || darkmap_map_view_get_map (self->view[DARKMAP_COMPARE_LEFT]) == NULL)
    reset_limits (self);
  else
    apply_limits (self);
}

static void
on_chooser_changed (GtkDropDown *chooser, GParamSpec *pspec, DarkmapCompareView *self)
{
  load_side (self, chooser == self->chooser[DARKMAP_COMPARE_LEFT] ? DARKMAP_COMPARE_LEFT
                                                                  : DARKMAP_COMPARE_RIGHT);
}

static void
on_layer_changed (DarkmapCompareView *self)
{
  load_side (self, DARKMAP_COMPARE_LEFT);
  load_side (self, DARKMAP_COMPARE_RIGHT);
}

/* The drop-downs' text: the result's method. */
static char *
result_title (DarkmapPosteriorResult *result)
{
  return g_strdup (result != NULL ? darkmap_posterior_result_get_title (result) : "");
}

/* The drop-downs' lists: the method over the summary, which tells apart
 * two runs of one method. */
static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL), *summary = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_xalign (GTK_LABEL (summary), 0.0);
  gtk_widget_add_css_class (summary, "dim-label");
  gtk_widget_add_css_class (summary, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), summary);
  gtk_list_item_set_child (item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  DarkmapPosteriorResult *result = gtk_list_item_get_item (item);
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (item));

  gtk_label_set_text (GTK_LABEL (title), darkmap_posterior_result_get_title (result));
  gtk_label_set_text (GTK_LABEL (gtk_widget_get_next_sibling (title)),
                      darkmap_posterior_result_get_summary (result));
}

/* ---- Blink --------------------------------------------------------------- */

static void
show_panes (DarkmapCompareView *self)
{
  for (int side = 0; side < 2; side++)
    gtk_widget_set_visible (self->pane[side],
                            !self->blink || self->shown == (DarkmapCompareSide) side);
}

static gboolean
blink_step (gpointer user_data)
{
  DarkmapCompareView *self = DARKMAP_COMPARE_VIEW (user_data);

  self->shown = other_side (self->shown);
  show_panes (self);
  return G_SOURCE_CONTINUE;
}

/* The timer follows the blink and the interval. */
static void
restart_blink_timer (DarkmapCompareView *self)
{
  g_clear_handle_id (&self->blink_timer, g_source_remove);
  if (self->blink)
    self->blink_timer = g_timeout_add (darkmap_compare_view_get_blink_interval (self),
                                       blink_step, self);
}

void
darkmap_compare_view_set_blink (DarkmapCompareView *self, gboolean blink)
{
  g_return_if_fail (DARKMAP_IS_COMPARE_VIEW (self));
  blink = !!blink;
  if (blink == self->blink)
    return;
  self->blink = blink;
  self->shown = DARKMAP_COMPARE_LEFT;
  show_panes (self);
  restart_blink_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLINK]);
}

gboolean
darkmap_compare_view_get_blink (DarkmapCompareView *self)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), FALSE);
  return self->blink;
}

void
darkmap_compare_view_set_blink_interval (DarkmapCompareView *self, guint interval_ms)
{
  g_return_if_fail (DARKMAP_IS_COMPARE_VIEW (self));
  gtk_spin_button_set_value (self->interval_spin, interval_ms);
}

guint
darkmap_compare_view_get_blink_interval (DarkmapCompareView *self)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), 0);
  return (guint) gtk_spin_button_get_value_as_int (self->interval_spin);
}

DarkmapCompareSide
darkmap_compare_view_get_shown_side (DarkmapCompareView *self)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), DARKMAP_COMPARE_LEFT);
  return self->blink ? self->shown : DARKMAP_COMPARE_LEFT;
}

/* ---- Public -------------------------------------------------------------- */

void
darkmap_compare_view_set_results (DarkmapCompareView *self, GListModel *results)
{
  g_return_if_fail (DARKMAP_IS_COMPARE_VIEW (self));
  g_return_if_fail (results == NULL || G_IS_LIST_MODEL (results));

  for (int side = 0; side < 2; side++)
    gtk_drop_down_set_model (self->chooser[side], results);
  if (results != NULL && g_list_model_get_n_items (results) > 1)
    gtk_drop_down_set_selected (self->chooser[DARKMAP_COMPARE_RIGHT], 1);
  /* A drop-down does not tell when its model goes, nor always when a new
   * model puts another item at the position selected. */
  load_side (self, DARKMAP_COMPARE_LEFT);
  load_side (self, DARKMAP_COMPARE_RIGHT);
}

void
darkmap_compare_view_set_selected (DarkmapCompareView *self, DarkmapCompareSide side,
                                   guint position)
{
  g_return_if_fail (DARKMAP_IS_COMPARE_VIEW (self));
  g_return_if_fail (side == DARKMAP_COMPARE_LEFT || side == DARKMAP_COMPARE_RIGHT);
  gtk_drop_down_set_selected (self->chooser[side], position);
}

guint
darkmap_compare_view_get_selected (DarkmapCompareView *self, DarkmapCompareSide side)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), GTK_INVALID_LIST_POSITION);
  g_return_val_if_fail (side == DARKMAP_COMPARE_LEFT || side == DARKMAP_COMPARE_RIGHT,
                        GTK_INVALID_LIST_POSITION);
  return gtk_drop_down_get_selected (self->chooser[side]);
}

void
darkmap_compare_view_set_layer (DarkmapCompareView *self, DarkmapCompareLayer layer)
{
  g_return_if_fail (DARKMAP_IS_COMPARE_VIEW (self));
  g_return_if_fail (layer <= DARKMAP_COMPARE_SIGNIFICANCE);
  gtk_drop_down_set_selected (self->layer_chooser, layer);
}

DarkmapCompareLayer
darkmap_compare_view_get_layer (DarkmapCompareView *self)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), DARKMAP_COMPARE_MEAN);
  return (DarkmapCompareLayer) gtk_drop_down_get_selected (self->layer_chooser);
}

void
darkmap_compare_view_set_limits (DarkmapCompareView *self, double lo, double hi)
{
  g_return_if_fail (DARKMAP_IS_COMPARE_VIEW (self));
  g_return_if_fail (lo < hi);
  self->have_limits = TRUE;
  self->lo = lo;
  self->hi = hi;
  apply_limits (self);
}

gboolean
darkmap_compare_view_get_limits (DarkmapCompareView *self, double *lo, double *hi)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), FALSE);
  if (!self->have_limits)
    return FALSE;
  *lo = self->lo;
  *hi = self->hi;
  return TRUE;
}

DarkmapMapView *
darkmap_compare_view_get_map_view (DarkmapCompareView *self, DarkmapCompareSide side)
{
  g_return_val_if_fail (DARKMAP_IS_COMPARE_VIEW (self), NULL);
  g_return_val_if_fail (side == DARKMAP_COMPARE_LEFT || side == DARKMAP_COMPARE_RIGHT, NULL);
  return self->view[side];
}

GtkWidget *
darkmap_compare_view_new (void)
{
  return g_object_new (DARKMAP_TYPE_COMPARE_VIEW, NULL);
}

/* ---- GObject ------------------------------------------------------------- */

static void
darkmap_compare_view_get_property (GObject *object, guint prop_id, GValue *value,
                                   GParamSpec *pspec)
{
  DarkmapCompareView *self = DARKMAP_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_BLINK:
      g_value_set_boolean (value, self->blink);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_compare_view_set_property (GObject *object, guint prop_id, const GValue *value,
                                   GParamSpec *pspec)
{
  DarkmapCompareView *self = DARKMAP_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_BLINK:
      darkmap_compare_view_set_blink (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_compare_view_dispose (GObject *object)
{
  DarkmapCompareView *self = DARKMAP_COMPARE_VIEW (object);

  g_clear_handle_id (&self->blink_timer, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_COMPARE_VIEW);
  G_OBJECT_CLASS (darkmap_compare_view_parent_class)->dispose (object);
}

static void
darkmap_compare_view_class_init (DarkmapCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_compare_view_get_property;
  object_class->set_property = darkmap_compare_view_set_property;
  object_class->dispose = darkmap_compare_view_dispose;
  properties[PROP_BLINK] =
    g_param_spec_boolean ("blink", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* compare.blink: the Blink toggle's action, and B. */
  gtk_widget_class_install_property_action (widget_class, "compare.blink", "blink");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, 0, "compare.blink", NULL);

  g_type_ensure (DARKMAP_TYPE_MAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapCompareView, layer_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapCompareView, interval_spin);
  gtk_widget_class_bind_template_child_full (widget_class, "left_pane", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, pane[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "right_pane", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, pane[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "left_chooser", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, chooser[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "right_chooser", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, chooser[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "left_title", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, title[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "right_title", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, title[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "left_view", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, view[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "right_view", FALSE,
                                             G_STRUCT_OFFSET (DarkmapCompareView, view[1]));
}

static void
darkmap_compare_view_init (DarkmapCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (int side = 0; side < 2; side++)
    {
      g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
      GtkExpression *title = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                          G_CALLBACK (result_title), NULL, NULL);

      g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
      gtk_drop_down_set_expression (self->chooser[side], title);
      gtk_expression_unref (title);
      gtk_drop_down_set_list_factory (self->chooser[side], factory);
      g_signal_connect_object (self->chooser[side], "notify::selected-item",
                               G_CALLBACK (on_chooser_changed), self, 0);
      g_signal_connect_object (self->view[side], "view-changed", G_CALLBACK (on_view_changed),
                               self, 0);
      g_signal_connect_object (self->view[side], "cursor-moved", G_CALLBACK (on_cursor_moved),
                               self, 0);
    }
  g_signal_connect_object (self->layer_chooser, "notify::selected",
                           G_CALLBACK (on_layer_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->interval_spin, "value-changed",
                           G_CALLBACK (restart_blink_timer), self, G_CONNECT_SWAPPED);
}
