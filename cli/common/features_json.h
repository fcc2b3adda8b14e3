/*
 * JSON form of a feature vector, as `malml features` prints it and
 * `malml train` reads it back.
 */
#ifndef MALML_FEATURES_JSON_H
#define MALML_FEATURES_JSON_H

#include <jansson.h>

#include "modules/malml/malml.h"

/* {"is_pe", "schema_version", "schema_hash", "features": {named scalars},
 * "vectors": {group: [...]}}; NaN is null.  Caller owns the result. */
json_t* features_to_json(const malml_features* f);

/* Fills vector[MALML_FEATURE_COUNT] from the "vectors" of such an object.
 * Returns 0, or -1 with a reason in *why when the shape or schema differs. */
int features_from_json(const json_t* obj, float* vector, const char** why);

#endif
