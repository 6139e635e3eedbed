/* DarkmapSamplePlayer: slider, play button and frame rate of the flip-book. */
#include "darkmap-sample-player.h"

#include <glib/gi18n.h>

struct _DarkmapSamplePlayer
{
  GtkBox parent_instance;

  GtkToggleButton *play_button;
  GtkScale *scale;
  GtkAdjustment *adjustment;
  GtkLabel *index_label;
  GtkSpinButton *fps_spin;

  int n_samples;
  int index;          /* 0-based */
  guint timer;        /* the flip-book's timeout while playing; 0 otherwise */
};

G_DEFINE_FINAL_TYPE (DarkmapSamplePlayer, darkmap_sample_player, GTK_TYPE_BOX)

enum { PROP_0, PROP_INDEX, PROP_PLAYING, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
update_label (DarkmapSamplePlayer *self)
{
  g_autofree char *text = NULL;

  if (self->n_samples > 0)
    /* TRANSLATORS: the posterior sample shown, of how many */
    text = g_strdup_printf (_("Sample %d of %d"), self->index + 1, self->n_samples);
  gtk_label_set_text (self->index_label, text != NULL ? text : "");
}

void
darkmap_sample_player_set_index (DarkmapSamplePlayer *self, int index)
{
  g_return_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self));
  if (self->n_samples == 0)
    return;
  index = CLAMP (index, 0, self->n_samples - 1);
  if (index == self->index)
    return;
  self->index = index;
  gtk_adjustment_set_value (self->adjustment, index + 1);
  update_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEX]);
}

void
darkmap_sample_player_step (DarkmapSamplePlayer *self, int delta)
{
  g_return_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self));
  if (self->n_samples > 0)
    darkmap_sample_player_set_index (
      self, ((self->index + delta) % self->n_samples + self->n_samples) % self->n_samples);
}

static gboolean
next_frame (gpointer user_data)
{
  darkmap_sample_player_step (DARKMAP_SAMPLE_PLAYER (user_data), 1);
  return G_SOURCE_CONTINUE;
}

/* The timer follows the play button and the frame rate. */
static void
restart_timer (DarkmapSamplePlayer *self)
{
  g_clear_handle_id (&self->timer, g_source_remove);
  if (gtk_toggle_button_get_active (self->play_button) && self->n_samples > 1)
    self->timer = g_timeout_add ((guint) (1000.0 / darkmap_sample_player_get_fps (self)),
                                 next_frame, self);
}

static void
on_play_toggled (GtkToggleButton *button, DarkmapSamplePlayer *self)
{
  gboolean playing = gtk_toggle_button_get_active (button);

  gtk_button_set_icon_name (GTK_BUTTON (button), playing ? "media-playback-pause-symbolic"
                                                         : "media-playback-start-symbolic");
  restart_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

static void
on_scale_changed (GtkAdjustment *adjustment, DarkmapSamplePlayer *self)
{
  darkmap_sample_player_set_index (self, (int) gtk_adjustment_get_value (adjustment) - 1);
}

void
darkmap_sample_player_set_n_samples (DarkmapSamplePlayer *self, int n_samples)
{
  g_return_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self));
  self->n_samples = MAX (n_samples, 0);
  if (self->index >= self->n_samples)
    {
      self->index = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEX]);
    }
  gtk_adjustment_set_upper (self->adjustment, MAX (self->n_samples, 1));
  gtk_adjustment_set_value (self->adjustment, self->index + 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self), self->n_samples > 1);
  if (self->n_samples <= 1)
    darkmap_sample_player_set_playing (self, FALSE);
  update_label (self);
}

int
darkmap_sample_player_get_n_samples (DarkmapSamplePlayer *self)
{
  g_return_val_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self), 0);
  return self->n_samples;
}

int
darkmap_sample_player_get_index (DarkmapSamplePlayer *self)
{
  g_return_val_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self), 0);
  return self->index;
}

gboolean
darkmap_sample_player_get_playing (DarkmapSamplePlayer *self)
{
  g_return_val_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self), FALSE);
  return gtk_toggle_button_get_active (self->play_button);
}

void
darkmap_sample_player_set_playing (DarkmapSamplePlayer *self, gboolean playing)
{
  g_return_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self));
  gtk_toggle_button_set_active (self->play_button, playing && self->n_samples > 1);
}

double
darkmap_sample_player_get_fps (DarkmapSamplePlayer *self)
{
  g_return_val_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self), 1.0);
  return MAX (gtk_spin_button_get_value (self->fps_spin), 1.0);
}

GtkScale *
darkmap_sample_player_get_scale (DarkmapSamplePlayer *self)
{
  g_return_val_if_fail (DARKMAP_IS_SAMPLE_PLAYER (self), NULL);
  return self->scale;
}

static void
darkmap_sample_player_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  DarkmapSamplePlayer *self = DARKMAP_SAMPLE_PLAYER (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      g_value_set_int (value, self->index);
      break;
    case PROP_PLAYING:
      g_value_set_boolean (value, darkmap_sample_player_get_playing (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_sample_player_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  DarkmapSamplePlayer *self = DARKMAP_SAMPLE_PLAYER (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      darkmap_sample_player_set_index (self, g_value_get_int (value));
      break;
    case PROP_PLAYING:
      darkmap_sample_player_set_playing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_sample_player_dispose (GObject *object)
{
  DarkmapSamplePlayer *self = DARKMAP_SAMPLE_PLAYER (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_SAMPLE_PLAYER);
  G_OBJECT_CLASS (darkmap_sample_player_parent_class)->dispose (object);
}

static void
darkmap_sample_player_class_init (DarkmapSamplePlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_sample_player_get_property;
  object_class->set_property = darkmap_sample_player_set_property;
  object_class->dispose = darkmap_sample_player_dispose;
  properties[PROP_INDEX] =
    g_param_spec_int ("index", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-sample-player.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapSamplePlayer, play_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapSamplePlayer, scale);
  gtk_widget_class_bind_template_child (widget_class, DarkmapSamplePlayer, adjustment);
  gtk_widget_class_bind_template_child (widget_class, DarkmapSamplePlayer, index_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapSamplePlayer, fps_spin);
}

static void
darkmap_sample_player_init (DarkmapSamplePlayer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->play_button, "toggled", G_CALLBACK (on_play_toggled), self, 0);
  g_signal_connect_object (self->adjustment, "value-changed", G_CALLBACK (on_scale_changed),
                           self, 0);
  g_signal_connect_object (self->fps_spin, "value-changed", G_CALLBACK (restart_timer), self,
                           G_CONNECT_SWAPPED);
  darkmap_sample_player_set_n_samples (self, 0);
}
