/* Model provenance keywords of a posterior (cli-model-provenance.h). */
#include "cli-model-provenance.h"

#include "darkmap/sha256.h"

bool cli_record_model(DmMap *mean, const char *model_path, DmError **error) {
  char digest[65];
  return dm_sha256_file(model_path, digest, error) &&
         dm_map_set_string(mean, "MODEL", model_path, "network weights", error) &&
         dm_map_set_string(mean, "MODELSHA", digest, "SHA-256 of the network weights", error);
}
