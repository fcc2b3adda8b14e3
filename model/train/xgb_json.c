/*
 * XGBoost 1.7 JSON models to malml's tree arrays.  The layout read here is
 * XGBoost's own (checked against models saved by libxgboost 1.7.4):
 * learner.learner_model_param.{base_score,num_feature,num_class} as strings,
 * learner.objective.name, learner.gradient_booster.{name, model.trees[]},
 * and per tree the parallel arrays left_children, right_children,
 * split_indices, split_conditions (the leaf value at a leaf), default_left
 * and sum_hessian (the cover).
 */
#include "model/train/xgb_json.h"

#include "cli/common/errors.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XGBoost writes learner parameters as JSON strings ("5E-1"; 2.x writes a
 * one-element vector, "[5E-1]"). */
static int param_number(json_t* params, const char* key, double* out)
{
  json_t* v = json_object_get(params, key);
  char* end;
  if (json_is_number(v))
  {
    *out = json_number_value(v);
    return 0;
  }
  if (!json_is_string(v))
    return -1;
  const char* text = json_string_value(v);
  int bracket = text[0] == '[';
  *out = strtod(text + bracket, &end);
  if (end == text + bracket || (bracket && *end++ != ']'))
    return -1;
  return *end == '\0' ? 0 : -1;
}

static int check_learner(
    json_t* learner,
    int feature_count,
    double* base_margin,
    char* err,
    size_t errlen)
{
  json_t* params = json_object_get(learner, "learner_model_param");
  const char* objective = json_string_value(
      json_object_get(json_object_get(learner, "objective"), "name"));
  double base_score, nfeat, nclass = 0, ntarget = 1;
  if (objective == NULL || strcmp(objective, "binary:logistic") != 0)
    return errorf(
        err,
        errlen,
        "objective is %s, not binary:logistic",
        objective ? objective : "missing");
  if (param_number(params, "base_score", &base_score) != 0 ||
      param_number(params, "num_feature", &nfeat) != 0)
    return errorf(
        err,
        errlen,
        "learner_model_param lacks base_score or "
        "num_feature");
  param_number(params, "num_class", &nclass);
  param_number(params, "num_target", &ntarget);
  if ((int) nfeat != feature_count)
    return errorf(
        err,
        errlen,
        "model has %d features, the schema %d",
        (int) nfeat,
        feature_count);
  if (nclass > 1 || ntarget != 1)
    return errorf(err, errlen, "multi-class or multi-target model");
  if (!(base_score > 0 && base_score < 1))
    return errorf(
        err, errlen, "base_score %g is not a probability", base_score);
  *base_margin = log(base_score / (1 - base_score));
  return 0;
}

typedef struct
{
  json_t *left, *right, *split, *cond, *dleft, *hess, *stype;
  size_t n;
} tree_arrays;

static int get_arrays(json_t* tree, tree_arrays* a)
{
  a->left = json_object_get(tree, "left_children");
  a->right = json_object_get(tree, "right_children");
  a->split = json_object_get(tree, "split_indices");
  a->cond = json_object_get(tree, "split_conditions");
  a->dleft = json_object_get(tree, "default_left");
  a->hess = json_object_get(tree, "sum_hessian");
  a->stype = json_object_get(tree, "split_type");
  a->n = json_array_size(a->left);
  json_t* all[] = {a->right, a->split, a->cond, a->dleft, a->hess};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (!json_is_array(all[i]) || json_array_size(all[i]) != a->n)
      return -1;
  return a->n > 0 ? 0 : -1;
}

/* An integer array entry; default_left may be written as booleans. */
static long long at(json_t* arr, size_t i)
{
  json_t* v = json_array_get(arr, i);
  if (json_is_boolean(v))
    return json_is_true(v);
  return json_is_integer(v) ? json_integer_value(v)
                            : (long long) json_number_value(v);
}

/* Copies node `i` of the tree into out[k], children not yet renumbered. */
static int
copy_node(const tree_arrays* a, size_t i, int feature_count, xgb_node* out)
{
  long long l = at(a->left, i), r = at(a->right, i);
  out->cover = (float) json_number_value(json_array_get(a->hess, i));
  out->default_left = at(a->dleft, i) != 0;
  if (a->stype != NULL && at(a->stype, i) != 0)
    return -1; /* categorical split */
  if (l == -1 && r == -1)
  {
    out->left = out->right = UINT32_MAX;
    out->value = (float) json_number_value(json_array_get(a->cond, i));
    out->feature = 0;
    out->threshold = 0;
    return 0;
  }
  long long f = at(a->split, i);
  if (l < 0 || r < 0 || (size_t) l >= a->n || (size_t) r >= a->n || f < 0 ||
      f >= feature_count)
    return -1;
  out->left = (uint32_t) l;
  out->right = (uint32_t) r;
  out->feature = (uint32_t) f;
  out->threshold = (float) json_number_value(json_array_get(a->cond, i));
  out->value = 0;
  return 0;
}

/* Appends the nodes reachable from the root in preorder (XGBoost may keep
 * pruned nodes in its arrays), so children follow parents in the output.
 * A node reached twice means the arrays do not form a tree. */
static int read_tree(
    json_t* tree,
    int feature_count,
    xgb_model* m,
    uint32_t* size,
    char* err,
    size_t errlen)
{
  tree_arrays a;
  if (get_arrays(tree, &a) != 0)
    return errorf(err, errlen, "tree arrays missing or of unequal length");
  size_t* stack = malloc(a.n * sizeof(*stack));
  uint32_t* newid = malloc(a.n * sizeof(*newid));
  xgb_node* nodes = realloc(m->nodes, (m->nnodes + a.n) * sizeof(*nodes));
  if (stack == NULL || newid == NULL || nodes == NULL)
  {
    free(stack);
    free(newid);
    if (nodes != NULL)
      m->nodes = nodes;
    return errorf(err, errlen, "out of memory");
  }
  m->nodes = nodes;
  memset(newid, 0xFF, a.n * sizeof(*newid));
  xgb_node* out = nodes + m->nnodes;
  size_t top = 0, count = 0;
  int bad = 0;
  stack[top++] = 0;
  while (top > 0 && !bad)
  {
    size_t i = stack[--top];
    if (newid[i] != UINT32_MAX || copy_node(&a, i, feature_count, &out[count]))
    {
      bad = 1;
      break;
    }
    newid[i] = (uint32_t) count++;
    if (out[newid[i]].left != UINT32_MAX && top + 2 <= a.n)
    {
      stack[top++] = out[newid[i]].right;
      stack[top++] = out[newid[i]].left;
    }
    else if (out[newid[i]].left != UINT32_MAX)
      bad = 1;
  }
  for (size_t k = 0; k < count && !bad; k++)
    if (out[k].left != UINT32_MAX)
    {
      out[k].left = newid[out[k].left];
      out[k].right = newid[out[k].right];
    }
  free(stack);
  free(newid);
  if (bad)
    return errorf(
        err,
        errlen,
        "tree is malformed (bad child or feature index, "
        "cycle, or categorical split)");
  *size = (uint32_t) count;
  m->nnodes += (uint32_t) count;
  return 0;
}

static int read_trees(
    json_t* booster,
    int feature_count,
    xgb_model* m,
    char* err,
    size_t errlen)
{
  const char* name = json_string_value(json_object_get(booster, "name"));
  json_t* model = json_object_get(booster, "model");
  json_t* trees = json_object_get(model, "trees");
  json_t* info = json_object_get(model, "tree_info");
  if (name == NULL || strcmp(name, "gbtree") != 0)
    return errorf(
        err, errlen, "booster is %s, not gbtree", name ? name : "missing");
  if (!json_is_array(trees) || json_array_size(trees) > UINT32_MAX / 2)
    return errorf(err, errlen, "no trees array");
  m->ntrees = (uint32_t) json_array_size(trees);
  m->tree_sizes = calloc(m->ntrees ? m->ntrees : 1, sizeof(uint32_t));
  if (m->tree_sizes == NULL)
    return errorf(err, errlen, "out of memory");
  for (uint32_t t = 0; t < m->ntrees; t++)
  {
    if (at(info, t) != 0)
      return errorf(
          err, errlen, "tree %u belongs to output group %lld", t, at(info, t));
    if (read_tree(
            json_array_get(trees, t),
            feature_count,
            m,
            &m->tree_sizes[t],
            err,
            errlen) != 0)
      return -1;
  }
  return 0;
}

int xgb_json_read(
    const char* path,
    int feature_count,
    xgb_model* out,
    char* err,
    size_t errlen)
{
  json_error_t jerr;
  memset(out, 0, sizeof(*out));
  json_t* root = json_load_file(path, 0, &jerr);
  if (root == NULL)
    return errorf(err, errlen, "%s: %s (line %d)", path, jerr.text, jerr.line);
  json_t* learner = json_object_get(root, "learner");
  int rc =
      check_learner(learner, feature_count, &out->base_margin, err, errlen);
  if (rc == 0)
    rc = read_trees(
        json_object_get(learner, "gradient_booster"),
        feature_count,
        out,
        err,
        errlen);
  json_decref(root);
  if (rc != 0)
    xgb_model_free(out);
  return rc;
}

void xgb_model_free(xgb_model* m)
{
  free(m->tree_sizes);
  free(m->nodes);
  memset(m, 0, sizeof(*m));
}
