/*
 * JSON form of a feature vector, as `malml features` prints it and
 * `malml train` reads it back.
 */
#ifndef MALML_FEATURES_JSON_H
#define MALML_FEATURES_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "modules/malml/malml.h"

/* The integers behind a file's features, as pe or the module gives them
 * (int64: a double would round past 2^53, and a hostile header's
 * 2^63 - 1 would not even convert back). */
typedef struct
{
  int64_t value[MALML_FEATURE_COUNT];
  unsigned char known[MALML_FEATURE_COUNT]; /* 0: no exact value */
} features_exact;

/* {"is_pe", "schema_version", "schema_hash", "features": {named scalars},
 * "vectors": {group: [...]}}; NaN is null.  Caller owns the result.
 *
 * "vectors" is what a model sees, float32 (a timestamp of 1630779072 is
 * 1630779136 there).  "features" is what an analyst reads: where exact
 * (NULL: nowhere) knows feature i and the vector has a value, that integer
 * as a JSON integer; else, for an integer-kind feature
 * (features_json_integer_kind) whose value is a whole number under 2^24,
 * that number as a JSON integer; else the vector's value.  Training reads
 * "vectors" only. */
json_t* features_to_json(const malml_features* f, const features_exact* exact);

/* Whether the named scalar feature `name` ("header.number_of_imports")
 * holds whole numbers: all but a fixed list of real-valued ones
 * (entropies, ratios, means).  "features" prints these as JSON integers. */
int features_json_integer_kind(const char* name);

/* Fills vector[MALML_FEATURE_COUNT] from the "vectors" of such an object.
 * Returns 0, or -1 with a reason in *why when the shape or schema differs. */
int features_from_json(const json_t* obj, float* vector, const char** why);

#endif
