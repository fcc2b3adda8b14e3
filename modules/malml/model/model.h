/*
 * Module-internal header (programs include modules/malml/malml.h): malml's
 * gradient-boosted-tree models, loaded from the binary model format
 * (docs/model-format.md) and evaluated without XGBoost.
 *
 * A model file holds MALML_GROUP_COUNT + 1 sub-models: one per feature group
 * in malml_group order, then the model over all features (index
 * MALML_MODEL_ALL).  Each sub-model is a sum of regression trees over the
 * full feature vector, a base margin, and the logistic link.  A loaded model
 * is immutable, so any number of threads may score with it at once.
 */
#ifndef MALML_MODEL_H
#define MALML_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "modules/malml/features/schema.h"

#define MALML_MODEL_ALL   MALML_GROUP_COUNT
#define MALML_MODEL_COUNT (MALML_GROUP_COUNT + 1)

/* The seed's count rule sums the group scores of the first this many
 * groups (header, imports, sections, filetype, strings): dotnet_score is
 * not defined for every file, so a rule could not add it up. */
#define MALML_COUNT_GROUPS MALML_GROUP_DOTNET

/* 1 when sub-model g's score applies to a file with feature vector v: the
 * dotnet sub-model only to .NET files (its score is undefined in rules
 * otherwise, and its thresholds are chosen on .NET files alone); every
 * other sub-model to every PE file. */
int malml_model_applies(int g, const float* v);

/* The same rule as data, for trainers elsewhere (malml train --plan): the
 * feature that must be 1 for sub-model g's score to apply
 * (MALML_F_is_dotnet for dotnet), or -1 when it applies to every PE. */
int malml_model_applies_feature(int g);

/* File format constants (docs/model-format.md). */
#define MALML_MODEL_MAGIC              "MALMLMDL"
#define MALML_MODEL_MAJOR              1
#define MALML_MODEL_MINOR              1
#define MALML_MODEL_HEADER_SIZE        80
/* Format 1.1 appends each node's training counts (benign files, malware
 * files) to the 28-byte record of 1.0; the loader reads both (a 1.0 model
 * has no counts: familiarity is undefined with it). */
#define MALML_MODEL_NODE_SIZE          36
#define MALML_MODEL_NODE_SIZE_1_0      28
#define MALML_MODEL_TABLE_ENTRY_SIZE   32
#define MALML_MODEL_OBJECTIVE_LOGISTIC 1
#define MALML_MODEL_NODE_DEFAULT_LEFT  1u
#define MALML_MODEL_NO_CHILD           0xFFFFFFFFu

/* Bounds the loader enforces, so a hostile file cannot make it allocate
 * without limit.  Generous: a 6 x 2000-tree depth-8 model is ~3M nodes. */
#define MALML_MODEL_MAX_TREES      (1u << 16)
#define MALML_MODEL_MAX_NODES      (1u << 24)
#define MALML_MODEL_MAX_TREE_NODES (1u << 20)
#define MALML_MODEL_MAX_THRESHOLDS 64
#define MALML_MODEL_MAX_NAME       64
#define MALML_MODEL_MAX_VERSION    256
#define MALML_MODEL_MAX_META       (16u << 20)

typedef struct malml_model malml_model;

/* One named threshold: a cut on a score chosen for a target false-positive
 * rate on validation data. */
typedef struct
{
  const char* name;
  double value;
  double target_fpr;
} malml_model_threshold;

/*
 * Parses and verifies a model file image (data is not kept).  Never reads
 * outside data[0..size) and refuses anything it does not fully understand.
 * Returns 0 and a model the caller frees with malml_model_free, or -1 with a
 * one-line reason in err.
 */
int malml_model_load(
    const uint8_t* data,
    size_t size,
    malml_model** out,
    char* err,
    size_t errlen);

void malml_model_free(malml_model* m);

/* Margin (log-odds) and probability 0..1 of sub-model g over a vector of
 * MALML_FEATURE_COUNT floats (NaN = missing).  g = MALML_MODEL_ALL is the
 * all-features model.  Pure functions. */
double malml_model_margin(const malml_model* m, int g, const float* vector);
double malml_model_score(const malml_model* m, int g, const float* vector);

/* Asks the CPU to fetch the trees of every sub-model into its caches, the
 * dotnet one only `with_dotnet`, in one sequential sweep (prefetches: no
 * effect on any result).  A scan calls it as soon as the pass over the
 * file's bytes is done, and finishes the features before scoring.  The
 * pass pushes the model out of every cache, and walks that fetch it one
 * dependent miss after another cost about 1.5x as much as after the
 * sweep. */
void malml_model_prefetch(const malml_model* m, int with_dotnet);

/*
 * Familiarity: how much of the benign training data a file's path through
 * the trees rests on.  Each node keeps the count of benign and of malware
 * training files that reached it; for the leaf a file reaches in a tree of
 * the all-features model, with c of the N benign training files, the
 * tree's term is ln(1 + c) / ln(1 + N), rounded to one of
 * MALML_FAMILIARITY_LEVELS + 1 steps, and familiarity is the mean of the
 * terms over the trees: 0..1, 1 when every leaf held every benign training
 * file, lower as the file lands where few benign files went, monotone in
 * each count.  Benign files, not all: held out, a model's false positives
 * are the benign files that land where it saw few benign ones (they rest
 * on malware leaves), while counting every file ranked them as familiar as
 * any (docs/model-format.md).  Log-scaled because the leaves of a depth-6
 * tree differ in count by orders of magnitude and a plain mean of shares
 * would be decided by the few big leaves.
 */
#define MALML_FAMILIARITY_LEVELS 1023

/* malml_model_margin, and into *familiarity the familiarity of the vector
 * computed in the same walk: NaN unless g is MALML_MODEL_ALL and the model
 * file has counts (format 1.1 or later, written by `malml train` from its
 * rows). */
double malml_model_margin_familiarity(
    const malml_model* m,
    int g,
    const float* vector,
    double* familiarity);

/* The training files sub-model g's counts come from, label 0 benign or 1
 * malware, or 0 when the model has no counts. */
uint32_t malml_model_training_rows(const malml_model* m, int g, int label);

/*
 * Saabas-style contributions of sub-model g: contrib[i] (for i <
 * MALML_FEATURE_COUNT) is what feature i moved the margin along the decision
 * paths, and *bias the margin before any split (base margin plus the root
 * expectations), so bias + sum(contrib) equals malml_model_margin.  contrib
 * must hold MALML_FEATURE_COUNT doubles; it is overwritten.
 */
void malml_model_contributions(
    const malml_model* m,
    int g,
    const float* vector,
    double* contrib,
    double* bias);

/*
 * Exact SHAP values of sub-model g (TreeSHAP, as XGBoost's pred_contribs
 * without approx_contribs): contrib[i] is feature i's Shapley value under
 * the trees' own cover-weighted expectations, and *bias the expected
 * margin (base margin plus each tree's root expectation, as for Saabas),
 * so bias + sum(contrib) equals malml_model_margin.  Unlike Saabas values,
 * a feature split on near the root does not take credit that belongs to
 * the splits below it.  For explanations, not for the scan: a tree costs
 * O(leaves x depth^2).  Returns 0, or -1 (contrib from Saabas instead)
 * when a tree is deeper than MALML_SHAP_MAX_DEPTH, which only a hostile
 * model file has.
 */
#define MALML_SHAP_MAX_DEPTH 64
int malml_model_shap(
    const malml_model* m,
    int g,
    const float* vector,
    double* contrib,
    double* bias);

/* Free text such as "2026.11.26-1"; never NULL. */
/* Names of sub-model g (0 .. MALML_MODEL_COUNT-1): its short name ("header"
 * .. "strings", "all") and the rule-visible field of its score
 * ("header_score" .. "strings_score", "score").  The one list of them. */
const char* malml_model_name(int g);
const char* malml_model_score_field(int g);

const char* malml_model_version(const malml_model* m);

/* The training summary stored in the file (a JSON object); never NULL. */
const char* malml_model_meta(const malml_model* m);

/* Lower-case hex SHA-256 of the whole model file (65 bytes with NUL). */
const char* malml_model_sha256(const malml_model* m);

int malml_model_tree_count(const malml_model* m, int g);
int malml_model_threshold_count(const malml_model* m);
const malml_model_threshold* malml_model_threshold_at(
    const malml_model* m,
    int i);

/* The threshold called name, or NULL if the model has none. */
const malml_model_threshold* malml_model_threshold_find(
    const malml_model* m,
    const char* name);

/*
 * The thresholds a rule can read as malml.threshold.NAME, and what each one
 * cuts: `model` is the sub-model whose score it applies to (0 ..
 * MALML_MODEL_COUNT-1) or MALML_THRESHOLD_ON_SUM for the seed's count rule
 * (the sum of the MALML_COUNT_GROUPS group scores).  The tiers are high (target
 * 0.1% false positives), medium (1%) and low (5%), for malml.score ("high") and
 * for each group score ("imports_high"); "count" targets 1%.  The trainer
 * chooses a value for every one; a model file without one leaves the field
 * undefined.
 */
#define MALML_THRESHOLD_ON_SUM (-1)
typedef struct
{
  const char* name;
  int model;
  double target_fpr;
} malml_threshold_spec;

/* The table above: *count entries, in a fixed order. */
const malml_threshold_spec* malml_threshold_specs(int* count);

/* The entry named `name`, or NULL. */
const malml_threshold_spec* malml_threshold_spec_find(const char* name);

/*
 * The level of a score: "high", "medium" or "low" for the strictest cut it
 * reaches (score >= cut), "none" below all three.  A NaN cut (a model
 * without that threshold, or an undefined rule field) is never reached.
 * The one rule for `malml score`, `yara --output-format=json` and
 * `yara --print-scores`.
 */
const char* malml_level(double score, double high, double medium, double low);

/*
 * The level of sub-model g's score x (MALML_MODEL_ALL: malml.score) by g's
 * own three tiers in the table above: cuts[i] is the value of the table's
 * i-th threshold (NaN when undefined), in malml_threshold_specs order.
 * The rule behind the "levels" of every JSON result (docs/results.md).
 */
const char* malml_level_of(int g, double x, const double* cuts);

/*
 * The default model compiled into the binary (model/default.malml at build
 * time), parsed on first use and kept until malml_model_default_release.
 * NULL if none was compiled in or it did not parse; malml_model_default_status
 * then says why.  Thread-safe.
 */
const malml_model* malml_model_default(void);
const char* malml_model_default_status(void);
void malml_model_default_release(void);

#endif
