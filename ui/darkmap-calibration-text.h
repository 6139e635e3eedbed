/* A learned model's calibration (darkmap/calibration.h) in words, for the
 * places that list models (the model library, the Reconstruct dialog). */
#pragma once

#include <glib.h>

#include "darkmap/calibration.h"

G_BEGIN_DECLS

/* One short translated line: "Error bars calibrated ×0.91 (4 mocks)", or
 * "Error bars not calibrated" when calibration is not present. */
char *darkmap_calibration_text (const DmCalibration *calibration);

/* The fit in full for a tooltip, translated around the engine's own
 * description (dm_calibration_describe); "" when not present. */
char *darkmap_calibration_details (const DmCalibration *calibration);

G_END_DECLS
