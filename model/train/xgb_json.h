/*
 * Reads the trees of an XGBoost 1.7 JSON model (XGBoosterSaveModel to a
 * ".json" path) for model_build.  Only what malml evaluates is accepted:
 * gbtree, binary:logistic, one output, numerical splits.
 */
#ifndef MALML_XGB_JSON_H
#define MALML_XGB_JSON_H

#include <stddef.h>
#include <stdint.h>

/* A node renumbered in preorder, so children always follow their parent;
 * leaves have left = right = UINT32_MAX and their value in `value`. */
typedef struct
{
  uint32_t left, right, feature, default_left;
  float threshold, value, cover;
} xgb_node;

typedef struct
{
  double base_margin; /* logit of the JSON's base_score */
  uint32_t ntrees;
  uint32_t nnodes;
  uint32_t* tree_sizes; /* ntrees node counts; trees stored one after another */
  xgb_node* nodes;
} xgb_model;

/* Fills *out (owned by the caller: xgb_model_free) from the JSON file at
 * path, whose model must have exactly feature_count features.  Returns 0, or
 * -1 with a message in err. */
int xgb_json_read(
    const char* path,
    int feature_count,
    xgb_model* out,
    char* err,
    size_t errlen);

void xgb_model_free(xgb_model* m);

#endif
