/*
 * Writes malml model files (docs/model-format.md) from XGBoost models.
 * Used by `malml train`; needs jansson and OpenSSL, not XGBoost itself.
 */
#ifndef MALML_MODEL_BUILD_H
#define MALML_MODEL_BUILD_H

#include <stddef.h>
#include <stdint.h>

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

/* The training rows a model's counts come from: n rows of
 * MALML_FEATURE_COUNT floats, rows x[index[0]], x[index[1]], ... (index
 * NULL: the first n rows in order), with their labels. */
typedef struct
{
  const float* x;
  const int* y; /* labels of all of x's rows: 0 benign, 1 malware */
  const size_t* index;
  size_t n;
  double familiar_share; /* the share of benign rows under
                            threshold.familiar */
} model_rows;

/*
 * model_build, and each node's training counts: how many benign and how
 * many malware files of `rows` reach it (format 1.1; rows NULL writes 0
 * counts and the model has no familiarity).  With rows, the threshold
 * `familiar` is added: the familiarity (model.h) under which
 * rows->familiar_share of the benign rows fall, computed with the built
 * model itself.
 */
int model_build_counted(
    const char* const* xgb_json_paths,
    const model_rows* rows,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen);

/*
 * A model file with the trees of `data` (a model file image that loads)
 * and other thresholds, version and meta: `malml recut`.  Everything
 * before the thresholds is copied byte for byte (the format version too),
 * then the file is sealed, loaded back and written as model_build does.
 * Returns 0, or -1 with a message in err.
 */
int model_rebuild(
    const uint8_t* data,
    size_t size,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen);

#endif
