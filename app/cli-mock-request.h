/* The simulated surveys of eval-mock and calibrate: options and their
 * reading into a DmModelEvaluationRequest (darkmap/model-evaluation.h). */
#ifndef DARKMAP_CLI_MOCK_REQUEST_H
#define DARKMAP_CLI_MOCK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "cli-args.h"
#include "darkmap/model-evaluation.h"

/* --catalog, --theory, --theory-column, --size, --pixel-arcmin, --seed,
 * --index, --mocks, --no-haloes, --halo-c-scatter, --halo-ellipticity,
 * --samples, --batch and the HMC's --levels,
 * --leapfrog, --final, --sigma-max, --sigma-min, --hybrid-step-scale. */
extern const CliOptionSpec cli_mock_request_options[];

/* Fills request from args on top of its present values (defaults: a 128²
 * grid of 0.8', the engine's default batch, seed default_seed) and reads
 * the theory table into *theory (owned by the caller; request->theory
 * borrows it). */
bool cli_mock_request_read(const CliArgs *args, uint64_t default_seed,
                           DmModelEvaluationRequest *request, DmTheorySpectrum **theory,
                           DmError **error);

#endif
