/*
 * One file's malml result, the one JSON shape every front end writes
 * (docs/results.md): `yara --output-format=json` and `malml score -j` here,
 * the Python package and Dask from the same fields (python/malml).
 *
 *   "malml": {"is_pe", "level", "scores": {...}, "levels": {...},
 *             "familiarity", "unlike_training_data",
 *             "model": {"version", "sha256"}}
 *
 * scores and levels only for a PE, each with the sub-scores that apply to
 * the file (dotnet_score for .NET); familiarity when the model has training
 * counts (format 1.1).  The thresholds are the model's, not the file's:
 * `malml model -j` prints them once.
 */
#ifndef MALML_RESULT_H
#define MALML_RESULT_H

#include <jansson.h>
#include <stdbool.h>

#include "modules/malml/malml.h"

#define MALML_RESULT_MAX_CUTS 32

typedef struct
{
  bool is_pe;
  double score[MALML_MODEL_COUNT]; /* malml_model_score_field order; NaN: n/a */
  double cut[MALML_RESULT_MAX_CUTS]; /* malml_threshold_specs order; NaN */
  double familiarity;                /* NaN: the model has no counts */
  double familiar;                   /* threshold.familiar; NaN */
  char version[MALML_MODEL_MAX_VERSION + 1];
  char model_sha256[65];
} malml_result;

/* Every score, cut and familiarity NaN, not a PE, no model named. */
void malml_result_init(malml_result* r);

/* "high", "medium", "low" or "none": malml.score against its three cuts. */
const char* malml_result_level(const malml_result* r);

/* The "malml" object above; NULL out of memory. */
json_t* malml_result_json(const malml_result* r);

#endif
