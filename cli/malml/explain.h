/*
 * Why a model gave a score: the features whose splits moved the margin most
 * along the decision paths (Saabas contributions, malml_model_contributions),
 * as text for analysts and as JSON.
 */
#ifndef MALML_EXPLAIN_H
#define MALML_EXPLAIN_H

#include <jansson.h>
#include <stdio.h>

#include "cli/malml/bucket_names.h"
#include "modules/malml/malml.h"

#define EXPLAIN_MAX_TOP 32

typedef struct
{
  int feature;
  float value;         /* the file's value; NaN = missing */
  double contribution; /* log-odds added by this feature's splits */
} explain_item;

typedef struct
{
  double score;  /* probability */
  double margin; /* log-odds: bias + sum of all contributions */
  double bias;   /* log-odds before any split */
  int ntop;
  explain_item top[EXPLAIN_MAX_TOP]; /* by |contribution|, largest first */
} explanation;

/* Explains sub-model g on vector v, keeping the ntop (<= EXPLAIN_MAX_TOP)
 * largest contributions.  scratch holds MALML_FEATURE_COUNT doubles. */
void explain(
    const malml_model* m,
    int g,
    const float* v,
    int ntop,
    double* scratch,
    explanation* out);

/* {"score", "margin", "bias", "top": [{"feature", "value", "contribution"
 * [, "names"]}]}, "names" listing the file's names in a hashed feature's
 * bucket when `names` (may be NULL) knows some; the caller owns the result. */
json_t* explanation_to_json(const explanation* e, const bucket_names* names);

/* Lines such as "    +1.234  imports.imported_dlls = 3", indented, with a
 * hashed feature's names after it. */
void explanation_print(
    FILE* out,
    const explanation* e,
    const bucket_names* names);

#endif
