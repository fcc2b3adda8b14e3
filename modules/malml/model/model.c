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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/features/string_stats.h"
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
static inline const malml_fast_node* step(
    const malml_fast_node* n,
    const float* x)
{
  unsigned f = n->feature;
  float v = x[f & MALML_FAST_FEATURE_MASK]; /* x[0] at a leaf: unused */
  /* Written without && or ?: on floats so it compiles without branches. */
  unsigned missing_left = (f & MALML_FAST_DEFAULT_LEFT) != 0;
  unsigned left = (v < n->split) | ((v != v) & missing_left);
  unsigned next = left ^ ((f & MALML_FAST_NEXT_IS_RIGHT) != 0);
  unsigned off = next ? 1u : n->right;
  return n + (n->right ? off : 0u);
}

/* Trees walked side by side: the nodes are out of cache by the time a file
 * is scored, and one walk is a chain of dependent loads, so several chains
 * overlap their misses.  Every walk takes the sub-model's deepest leaf's
 * number of steps (a leaf steps to itself): with the more-covered child
 * next to its parent most steps hit the cache line already loaded, and a
 * fixed count has no branch to mispredict.  bench/score-bench, 4,989 corpus
 * files: 69 us a file warm, 78 cold with the old order and a loop until
 * every lane reached a leaf; 32 and 44 now.  4 lanes measured the same as
 * 8, 16 slower. */
#define LANES 8
/* Groups of trees whose first cache lines are fetched ahead of their walk.
 * bench/score-bench: 32 -> 30 us warm, 43 -> 39 cold; with the model out
 * of every cache (8 MB mapped, written and unmapped between files, not in
 * the bench: it takes minutes) 173 -> 126-145 us; 2 groups ahead measured
 * worse than 1. */
#define AHEAD 1

static uint32_t gather_trees(
    const malml_submodel* s,
    const float* x,
    float* sum,
    uint32_t* fam);

/* The trees gather_trees leaves (all of them without AVX-512), LANES
 * walks at a time, then one by one.  *fam receives the sum of the leaves'
 * familiarity terms (their `feature`, in the same cache line as the value
 * just read; 0 where a model has none). */
static float fast_margin(const malml_submodel* s, const float* x, uint32_t* fam)
{
  float sum = (float) s->base_margin;
  uint32_t t = s->fast_gather ? gather_trees(s, x, &sum, fam) : 0;
  for (uint32_t k = t; k < t + AHEAD * LANES && k < s->ntrees; k++)
    __builtin_prefetch(s->fast + s->fast_roots[k]);
  for (; t + LANES <= s->ntrees; t += LANES)
  {
    const malml_fast_node* n[LANES];
    for (int k = 0; k < LANES; k++) n[k] = s->fast + s->fast_roots[t + k];
    /* The first cache line of the next group's trees: most walks stay in
     * it, and it is fetched while this group walks. */
    uint32_t ahead = t + AHEAD * LANES;
    for (uint32_t k = ahead; k < ahead + LANES && k < s->ntrees; k++)
      __builtin_prefetch(s->fast + s->fast_roots[k]);
    for (uint32_t d = 0; d < s->fast_depth; d++)
      for (int k = 0; k < LANES; k++) n[k] = step(n[k], x);
    /* Added in tree order, as XGBoost adds them: the same float sum. */
    for (int k = 0; k < LANES; k++) sum += n[k]->split;
    for (int k = 0; k < LANES; k++) *fam += n[k]->feature;
  }
  for (; t < s->ntrees; t++)
  {
    const malml_fast_node* n = s->fast + s->fast_roots[t];
    while (n->right != 0) n = step(n, x);
    sum += n->split;
    *fam += n->feature;
  }
  return sum;
}

void malml_model_prefetch(const malml_model* m, int with_dotnet)
{
  for (int g = 0; m != NULL && g < MALML_MODEL_COUNT; g++)
  {
    const malml_submodel* s = &m->sub[g];
    /* The vector is not complete yet: a sub-model that applies only to
     * .NET files (malml_model_applies) is fetched when the file may be one. */
    int dotnet_only = malml_model_applies_feature(g) == MALML_F_is_dotnet;
    if (s->fast == NULL || (dotnet_only && !with_dotnet))
      continue;
    const char* line = (const char*) s->fast;
    const char* end = (const char*) (s->fast + s->fast_nodes);
    for (; line < end; line += 64) __builtin_prefetch(line, 0, 2);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/* step16 reads a node as two 32-bit words: split, then feature | right. */
_Static_assert(
    sizeof(malml_fast_node) == 8 && offsetof(malml_fast_node, feature) == 4 &&
        offsetof(malml_fast_node, right) == 6,
    "malml_fast_node is split, feature, right in 8 bytes");

/* `step` for the 16 walks whose nodes are at indices idx of s->fast, as
 * gathers: the node's split, its feature and link word, then the feature's
 * value; the same choice, mask for mask. */
AVX512 static inline __m512i
step16(const malml_fast_node* fast, __m512i idx, const float* x)
{
  __m512 split = _mm512_i32gather_ps(idx, (const void*) fast, 8);
  __m512i word =
      _mm512_i32gather_epi32(idx, (const void*) ((const char*) fast + 4), 8);
  __m512i feature =
      _mm512_and_si512(word, _mm512_set1_epi32(MALML_FAST_FEATURE_MASK));
  __m512 v = _mm512_i32gather_ps(feature, (const void*) x, 4);
  __m512i right = _mm512_srli_epi32(word, 16);
  __mmask16 missing_left =
      _mm512_test_epi32_mask(word, _mm512_set1_epi32(MALML_FAST_DEFAULT_LEFT));
  __mmask16 next_is_right =
      _mm512_test_epi32_mask(word, _mm512_set1_epi32(MALML_FAST_NEXT_IS_RIGHT));
  __mmask16 left = _mm512_cmp_ps_mask(v, split, _CMP_LT_OQ) |
                   (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & missing_left);
  /* The child that follows (1 node on) or the other (right nodes on); a
   * leaf (right == 0) stays. */
  __m512i off = _mm512_mask_blend_epi32(
      left ^ next_is_right, right, _mm512_set1_epi32(1));
  __mmask16 inner = _mm512_test_epi32_mask(right, right);
  return _mm512_mask_add_epi32(idx, inner, idx, off);
}

/* Groups of 16 walks stepped side by side: a gather's latency is long and
 * the other groups' gathers hide it.  bench/score-bench, 4,989 corpus
 * files, against the scalar walk (MALML_PASS=avx2) in the same run: warm
 * 31-34 -> 26-27 us a file, cold 44-46 -> 38-40 with 2 groups, 36 with 4;
 * two 64-bit gathers for the node instead of two 32-bit ones: the same. */
#define GATHER_GROUPS 4

/* fast_margin's walks for the first trees, 16 * GATHER_GROUPS at a time,
 * each the sub-model's deepest leaf's number of steps; the leaves are
 * added in tree order, as XGBoost adds them.  Returns where it stopped. */
AVX512 static uint32_t gather_trees(
    const malml_submodel* s,
    const float* x,
    float* sum,
    uint32_t* fam)
{
  uint32_t t = 0;
  const void* words = (const void*) ((const char*) s->fast + 4);
  for (; t + 16 * GATHER_GROUPS <= s->ntrees; t += 16 * GATHER_GROUPS)
  {
    __m512i at[GATHER_GROUPS];
    for (int g = 0; g < GATHER_GROUPS; g++)
      at[g] = _mm512_loadu_si512((const void*) (s->fast_roots + t + 16 * g));
    for (uint32_t d = 0; d < s->fast_depth; d++)
      for (int g = 0; g < GATHER_GROUPS; g++) at[g] = step16(s->fast, at[g], x);
    float leaf[16 * GATHER_GROUPS];
    for (int g = 0; g < GATHER_GROUPS; g++)
      _mm512_storeu_ps(
          leaf + 16 * g, _mm512_i32gather_ps(at[g], (const void*) s->fast, 8));
    for (int k = 0; k < 16 * GATHER_GROUPS; k++) *sum += leaf[k];
    /* The leaves' familiarity terms: the low half of their second word. */
    __m512i terms = _mm512_setzero_si512();
    for (int g = 0; g < GATHER_GROUPS; g++)
      terms = _mm512_add_epi32(
          terms,
          _mm512_and_si512(
              _mm512_i32gather_epi32(at[g], words, 8),
              _mm512_set1_epi32(0xffff)));
    *fam += (uint32_t) _mm512_reduce_add_epi32(terms);
  }
  return t;
}

/* AVX-512F, unless MALML_PASS caps malml's instruction set below it (how
 * the scalar walk is timed against this one). */
static int cpu_gathers(void)
{
  return malml_pass_best() >= MALML_PASS_AVX512;
}
#else
static uint32_t gather_trees(
    const malml_submodel* s,
    const float* x,
    float* sum,
    uint32_t* fam)
{
  return 0;
}

static int cpu_gathers(void)
{
  return 0;
}
#endif

/* The leaves' familiarity terms are in the leaves' feature field, which
 * fast walks read as a feature index on their last steps. */
_Static_assert(
    MALML_FAMILIARITY_LEVELS < MALML_FEATURE_COUNT,
    "a familiarity term is a valid feature index");

double malml_model_margin_familiarity(
    const malml_model* m,
    int g,
    const float* vector,
    double* familiarity)
{
  const malml_submodel* s = submodel(m, g);
  uint32_t fam = 0;
  *familiarity = NAN;
  if (s == NULL)
    return NAN;
  float sum = (float) s->base_margin;
  if (s->fast != NULL)
    sum = fast_margin(s, vector, &fam);
  else
    for (uint32_t t = 0; t < s->ntrees; t++)
    {
      const malml_node* leaf = leaf_of(s->nodes, s->roots[t], vector);
      sum += leaf->split;
      fam += leaf->feature;
    }
  if (s->rows[0] > 0 && s->ntrees > 0 && g == MALML_MODEL_ALL)
    *familiarity = fam / ((double) MALML_FAMILIARITY_LEVELS * s->ntrees);
  return sum;
}

double malml_model_margin(const malml_model* m, int g, const float* vector)
{
  double familiarity;
  return malml_model_margin_familiarity(m, g, vector, &familiarity);
}

uint32_t malml_model_training_rows(const malml_model* m, int g, int label)
{
  const malml_submodel* s = submodel(m, g);
  return s != NULL && (label == 0 || label == 1) ? s->rows[label] : 0;
}

/* Work space for compact_tree, each as long as the biggest tree plus one. */
typedef struct
{
  uint32_t* stack; /* nodes to copy */
  uint32_t* at;    /* where each node of the tree went */
  uint32_t* from;  /* which node went to each place */
} compact_work;

/* The child a walk takes more often (more training rows went that way)
 * goes right after its parent: nonzero when that is the right child. */
static int next_is_right(const malml_submodel* s, const malml_node* node)
{
  return s->nodes[node->right].cover > s->nodes[node->left].cover;
}

/* Copies tree t to out[0..) in depth-first order, the more-covered child
 * first; returns its node count, or 0 when it does not fit the fast
 * layout. */
static uint32_t compact_tree(
    const malml_submodel* s,
    uint32_t t,
    malml_fast_node* out,
    const compact_work* w)
{
  uint32_t root = s->roots[t], n = 0, top = 0;
  uint32_t size = (t + 1 < s->ntrees ? s->roots[t + 1] : s->nnodes) - root;
  w->stack[top++] = root;
  while (top > 0)
  {
    uint32_t i = w->stack[--top];
    if (n == size)
      return 0; /* a node reached twice: not a tree */
    const malml_node* node = &s->nodes[i];
    w->at[i - root] = n; /* where node i went: its parent patches `right` */
    w->from[n] = i;
    malml_fast_node* f = &out[n++];
    f->split = node->split;
    f->feature = 0;
    f->right = 0;
    if (node->left < 0)
    {
      f->feature = (uint16_t) node->feature; /* the familiarity term */
      continue;
    }
    uint32_t feature = MALML_NODE_FEATURE(node);
    if (feature > MALML_FAST_FEATURE_MASK)
      return 0;
    int swap = next_is_right(s, node);
    f->feature =
        (uint16_t) feature |
        ((node->feature & MALML_NODE_DEFAULT_LEFT) ? MALML_FAST_DEFAULT_LEFT
                                                   : 0) |
        (swap ? MALML_FAST_NEXT_IS_RIGHT : 0);
    /* The child popped next follows its parent. */
    w->stack[top++] = (uint32_t) (swap ? node->left : node->right);
    w->stack[top++] = (uint32_t) (swap ? node->right : node->left);
  }
  /* Every other child is placed; store its distance from its parent. */
  for (uint32_t k = 0; k < n; k++)
  {
    uint32_t i = w->from[k]; /* nodes no walk reaches were not copied */
    const malml_node* node = &s->nodes[i];
    if (node->left < 0)
      continue;
    uint32_t other =
        (uint32_t) (next_is_right(s, node) ? node->left : node->right);
    uint32_t dist = w->at[other - root] - w->at[i - root];
    if (dist > 0xffff)
      return 0;
    out[w->at[i - root]].right = (uint16_t) dist;
  }
  return n;
}

void malml_submodel_compact(malml_submodel* s)
{
  uint32_t biggest = 1;
  for (uint32_t t = 0; t < s->ntrees; t++)
  {
    uint32_t end = t + 1 < s->ntrees ? s->roots[t + 1] : s->nnodes;
    biggest = end - s->roots[t] > biggest ? end - s->roots[t] : biggest;
  }
  biggest++; /* the stack may hold one more than a tree's nodes */
  /* Room for each tree to start a cache line. */
  size_t room = (size_t) s->nnodes + (size_t) s->ntrees * MALML_FAST_LINE;
  s->fast = aligned_alloc(64, (room * sizeof(*s->fast) + 63) & ~(size_t) 63);
  s->fast_roots = malloc((s->ntrees ? s->ntrees : 1) * sizeof(uint32_t));
  uint32_t* space = malloc(3 * (size_t) biggest * sizeof(uint32_t));
  compact_work w = {space, space + biggest, space + 2 * biggest};
  int ok = s->fast != NULL && s->fast_roots != NULL && space != NULL;
  s->fast_depth = 0;
  s->fast_gather = cpu_gathers();
  for (uint32_t t = 0, n = 0; ok && t < s->ntrees; t++)
  {
    n = (n + MALML_FAST_LINE - 1) & ~(uint32_t) (MALML_FAST_LINE - 1);
    s->fast_roots[t] = n;
    uint32_t size = compact_tree(s, t, s->fast + n, &w);
    /* Every walk takes the deepest tree's steps (fast_margin).  Asked
     * only of a tree compact_tree accepted: a node reached twice would
     * make the depth walk exponential. */
    int depth = size > 0 ? malml_tree_depth(s->nodes, s->roots[t]) : -1;
    ok = depth >= 0;
    if (ok && (uint32_t) depth > s->fast_depth)
      s->fast_depth = (uint32_t) depth;
    n += size;
    s->fast_nodes = n;
  }
  free(space);
  if (!ok)
  {
    free(s->fast);
    free(s->fast_roots);
    s->fast = NULL;
    s->fast_roots = NULL;
  }
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
    {"dotnet", "dotnet_score"},
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
    TIERS("dotnet_", MALML_GROUP_DOTNET),
};

int malml_model_applies_feature(int g)
{
  return g == MALML_GROUP_DOTNET ? MALML_F_is_dotnet : -1;
}

int malml_model_applies(int g, const float* v)
{
  int f = malml_model_applies_feature(g);
  return f < 0 || v[f] == 1;
}

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

const char* malml_level_of(int g, double x, const double* cuts)
{
  double high = NAN, medium = NAN, low = NAN;
  int n;
  const malml_threshold_spec* spec = malml_threshold_specs(&n);
  for (int i = 0; i < n; i++)
  {
    if (spec[i].model != g)
      continue;
    if (spec[i].target_fpr == 0.001)
      high = cuts[i];
    else if (spec[i].target_fpr == 0.01)
      medium = cuts[i];
    else if (spec[i].target_fpr == 0.05)
      low = cuts[i];
  }
  return malml_level(x, high, medium, low);
}
