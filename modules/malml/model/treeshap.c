/*
 * TreeSHAP (Lundberg, Erion and Lee, "Consistent individualized feature
 * attribution for tree ensembles", Algorithm 2), as XGBoost implements it
 * for pred_contribs (src/tree/tree_model.cc: ExtendPath, UnwindPath,
 * UnwoundPathSum, TreeShap), so malml's values equal XGBoost's.  Each path
 * element records a feature met on the way down, the share of training
 * cover that follows the path without the feature (zero) and whether this
 * file follows it (one); pweight is the weight of each subset size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/model/model_internal.h"

typedef struct
{
  int feature; /* -1 for the root's placeholder */
  double zero; /* share of cover going this way when the feature is unknown */
  double one;  /* 1 when the file goes this way, else 0 */
  double pweight;
} path_el;

static void extend(path_el* path, int depth, double zero, double one, int f)
{
  path[depth] = (path_el){f, zero, one, depth == 0 ? 1.0 : 0.0};
  for (int i = depth - 1; i >= 0; i--)
  {
    path[i + 1].pweight += one * path[i].pweight * (i + 1) / (depth + 1);
    path[i].pweight = zero * path[i].pweight * (depth - i) / (depth + 1);
  }
}

static void unwind(path_el* path, int depth, int at)
{
  double one = path[at].one, zero = path[at].zero;
  double next = path[depth].pweight;
  for (int i = depth - 1; i >= 0; i--)
  {
    if (one != 0)
    {
      double tmp = path[i].pweight;
      path[i].pweight = next * (depth + 1) / ((i + 1) * one);
      next = tmp - path[i].pweight * zero * (depth - i) / (depth + 1);
    }
    else
      path[i].pweight = path[i].pweight * (depth + 1) / (zero * (depth - i));
  }
  for (int i = at; i < depth; i++)
  {
    path[i].feature = path[i + 1].feature;
    path[i].zero = path[i + 1].zero;
    path[i].one = path[i + 1].one;
  }
}

static double unwound_sum(const path_el* path, int depth, int at)
{
  double one = path[at].one, zero = path[at].zero;
  double next = path[depth].pweight, total = 0;
  for (int i = depth - 1; i >= 0; i--)
  {
    if (one != 0)
    {
      double tmp = next * (depth + 1) / ((i + 1) * one);
      total += tmp;
      next = path[i].pweight - tmp * zero * (depth - i) / (depth + 1);
    }
    else
      total += path[i].pweight / zero / ((double) (depth - i) / (depth + 1));
  }
  return total;
}

typedef struct
{
  const malml_node* nodes;
  const float* x;
  double* phi;
} shap_walk;

/* The child this file takes at n (missing: the default direction). */
static int hot_child(const shap_walk* w, const malml_node* n)
{
  float v = w->x[MALML_NODE_FEATURE(n)];
  int left =
      isnan(v) ? (n->feature & MALML_NODE_DEFAULT_LEFT) != 0 : v < n->split;
  return left ? n->left : n->right;
}

/* `parent` holds depth + 1 elements; this call's copy goes after them. */
static void recurse(
    const shap_walk* w,
    int index,
    int depth,
    path_el* parent,
    double zero,
    double one,
    int feature)
{
  const malml_node* n = &w->nodes[index];
  path_el* path = parent + depth + 1;
  memcpy(path, parent, sizeof(*path) * (size_t) (depth + 1));
  extend(path, depth, zero, one, feature);
  if (n->left < 0)
  {
    for (int i = 1; i <= depth; i++)
      w->phi[path[i].feature] +=
          unwound_sum(path, depth, i) * (path[i].one - path[i].zero) * n->split;
    return;
  }
  int hot = hot_child(w, n), cold = hot == n->left ? n->right : n->left;
  int f = (int) MALML_NODE_FEATURE(n);
  double in_zero = 1, in_one = 1;
  int at = 0;
  while (at <= depth && path[at].feature != f) at++;
  /* A feature met again: undo its first split, so it counts once. */
  if (at <= depth)
  {
    in_zero = path[at].zero;
    in_one = path[at].one;
    unwind(path, depth, at);
    depth--;
  }
  double cover = n->cover;
  double hot_zero = cover > 0 ? w->nodes[hot].cover / cover : 0;
  double cold_zero = cover > 0 ? w->nodes[cold].cover / cover : 0;
  recurse(w, hot, depth + 1, path, hot_zero * in_zero, in_one, f);
  recurse(w, cold, depth + 1, path, cold_zero * in_zero, 0, f);
}

int malml_tree_depth(const malml_node* nodes, uint32_t root)
{
  int stack_node[2 * MALML_SHAP_MAX_DEPTH + 4];
  int stack_depth[2 * MALML_SHAP_MAX_DEPTH + 4];
  int top = 0, deepest = 0;
  stack_node[0] = (int) root;
  stack_depth[0] = 0;
  while (top >= 0)
  {
    int i = stack_node[top], d = stack_depth[top--];
    deepest = d > deepest ? d : deepest;
    if (nodes[i].left < 0)
      continue;
    if (d + 1 > MALML_SHAP_MAX_DEPTH)
      return -1;
    /* Depth-first: the stack holds at most one pending sibling a level. */
    stack_node[++top] = nodes[i].right;
    stack_depth[top] = d + 1;
    stack_node[++top] = nodes[i].left;
    stack_depth[top] = d + 1;
  }
  return deepest;
}

int malml_model_shap(
    const malml_model* m,
    int g,
    const float* vector,
    double* contrib,
    double* bias)
{
  if (m == NULL || g < 0 || g >= MALML_MODEL_COUNT)
  {
    memset(contrib, 0, sizeof(double) * MALML_FEATURE_COUNT);
    *bias = 0;
    return -1;
  }
  const malml_submodel* s = &m->sub[g];
  /* Room for the copies of the path down the deepest allowed tree. */
  enum
  {
    D = MALML_SHAP_MAX_DEPTH + 2
  };
  path_el* paths = malloc(sizeof(path_el) * (D * (D + 1) / 2));
  for (uint32_t t = 0; paths != NULL && t < s->ntrees; t++)
    if (malml_tree_depth(s->nodes, s->roots[t]) < 0)
    {
      free(paths);
      paths = NULL;
    }
  if (paths == NULL)
  {
    malml_model_contributions(m, g, vector, contrib, bias);
    return -1;
  }
  memset(contrib, 0, sizeof(double) * MALML_FEATURE_COUNT);
  *bias = (float) s->base_margin;
  shap_walk w = {s->nodes, vector, contrib};
  for (uint32_t t = 0; t < s->ntrees; t++)
  {
    *bias += s->nodes[s->roots[t]].mean;
    recurse(&w, (int) s->roots[t], 0, paths, 1, 1, -1);
  }
  free(paths);
  return 0;
}
