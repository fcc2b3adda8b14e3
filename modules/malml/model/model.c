/*
 * Evaluates malml's tree models: the scan-time half of the model code (the
 * loader is model_load.c).  The semantics are XGBoost's, so that a score
 * equals what XGBoost predicts for the same vector:
 *
 *  - at an inner node go left iff x < threshold, both as float32; a missing
 *    value (NaN) takes the node's default direction;
 *  - margin = base margin + sum of the leaves reached, accumulated in float32
 *    tree by tree as XGBoost's CPU predictor does;
 *  - probability = 1 / (1 + exp(-margin)) (binary:logistic).
 */
#include <math.h>
#include <string.h>

#include "modules/malml/model/model_internal.h"

static const malml_submodel* submodel(const malml_model* m, int g)
{
  return (m != NULL && g >= 0 && g < MALML_MODEL_COUNT) ? &m->sub[g] : NULL;
}

/* The loader checked that children follow their parent inside the tree and
 * that features are in range, so this walk ends and stays in bounds. */
static const malml_node*
leaf_of(const malml_node* nodes, uint32_t root, const float* x)
{
  const malml_node* n = &nodes[root];
  while (n->left >= 0)
  {
    float v = x[MALML_NODE_FEATURE(n)];
    int left =
        isnan(v) ? (n->feature & MALML_NODE_DEFAULT_LEFT) != 0 : v < n->split;
    n = &nodes[left ? n->left : n->right];
  }
  return n;
}

/* One step down from n, or n itself at a leaf. */
static inline const malml_node*
step(const malml_node* nodes, const malml_node* n, const float* x)
{
  if (n->left < 0)
    return n;
  float v = x[MALML_NODE_FEATURE(n)];
  int left =
      isnan(v) ? (n->feature & MALML_NODE_DEFAULT_LEFT) != 0 : v < n->split;
  return &nodes[left ? n->left : n->right];
}

/* Trees walked side by side: a model's nodes (1.6 MB) are out of cache by the
 * time a file is scored, and one walk is a chain of dependent misses, so
 * walking several at once overlaps them (2-3x faster on the corpus). */
#define LANES 8

double malml_model_margin(const malml_model* m, int g, const float* vector)
{
  const malml_submodel* s = submodel(m, g);
  if (s == NULL)
    return NAN;
  float sum = (float) s->base_margin;
  uint32_t t = 0;
  for (; t + LANES <= s->ntrees; t += LANES)
  {
    const malml_node* n[LANES];
    int walking = 1;
    for (int k = 0; k < LANES; k++) n[k] = &s->nodes[s->roots[t + k]];
    while (walking)
    {
      walking = 0;
      for (int k = 0; k < LANES; k++)
      {
        n[k] = step(s->nodes, n[k], vector);
        walking |= n[k]->left >= 0;
      }
    }
    /* Added in tree order, as XGBoost adds them: the same float sum. */
    for (int k = 0; k < LANES; k++) sum += n[k]->split;
  }
  for (; t < s->ntrees; t++)
    sum += leaf_of(s->nodes, s->roots[t], vector)->split;
  return sum;
}

double malml_model_score(const malml_model* m, int g, const float* vector)
{
  double margin = malml_model_margin(m, g, vector);
  return isnan(margin) ? NAN : 1.0 / (1.0 + exp(-margin));
}

void malml_model_contributions(
    const malml_model* m,
    int g,
    const float* vector,
    double* contrib,
    double* bias)
{
  const malml_submodel* s = submodel(m, g);
  memset(contrib, 0, sizeof(double) * MALML_FEATURE_COUNT);
  *bias = 0;
  if (s == NULL)
    return;
  *bias = (float) s->base_margin;
  for (uint32_t t = 0; t < s->ntrees; t++)
  {
    const malml_node* n = &s->nodes[s->roots[t]];
    *bias += n->mean;
    while (n->left >= 0)
    {
      float v = vector[MALML_NODE_FEATURE(n)];
      int left =
          isnan(v) ? (n->feature & MALML_NODE_DEFAULT_LEFT) != 0 : v < n->split;
      const malml_node* child = &s->nodes[left ? n->left : n->right];
      contrib[MALML_NODE_FEATURE(n)] += (double) child->mean - (double) n->mean;
      n = child;
    }
  }
}

static const char* const model_names[MALML_MODEL_COUNT][2] = {
    {"header", "header_score"},
    {"imports", "imports_score"},
    {"sections", "sections_score"},
    {"filetype", "filetype_score"},
    {"strings", "strings_score"},
    {"all", "score"}};

const char* malml_model_name(int g)
{
  return (g >= 0 && g < MALML_MODEL_COUNT) ? model_names[g][0] : NULL;
}

const char* malml_model_score_field(int g)
{
  return (g >= 0 && g < MALML_MODEL_COUNT) ? model_names[g][1] : NULL;
}

/* The three tiers of one score: target false-positive rates 0.1%, 1%, 5%. */
#define TIERS(prefix, g)                                 \
  {prefix "high", g, 0.001}, {prefix "medium", g, 0.01}, \
  {                                                      \
    prefix "low", g, 0.05                                \
  }

static const malml_threshold_spec threshold_specs[] = {
    TIERS("", MALML_MODEL_ALL),
    {"count", MALML_THRESHOLD_ON_SUM, 0.01},
    TIERS("header_", MALML_GROUP_HEADER),
    TIERS("imports_", MALML_GROUP_IMPORTS),
    TIERS("sections_", MALML_GROUP_SECTIONS),
    TIERS("filetype_", MALML_GROUP_FILETYPE),
    TIERS("strings_", MALML_GROUP_STRINGS),
};

const malml_threshold_spec* malml_threshold_specs(int* count)
{
  *count = (int) (sizeof(threshold_specs) / sizeof(threshold_specs[0]));
  return threshold_specs;
}

const malml_threshold_spec* malml_threshold_spec_find(const char* name)
{
  for (size_t i = 0; i < sizeof(threshold_specs) / sizeof(*threshold_specs);
       i++)
    if (strcmp(threshold_specs[i].name, name) == 0)
      return &threshold_specs[i];
  return NULL;
}

const char* malml_level(double score, double high, double medium, double low)
{
  if (score >= high) /* false for NaN on either side */
    return "high";
  if (score >= medium)
    return "medium";
  return score >= low ? "low" : "none";
}

const char* malml_model_version(const malml_model* m)
{
  return m->version != NULL ? m->version : "";
}

const char* malml_model_meta(const malml_model* m)
{
  return m->meta != NULL ? m->meta : "{}";
}

const char* malml_model_sha256(const malml_model* m)
{
  return m->sha256;
}

int malml_model_tree_count(const malml_model* m, int g)
{
  const malml_submodel* s = submodel(m, g);
  return s != NULL ? (int) s->ntrees : 0;
}

int malml_model_threshold_count(const malml_model* m)
{
  return m->nthresholds;
}

const malml_model_threshold* malml_model_threshold_at(
    const malml_model* m,
    int i)
{
  return (i >= 0 && i < m->nthresholds) ? &m->thresholds[i] : NULL;
}

const malml_model_threshold* malml_model_threshold_find(
    const malml_model* m,
    const char* name)
{
  for (int i = 0; i < m->nthresholds; i++)
    if (strcmp(m->thresholds[i].name, name) == 0)
      return &m->thresholds[i];
  return NULL;
}
