/* DarkmapDisplayPopover: stretch and limits of a map view. */
#include "darkmap-display-popover.h"

#include <math.h>

struct _DarkmapDisplayPopover
{
  GtkPopover parent_instance;

  GtkDropDown *stretch_chooser;  /* 0: linear, 1: asinh */
  GtkSpinButton *low_spin;
  GtkSpinButton *high_spin;

  DarkmapMapView *view;          /* borrowed */
  gboolean refreshing;           /* fields being set from the view */
};

G_DEFINE_FINAL_TYPE (DarkmapDisplayPopover, darkmap_display_popover, GTK_TYPE_POPOVER)

enum { SIGNAL_RESET_LIMITS, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The asinh softening: a tenth of the larger limit's size, so that the
 * stretch is linear near zero and logarithmic towards the extremes. */
static double
softening_for (double lo, double hi)
{
  double s = 0.1 * fmax (fabs (lo), fabs (hi));

  return s > 0.0 ? s : 1.0;
}

static void
apply (DarkmapDisplayPopover *self)
{
  double lo = gtk_spin_button_get_value (self->low_spin);
  double hi = gtk_spin_button_get_value (self->high_spin);
  DarkmapStretch stretch = { DARKMAP_STRETCH_LINEAR, 1.0 };

  if (self->refreshing)
    return;
  if (gtk_drop_down_get_selected (self->stretch_chooser) == 1)
    stretch = (DarkmapStretch) { DARKMAP_STRETCH_ASINH, softening_for (lo, hi) };
  darkmap_map_view_set_stretch (self->view, &stretch);
  if (lo < hi)
    darkmap_map_view_set_limits (self->view, lo, hi);
}

static void
on_reset_clicked (DarkmapDisplayPopover *self)
{
  g_signal_emit (self, signals[SIGNAL_RESET_LIMITS], 0);
  darkmap_display_popover_refresh (self);
}

void
darkmap_display_popover_refresh (DarkmapDisplayPopover *self)
{
  DarkmapStretch stretch;
  double lo = 0.0, hi = 1.0, step;

  g_return_if_fail (DARKMAP_IS_DISPLAY_POPOVER (self));
  self->refreshing = TRUE;
  darkmap_map_view_get_stretch (self->view, &stretch);
  gtk_drop_down_set_selected (self->stretch_chooser, stretch.kind == DARKMAP_STRETCH_ASINH);
  darkmap_map_view_get_limits (self->view, &lo, &hi);
  /* Steps of about a hundredth of the range, with digits to show them. */
  step = pow (10.0, floor (log10 (fmax (hi - lo, 1e-30) / 100.0)));
  for (int i = 0; i < 2; i++)
    {
      GtkSpinButton *spin = i == 0 ? self->low_spin : self->high_spin;

      gtk_spin_button_set_digits (spin, (guint) CLAMP (-floor (log10 (step)), 0, 12));
      gtk_spin_button_set_range (spin, -G_MAXFLOAT, G_MAXFLOAT);
      gtk_spin_button_set_increments (spin, step, 10.0 * step);
      gtk_spin_button_set_value (spin, i == 0 ? lo : hi);
    }
  self->refreshing = FALSE;
}

static void
darkmap_display_popover_show (GtkWidget *widget)
{
  darkmap_display_popover_refresh (DARKMAP_DISPLAY_POPOVER (widget));
  GTK_WIDGET_CLASS (darkmap_display_popover_parent_class)->show (widget);
}

static void
darkmap_display_popover_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_DISPLAY_POPOVER);
  G_OBJECT_CLASS (darkmap_display_popover_parent_class)->dispose (object);
}

static void
darkmap_display_popover_class_init (DarkmapDisplayPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_display_popover_dispose;
  widget_class->show = darkmap_display_popover_show;

  /* DarkmapDisplayPopover::reset-limits: automatic limits were asked for. */
  signals[SIGNAL_RESET_LIMITS] = g_signal_new ("reset-limits", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-display-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapDisplayPopover, stretch_chooser);
  gtk_widget_class_bind_template_child (widget_class, DarkmapDisplayPopover, low_spin);
  gtk_widget_class_bind_template_child (widget_class, DarkmapDisplayPopover, high_spin);
  gtk_widget_class_bind_template_callback (widget_class, apply);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);
}

static void
darkmap_display_popover_init (DarkmapDisplayPopover *self)
{
  self->refreshing = TRUE;  /* until a view is attached */
  gtk_widget_init_template (GTK_WIDGET (self));
}

DarkmapDisplayPopover *
darkmap_display_popover_new (DarkmapMapView *view)
{
  DarkmapDisplayPopover *self;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (view), NULL);
  self = g_object_new (DARKMAP_TYPE_DISPLAY_POPOVER, NULL);
  self->view = view;
  self->refreshing = FALSE;
  return self;
}

GtkDropDown *
darkmap_display_popover_get_stretch_chooser (DarkmapDisplayPopover *self)
{
  g_return_val_if_fail (DARKMAP_IS_DISPLAY_POPOVER (self), NULL);
  return self->stretch_chooser;
}

GtkSpinButton *
darkmap_display_popover_get_low_spin (DarkmapDisplayPopover *self)
{
  g_return_val_if_fail (DARKMAP_IS_DISPLAY_POPOVER (self), NULL);
  return self->low_spin;
}

GtkSpinButton *
darkmap_display_popover_get_high_spin (DarkmapDisplayPopover *self)
{
  g_return_val_if_fail (DARKMAP_IS_DISPLAY_POPOVER (self), NULL);
  return self->high_spin;
}
