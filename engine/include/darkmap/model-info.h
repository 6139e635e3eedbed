/* What a network weights file is for, read from its safetensors metadata
 * without loading the weights: the kind of model, the survey grid it was
 * trained on (MMGAN generators are tied to one grid; score networks are
 * convolutional and only need the pixel scale of their training maps, which
 * older files do not record; CosmoGAN generators make maps of one size and
 * pixel scale), and its size.  Used to list models and to
 * refuse a model made for another grid before any work. */
#ifndef DARKMAP_MODEL_INFO_H
#define DARKMAP_MODEL_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/binning.h"
#include "darkmap/calibration.h"
#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_MODEL_SCORE_HYBRID,  /* a residual added to the theory score (arch "unet") */
  DM_MODEL_SCORE_PLAIN,   /* the whole prior score (arch "unet", score_plain) */
  DM_MODEL_MMGAN,         /* a conditional GAN generator (arch "mmgan") */
  DM_MODEL_COSMOGAN,      /* an emulator of convergence maps (arch "cosmogan"): it
                             reconstructs nothing, it draws maps (darkmap/cosmogan.h) */
} DmModelKind;

typedef struct {
  DmModelKind kind;
  int nx, ny;             /* the training grid (CosmoGAN: its maps'); 0 when any grid
                             works */
  double pixel_arcmin;    /* the training pixel side; 0 when not recorded */
  int64_t n_parameters;   /* float elements of all tensors */
  int n_tensors;          /* tensors in the file */
  /* The U-Net of MMGAN generators and score networks (metadata "depth",
   * "base_width", "in_channels"): levels, channels at full resolution and
   * input channels; 0 when the file does not record them (CosmoGAN). */
  int unet_depth, unet_width, unet_in_channels;
  DmCalibration calibration;  /* its interval calibration (present = false: none) */
} DmModelInfo;

/* Reads path's header and metadata (a hostile file fails with
 * DM_ERROR_FORMAT, as dm_safetensors_read): an "arch" other than "unet",
 * "mmgan" or "cosmogan" is refused, and so is a CosmoGAN with a
 * calibration (it draws no error bars). */
bool dm_model_info_read(const char *path, DmModelInfo *info, DmError **error);

/* "score prior (hybrid residual)", "score prior (plain)", "MMGAN generator",
 * "CosmoGAN emulator". */
const char *dm_model_kind_describe(DmModelKind kind);

/* Whether binned (its size and WCS pixel scale) is on the model's grid:
 * DM_ERROR_INVALID_ARGUMENT with a sentence naming both grids ("The model
 * was trained on 360 × 360 pixels of 0.29′; the shear is 128 × 128 pixels of
 * 0.8′.") when the size differs (for a model with a grid) or the pixel
 * scale differs by more than 1 % (for a model that records it). */
bool dm_model_info_check_grid(const DmModelInfo *info, const DmBinnedShear *binned,
                              DmError **error);

#ifdef __cplusplus
}
#endif

#endif
