/* The provenance of a posterior drawn with a trained network (sample-score,
 * sample-mmgan): the weights file's name and SHA-256 in the mean map's
 * header, so that a result names the exact model that made it. */
#ifndef DARKMAP_CLI_MODEL_PROVENANCE_H
#define DARKMAP_CLI_MODEL_PROVENANCE_H

#include <stdbool.h>

#include "darkmap/map.h"

/* MODEL = the path as given, MODELSHA = the file's SHA-256 (hex). */
bool cli_record_model(DmMap *mean, const char *model_path, DmError **error);

#endif
