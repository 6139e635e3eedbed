/* DarkmapStatsPage: the statistic selector, Export and the view. */
#include "darkmap-stats-page.h"

#include <glib/gi18n.h>

enum { PROP_0, PROP_KIND, N_PROPS };
static GParamSpec *properties[N_PROPS];

struct _DarkmapStatsPage
{
  GtkBox parent_instance;

  DarkmapStatsView *view;
  GtkWidget *measuring_box;
  GtkLabel *measuring_label;
  GtkWidget *emulator_check;
};

G_DEFINE_FINAL_TYPE (DarkmapStatsPage, darkmap_stats_page, GTK_TYPE_BOX)

DarkmapStatsView *
darkmap_stats_page_get_view (DarkmapStatsPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_PAGE (self), NULL);
  return self->view;
}

void
darkmap_stats_page_set_measuring (DarkmapStatsPage *self, const char *text)
{
  g_return_if_fail (DARKMAP_IS_STATS_PAGE (self));

  gtk_label_set_text (self->measuring_label, text != NULL ? text : "");
  gtk_widget_set_visible (self->measuring_box, text != NULL);
}

gboolean
darkmap_stats_page_is_measuring (DarkmapStatsPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_PAGE (self), FALSE);
  return gtk_widget_get_visible (self->measuring_box);
}

void
darkmap_stats_page_set_emulator (DarkmapStatsPage *self, gboolean shown, gboolean usable,
                                 const char *note)
{
  g_return_if_fail (DARKMAP_IS_STATS_PAGE (self));

  gtk_widget_set_visible (self->emulator_check, shown);
  gtk_widget_set_sensitive (self->emulator_check, usable);
  gtk_widget_set_tooltip_text (self->emulator_check, note);
}

GtkWidget *
darkmap_stats_page_get_emulator_toggle (DarkmapStatsPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_PAGE (self), NULL);
  return self->emulator_check;
}

static void
darkmap_stats_page_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  DarkmapStatsPage *self = DARKMAP_STATS_PAGE (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_int (value, self->view != NULL ? darkmap_stats_view_get_kind (self->view)
                                                 : DM_STAT_PDF);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_stats_page_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  DarkmapStatsPage *self = DARKMAP_STATS_PAGE (object);

  switch (prop_id)
    {
    case PROP_KIND:
      darkmap_stats_view_set_kind (self->view, (DmStatKind) g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_view_kind (DarkmapStatsPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

static void
darkmap_stats_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_STATS_PAGE);
  G_OBJECT_CLASS (darkmap_stats_page_parent_class)->dispose (object);
}

static void
darkmap_stats_page_class_init (DarkmapStatsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_stats_page_get_property;
  object_class->set_property = darkmap_stats_page_set_property;
  object_class->dispose = darkmap_stats_page_dispose;
  /* The statistic drawn, a DmStatKind: what stats.kind changes. */
  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL, 0, DM_STAT_COUNT - 1, DM_STAT_PDF,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_install_property_action (widget_class, "stats.kind", "kind");

  g_type_ensure (DARKMAP_TYPE_STATS_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-stats-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapStatsPage, view);
  gtk_widget_class_bind_template_child (widget_class, DarkmapStatsPage, measuring_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapStatsPage, measuring_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapStatsPage, emulator_check);
}

static void
darkmap_stats_page_init (DarkmapStatsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->view, "notify::kind", G_CALLBACK (on_view_kind), self,
                           G_CONNECT_SWAPPED);
  g_object_bind_property (self->view, "show-emulator", self->emulator_check, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

GtkWidget *
darkmap_stats_page_new (void)
{
  return g_object_new (DARKMAP_TYPE_STATS_PAGE, NULL);
}
