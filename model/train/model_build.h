/*
 * Writes malml model files (docs/model-format.md) from XGBoost models.
 * Used by `malml train`; needs jansson and OpenSSL, not XGBoost itself.
 */
#ifndef MALML_MODEL_BUILD_H
#define MALML_MODEL_BUILD_H

#include <stddef.h>

/* A named cut on a score: value in 0..1, chosen for target_fpr. */
typedef struct
{
  const char* name;
  double value;
  double target_fpr;
} model_threshold;

/*
 * Builds a malml model file from XGBoost JSON models (XGBoosterSaveModel to a
 * ".json" path, objective binary:logistic), one per group in malml_group
 * order (header, imports, sections, filetype, strings) then the all-features
 * model: xgb_json_paths[MALML_GROUP_COUNT + 1].  Each group model was trained
 * on the full-width vector (all MALML_FEATURE_COUNT columns, other groups'
 * columns simply unused) so feature indices are global.  thresholds: n named
 * thresholds (name, value in 0..1, target false-positive rate).  meta_json: a
 * JSON object string stored verbatim (training summary; NULL for "{}").
 * version: free text like "2026.11.26-1".  The file is loaded back and
 * verified before it replaces out_path.  malml_schema_init must have run
 * (yr_initialize does it).  Returns 0, or -1 with a message in err.
 */
int model_build(
    const char* const* xgb_json_paths,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen);

#endif
