/*
 * Why a model gave a score, in lines that add up:
 *
 *   margin = bias + sum of the shown lines + "other"
 *
 * where the bias is the expected margin (before any split) and each
 * contribution is the feature's exact Shapley value under the trees
 * (TreeSHAP, malml_model_shap: XGBoost's pred_contribs, not sampled).
 * Features that only mean something together are one line each: the byte
 * histogram (256 bins), each hashed bag (import, dll and section-name
 * buckets) and each section slot; such a line names its largest members.
 * Values are shown as an analyst reads them in pefile: flags in hex with
 * their names, the timestamp as a date, machine and subsystem by name.
 */
#ifndef MALML_EXPLAIN_H
#define MALML_EXPLAIN_H

#include <jansson.h>
#include <stdio.h>

#include "cli/malml/bucket_names.h"
#include "modules/malml/malml.h"

#define EXPLAIN_MAX_TOP     32
#define EXPLAIN_MAX_MEMBERS 3 /* a block line's largest members shown */

typedef struct
{
  int feature;
  double value;        /* the file's value; NaN = missing */
  double contribution; /* log-odds added by this feature's splits */
} explain_item;

/* One line: one feature (size 1), or a block of features. */
typedef struct
{
  int first;           /* the feature, or the block's first feature */
  int size;            /* features in the block; 1 for one feature */
  int moved;           /* of those, the ones whose splits moved it */
  double value;        /* size 1: the file's value (exact for pe's integer
                          fields when the caller fills it: pe_exact.h) */
  double contribution; /* the sum over the block */
  int nmembers;
  explain_item members[EXPLAIN_MAX_MEMBERS]; /* by |contribution| */
} explain_line;

typedef struct
{
  double score;  /* probability */
  double margin; /* log-odds, as the model computes it (float32 sums) */
  double bias;   /* log-odds before any split */
  int ntop;
  explain_line top[EXPLAIN_MAX_TOP]; /* by |contribution|, largest first */
  double other;       /* the sum of every contribution not in top */
  int other_features; /* how many features that is (non-zero ones) */
} explanation;

/* Explains sub-model g on vector v, keeping the ntop (<= EXPLAIN_MAX_TOP)
 * largest lines.  scratch holds MALML_FEATURE_COUNT doubles. */
void explain(
    const malml_model* m,
    int g,
    const float* v,
    int ntop,
    double* scratch,
    explanation* out);

/* The line's name: a feature's ("header.timestamp") or a block's
 * ("header.byte_hist[*]", "sections.slot[2].*"). */
const char* explain_line_name(const explain_line* l, char* buf, size_t size);

/* A value as an analyst reads it: "0x2102 (EXECUTABLE_IMAGE|DLL)",
 * "1367409600 (2013-05-01 12:00 UTC)", "0x14c (I386)", or the number. */
const char* explain_value_text(int feature, double value, char* buf, size_t n);

/* {"score", "margin", "bias", "top": [{"feature", "features",
 * "contribution", "value", "shown", "names", "members": [{"feature",
 * "value", "contribution", "names"}]}], "other": {"features",
 * "contribution"}}: "value"/"shown" for one feature, "members" for a
 * block, "names" (the file's names in a bucket) when `names` (may be NULL)
 * knows some; the caller owns the result. */
json_t* explanation_to_json(const explanation* e, const bucket_names* names);

/* The lines, indented, ending with the "other features" line. */
void explanation_print(
    FILE* out,
    const explanation* e,
    const bucket_names* names);

#endif
