/* What the modules and optimisers need of a parameter set beyond
 * darkmap/nn-params.h. */
#ifndef DARKMAP_NN_PARAMS_PRIVATE_H
#define DARKMAP_NN_PARAMS_PRIVATE_H

#include "darkmap/nn-params.h"

/* The context the set's tensors live in. */
DmNn *dm_nn_params_context(const DmNnParams *params);

/* prefix + kind + name, the name of a tensor or key of a set or optimiser
 * that shares a file under prefix, malloc'ed (NULL when out of memory). */
char *dm_nn_prefixed_name(const char *prefix, const char *kind, const char *name);

#endif
