/* A learned model's calibration in words. */
#include "darkmap-calibration-text.h"

#include <glib/gi18n.h>

char *
darkmap_calibration_text (const DmCalibration *calibration)
{
  g_return_val_if_fail (calibration != NULL, NULL);
  if (!calibration->present)
    return g_strdup (_("Error bars not calibrated"));
  /* TRANSLATORS: the factor that scales a model's error bars, then the
   * number of simulated surveys it was fitted on */
  return g_strdup_printf (ngettext ("Error bars calibrated ×%.2f (%d mock)",
                                    "Error bars calibrated ×%.2f (%d mocks)",
                                    calibration->n_mocks),
                          calibration->factor, calibration->n_mocks);
}

char *
darkmap_calibration_details (const DmCalibration *calibration)
{
  char described[256];

  g_return_val_if_fail (calibration != NULL, NULL);
  if (!calibration->present)
    return g_strdup ("");
  dm_calibration_describe (calibration, described, sizeof described);
  /* TRANSLATORS: the engine's description of a calibration follows, in
   * English: "×0.91 at 68 % (95 %: ×0.93), 4 mocks of 360x360 at 0.29'" */
  return g_strdup_printf (_("The spread of the samples is scaled so that the error bars cover "
                            "the truth of simulated surveys as often as they say "
                            "(split-conformal calibration): %s."),
                          described);
}
