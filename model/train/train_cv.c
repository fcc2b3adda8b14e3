#include "model/train/train_cv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/metrics.h"

/* Rows of fold f (in_fold) or of every other fold, into idx; returns count. */
static size_t fold_rows(const int* fold, size_t n, int f, int in_fold, int* idx)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if ((fold[i] == f) == in_fold)
      idx[k++] = (int) i;
  return k;
}

/* negatives / positives over rows idx: the usual scale_pos_weight, so that
 * both classes weigh the same whatever the corpus mix; 1 when sample
 * weights already do it. */
static double
balance(const int* y, const float* weight, const int* idx, size_t n)
{
  double pos = 0, neg = 0;
  if (weight != NULL)
    return 1.0;
  for (size_t i = 0; i < n; i++) y[idx[i]] ? pos++ : neg++;
  return pos > 0 ? neg / pos : 1.0;
}

typedef struct
{
  BoosterHandle booster;
  DMatrixHandle val;
  int* val_idx;
  int* val_y;
  size_t nval;
} fold_state;

static void fold_free(fold_state* s)
{
  if (s->booster)
    XGBoosterFree(s->booster);
  if (s->val)
    XGDMatrixFree(s->val);
  free(s->val_idx);
  free(s->val_y);
}

static int fit_fold(
    const dataset* d,
    const float* weight,
    DMatrixHandle all,
    const int* fold,
    int f,
    const xgb_params* p,
    double* curve,
    fold_state* s)
{
  int* train_idx = malloc(d->n * sizeof(int));
  DMatrixHandle train = NULL;
  s->val_idx = malloc(d->n * sizeof(int));
  s->val_y = malloc(d->n * sizeof(int));
  if (train_idx == NULL || s->val_idx == NULL || s->val_y == NULL)
  {
    free(train_idx);
    return -1;
  }
  size_t ntrain = fold_rows(fold, d->n, f, 0, train_idx);
  s->nval = fold_rows(fold, d->n, f, 1, s->val_idx);
  for (size_t i = 0; i < s->nval; i++) s->val_y[i] = d->y[s->val_idx[i]];
  int rc = xgb_slice(all, train_idx, ntrain, &train);
  if (rc == 0)
    rc = xgb_slice(all, s->val_idx, s->nval, &s->val);
  if (rc == 0)
    rc = xgb_train(
        train,
        p,
        balance(d->y, weight, train_idx, ntrain),
        p->max_rounds,
        s->val,
        s->val_y,
        s->nval,
        curve,
        &s->booster);
  if (train)
    XGDMatrixFree(train);
  free(train_idx);
  return rc;
}

/* Index of the best mean AUC over the folds; the earliest on a tie, since
 * fewer rounds mean a smaller, faster model that overfits less. */
static int
best_checkpoint(const double* curves, int k, int points, double* mean_auc)
{
  int best = 0;
  double best_auc = -1;
  for (int c = 0; c < points; c++)
  {
    double sum = 0;
    for (int f = 0; f < k; f++)
      sum += isnan(curves[f * points + c]) ? 0.5 : curves[f * points + c];
    if (sum / k > best_auc + 1e-12)
    {
      best_auc = sum / k;
      best = c;
    }
  }
  *mean_auc = best_auc;
  return best;
}

static int out_of_fold(fold_state* s, int k, int rounds, double* oof)
{
  for (int f = 0; f < k; f++)
  {
    double* pred = malloc((s[f].nval ? s[f].nval : 1) * sizeof(double));
    if (pred == NULL ||
        xgb_predict(s[f].booster, s[f].val, rounds, pred, s[f].nval))
    {
      free(pred);
      return -1;
    }
    for (size_t i = 0; i < s[f].nval; i++) oof[s[f].val_idx[i]] = pred[i];
    free(pred);
  }
  return 0;
}

/* Moves each fold's booster into out->fold_models. */
static int keep_fold_models(fold_state* s, int k, cv_result* out)
{
  if ((out->fold_models = calloc(k, sizeof(BoosterHandle))) == NULL)
    return -1;
  out->nfolds = k;
  for (int f = 0; f < k; f++)
  {
    out->fold_models[f] = s[f].booster;
    s[f].booster = NULL;
  }
  return 0;
}

static int cross_validate(
    const dataset* d,
    const float* weight,
    DMatrixHandle all,
    const int* fold,
    int k,
    const xgb_params* p,
    const char* name,
    int keep_folds,
    FILE* log,
    cv_result* out)
{
  int points = p->max_rounds / p->check_every;
  double* curves = calloc((size_t) k * points, sizeof(double));
  fold_state* s = calloc(k, sizeof(*s));
  int rc = (curves && s && points > 0) ? 0 : -1;
  for (int f = 0; rc == 0 && f < k; f++)
  {
    rc = fit_fold(d, weight, all, fold, f, p, curves + f * points, &s[f]);
    if (rc == 0)
    {
      double m;
      int b = best_checkpoint(curves + f * points, 1, points, &m);
      fprintf(
          log,
          "  %-8s fold %d/%d: %zu validation files, best AUC %.4f at %d "
          "rounds\n",
          name,
          f + 1,
          k,
          s[f].nval,
          m,
          (b + 1) * p->check_every);
      fflush(log);
    }
  }
  if (rc == 0)
  {
    int b = best_checkpoint(curves, k, points, &out->cv_auc);
    out->rounds = (b + 1) * p->check_every;
    rc = out_of_fold(s, k, out->rounds, out->oof);
  }
  if (rc == 0 && keep_folds)
    rc = keep_fold_models(s, k, out);
  for (int f = 0; s && f < k; f++) fold_free(&s[f]);
  free(s);
  free(curves);
  return rc;
}

int train_cv_model(
    const dataset* d,
    const int* fold,
    int k,
    const unsigned char* keep,
    const float* weight,
    const xgb_params* p,
    const char* name,
    unsigned flags,
    FILE* log,
    cv_result* out)
{
  DMatrixHandle all = NULL;
  int* every = malloc(d->n * sizeof(int));
  memset(out, 0, sizeof(*out));
  out->oof = malloc((d->n ? d->n : 1) * sizeof(double));
  if (every == NULL || out->oof == NULL)
  {
    free(every);
    return -1;
  }
  for (size_t i = 0; i < d->n; i++) every[i] = (int) i;
  int rc =
      xgb_matrix(d->x, d->y, weight, d->n, MALML_FEATURE_COUNT, keep, &all);
  if (rc == 0)
    rc = cross_validate(
        d, weight, all, fold, k, p, name, flags & CV_KEEP_FOLDS, log, out);
  if (rc == 0 && !(flags & CV_NO_FINAL))
    rc = xgb_train(
        all,
        p,
        balance(d->y, weight, every, d->n),
        out->rounds,
        NULL,
        NULL,
        0,
        NULL,
        &out->final);
  if (all)
    XGDMatrixFree(all);
  free(every);
  return rc;
}

void cv_result_free(cv_result* r)
{
  free(r->oof);
  if (r->final)
    XGBoosterFree(r->final);
  for (int f = 0; f < r->nfolds; f++)
    if (r->fold_models[f])
      XGBoosterFree(r->fold_models[f]);
  free(r->fold_models);
  memset(r, 0, sizeof(*r));
}
