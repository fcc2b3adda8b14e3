/*
 * Serialises malml model files (docs/model-format.md) from XGBoost JSON
 * models.  The layout written here is the one modules/malml/model/model_load.c
 * reads; the file is loaded back through that loader before it is renamed
 * into place, so a file this writes and the module refuses cannot exist.
 */
#include "model/train/model_build.h"

#include "cli/common/errors.h"

#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/xgb_json.h"
#include "modules/malml/le.h"
#include "modules/malml/malml.h"

typedef struct
{
  uint8_t* p;
  size_t len, cap;
  int oom;
} buffer;

static void put(buffer* b, const void* data, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n > b->cap)
  {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    uint8_t* p = realloc(b->p, cap);
    if (p == NULL)
    {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

static void put_u16(buffer* b, uint16_t v)
{
  uint8_t x[2] = {(uint8_t) v, (uint8_t) (v >> 8)};
  put(b, x, 2);
}

static void put_u32(buffer* b, uint32_t v)
{
  uint8_t x[4] = {
      (uint8_t) v,
      (uint8_t) (v >> 8),
      (uint8_t) (v >> 16),
      (uint8_t) (v >> 24)};
  put(b, x, 4);
}

static void put_f32(buffer* b, float f)
{
  uint32_t u;
  memcpy(&u, &f, 4);
  put_u32(b, u);
}

static void put_f64(buffer* b, double d)
{
  uint64_t u;
  memcpy(&u, &d, 8);
  put_u32(b, (uint32_t) u);
  put_u32(b, (uint32_t) (u >> 32));
}

static void put_string(buffer* b, const char* s)
{
  put_u32(b, (uint32_t) strlen(s));
  put(b, s, strlen(s));
}

static void put_header(buffer* b, int nthresholds)
{
  uint8_t hash[32];
  const char* hex = malml_schema_hash();
  for (int i = 0; i < 32; i++)
  {
    unsigned int x = 0;
    sscanf(hex + 2 * i, "%2x", &x);
    hash[i] = (uint8_t) x;
  }
  put(b, MALML_MODEL_MAGIC, 8);
  put_u16(b, MALML_MODEL_MAJOR);
  put_u16(b, MALML_MODEL_MINOR);
  put_u32(b, MALML_MODEL_HEADER_SIZE);
  put_u32(b, MALML_FEATURE_COUNT);
  put_u32(b, MALML_GROUP_COUNT);
  put_u32(b, MALML_MODEL_COUNT);
  put_u32(b, (uint32_t) nthresholds);
  put_u32(b, MALML_MODEL_NODE_SIZE);
  put_u32(b, 0);
  put(b, hash, 32);
  put_f64(b, 0); /* reserved */
  for (int g = 0; g < MALML_GROUP_COUNT; g++)
  {
    put_u32(b, (uint32_t) malml_schema_group((malml_group) g)->begin);
    put_u32(b, (uint32_t) malml_schema_group((malml_group) g)->end);
  }
}

static void put_table(buffer* b, const xgb_model* models)
{
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    put_u32(b, (uint32_t) g);
    put_u32(b, MALML_MODEL_OBJECTIVE_LOGISTIC);
    put_u32(b, models[g].ntrees);
    put_u32(b, models[g].nnodes);
    put_f64(b, models[g].base_margin);
    put_f64(b, 0); /* reserved */
  }
}

/* Training counts: the benign and malware rows that reach each node
 * (count[2 * node + label]), found by walking every row through every tree
 * with the module's rule (x < threshold as float32, NaN to the default
 * side).  Not XGBoost's cover, which is a sum of hessians (p(1-p) per row,
 * so confident rows weigh almost nothing): a count says how many files a
 * leaf rests on. */
static uint32_t* count_rows(const xgb_model* m, const model_rows* rows)
{
  uint32_t* count = calloc(m->nnodes ? 2 * (size_t) m->nnodes : 1, 4);
  for (size_t r = 0; count != NULL && rows != NULL && r < rows->n; r++)
  {
    size_t k = rows->index ? rows->index[r] : r;
    const float* x = rows->x + k * (size_t) MALML_FEATURE_COUNT;
    int label = rows->y[k] == 1;
    for (uint32_t t = 0, base = 0; t < m->ntrees; base += m->tree_sizes[t++])
    {
      uint32_t i = 0;
      for (;;)
      {
        const xgb_node* n = &m->nodes[base + i];
        count[2 * (size_t) (base + i) + label]++;
        if (n->left == UINT32_MAX)
          break;
        float v = x[n->feature];
        i = (isnan(v) ? n->default_left : v < n->threshold) ? n->left
                                                              : n->right;
      }
    }
  }
  return count;
}

static void put_trees(buffer* b, const xgb_model* m, const uint32_t* count)
{
  for (uint32_t t = 0; t < m->ntrees; t++) put_u32(b, m->tree_sizes[t]);
  for (uint32_t i = 0; i < m->nnodes; i++)
  {
    const xgb_node* n = &m->nodes[i];
    put_u32(b, n->left == UINT32_MAX ? MALML_MODEL_NO_CHILD : n->left);
    put_u32(b, n->right == UINT32_MAX ? MALML_MODEL_NO_CHILD : n->right);
    put_u32(b, n->feature);
    put_f32(b, n->threshold);
    put_f32(b, n->value);
    put_f32(b, n->cover);
    put_u32(b, n->default_left ? MALML_MODEL_NODE_DEFAULT_LEFT : 0);
    put_u32(b, count != NULL ? count[2 * (size_t) i] : 0);
    put_u32(b, count != NULL ? count[2 * (size_t) i + 1] : 0);
  }
}

static int
check_thresholds(const model_threshold* t, int n, char* err, size_t errlen)
{
  if (n < 0 || n > MALML_MODEL_MAX_THRESHOLDS)
    return errorf(
        err,
        errlen,
        "%d thresholds, at most %d",
        n,
        MALML_MODEL_MAX_THRESHOLDS);
  for (int i = 0; i < n; i++)
  {
    size_t len = t[i].name ? strlen(t[i].name) : 0;
    if (len == 0 || len > MALML_MODEL_MAX_NAME)
      return errorf(err, errlen, "threshold %d has no name or a long one", i);
    if (!(t[i].value >= 0 && t[i].value <= 5) ||
        !(t[i].target_fpr >= 0 && t[i].target_fpr <= 1))
      return errorf(err, errlen, "threshold '%s' is out of range", t[i].name);
  }
  return 0;
}

/* Appends the trailing SHA-256. */
static int seal(buffer* b, char* err, size_t errlen)
{
  uint8_t digest[32];
  unsigned int dlen = 0;
  if (EVP_Digest(b->p, b->len, digest, &dlen, EVP_sha256(), NULL) != 1)
    return errorf(err, errlen, "SHA-256 failed");
  put(b, digest, 32);
  return b->oom ? errorf(err, errlen, "out of memory") : 0;
}

/* Loads the sealed image back, writes it to a temporary file and renames
 * it over out_path. */
static int finish(buffer* b, const char* out_path, char* err, size_t errlen)
{
  malml_model* check;
  char why[256];
  if (seal(b, err, errlen) != 0)
    return -1;
  if (malml_model_load(b->p, b->len, &check, why, sizeof(why)) != 0)
    return errorf(err, errlen, "the built model does not load back: %s", why);
  malml_model_free(check);
  size_t plen = strlen(out_path) + 8;
  char* tmp = malloc(plen);
  if (tmp == NULL)
    return errorf(err, errlen, "out of memory");
  snprintf(tmp, plen, "%s.tmp", out_path);
  FILE* f = fopen(tmp, "wb");
  int ok = f != NULL && fwrite(b->p, 1, b->len, f) == b->len;
  ok = (f != NULL && fclose(f) == 0) && ok;
  if (!ok || rename(tmp, out_path) != 0)
  {
    remove(tmp);
    free(tmp);
    return errorf(err, errlen, "cannot write %s", out_path);
  }
  free(tmp);
  return 0;
}

/* Everything before the checksum. */
static void put_image(
    buffer* b,
    const xgb_model* models,
    uint32_t* const* counts,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json)
{
  b->len = 0;
  put_header(b, n);
  put_table(b, models);
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    put_trees(b, &models[g], counts[g]);
  for (int i = 0; i < n; i++)
  {
    put_string(b, thresholds[i].name);
    put_f64(b, thresholds[i].value);
    put_f64(b, thresholds[i].target_fpr);
  }
  put_string(b, version);
  put_string(b, meta_json);
}

static int compare_doubles(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

/* The familiarity under which `share` of the benign rows fall, computed
 * by the module's own walk over the sealed image b (so the cut and the
 * scan agree to the last rounding).  NaN when out of memory or without
 * benign rows. */
static double familiar_cut(const buffer* b, const model_rows* rows)
{
  malml_model* m;
  char why[256];
  double cut = NAN, *fam = malloc((rows->n ? rows->n : 1) * sizeof(double));
  size_t n = 0;
  if (fam == NULL || malml_model_load(b->p, b->len, &m, why, sizeof(why)) != 0)
  {
    free(fam);
    return NAN;
  }
  for (size_t r = 0; r < rows->n; r++)
  {
    size_t k = rows->index ? rows->index[r] : r;
    if (rows->y[k] == 0)
      malml_model_margin_familiarity(
          m,
          MALML_MODEL_ALL,
          rows->x + k * (size_t) MALML_FEATURE_COUNT,
          &fam[n++]);
  }
  qsort(fam, n, sizeof(double), compare_doubles);
  /* At most share * n rows lie strictly below fam[k]. */
  size_t k = (size_t) floor(rows->familiar_share * (double) n);
  if (n > 0)
    cut = fam[k < n ? k : n - 1];
  malml_model_free(m);
  free(fam);
  return cut;
}

/* The image with counts from rows and, with rows, the `familiar` cut
 * appended to the thresholds; then sealed, checked and written. */
static int build_counted(
    buffer* b,
    const xgb_model* models,
    const model_rows* rows,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen)
{
  uint32_t* counts[MALML_MODEL_COUNT] = {NULL};
  model_threshold all[MALML_MODEL_MAX_THRESHOLDS];
  int rc = 0;
  for (int g = 0; g < MALML_MODEL_COUNT && rc == 0; g++)
    if (rows != NULL && (counts[g] = count_rows(&models[g], rows)) == NULL)
      rc = errorf(err, errlen, "out of memory");
  if (rc == 0 && rows != NULL)
  {
    if (n >= MALML_MODEL_MAX_THRESHOLDS)
      rc = errorf(err, errlen, "no room for the familiar threshold");
    put_image(b, models, counts, thresholds, n, version, meta_json);
    double cut = rc == 0 && seal(b, err, errlen) == 0 ? familiar_cut(b, rows)
                                                      : NAN;
    if (rc == 0 && isnan(cut))
      rc = errorf(err, errlen, "cannot compute the familiar threshold");
    if (rc == 0)
    {
      memcpy(all, thresholds, (size_t) n * sizeof(*all));
      all[n] = (model_threshold){"familiar", cut, rows->familiar_share};
      thresholds = all;
      n++;
    }
  }
  if (rc == 0)
  {
    put_image(b, models, counts, thresholds, n, version, meta_json);
    rc = finish(b, out_path, err, errlen);
  }
  for (int g = 0; g < MALML_MODEL_COUNT; g++) free(counts[g]);
  return rc;
}

int model_build(
    const char* const* xgb_json_paths,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen)
{
  return model_build_counted(
      xgb_json_paths,
      NULL,
      thresholds,
      n,
      version,
      meta_json,
      out_path,
      err,
      errlen);
}

int model_build_counted(
    const char* const* xgb_json_paths,
    const model_rows* rows,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen)
{
  xgb_model models[MALML_MODEL_COUNT];
  buffer b = {NULL, 0, 0, 0};
  char why[256];
  int rc = 0;
  memset(models, 0, sizeof(models));
  if (meta_json == NULL)
    meta_json = "{}";
  if (version == NULL || strlen(version) > MALML_MODEL_MAX_VERSION ||
      strlen(meta_json) > MALML_MODEL_MAX_META)
    return errorf(err, errlen, "version or meta JSON missing or too long");
  if (check_thresholds(thresholds, n, err, errlen) != 0)
    return -1;
  json_t* meta = json_loads(meta_json, 0, NULL);
  int meta_ok = json_is_object(meta);
  json_decref(meta);
  if (!meta_ok)
    return errorf(err, errlen, "meta_json is not a JSON object");
  for (int g = 0; g < MALML_MODEL_COUNT && rc == 0; g++)
    if (xgb_json_read(
            xgb_json_paths[g],
            MALML_FEATURE_COUNT,
            &models[g],
            why,
            sizeof(why)) != 0)
      rc = errorf(err, errlen, "%s: %s", xgb_json_paths[g], why);
  if (rc == 0)
    rc = build_counted(
        &b,
        models,
        rows,
        thresholds,
        n,
        version,
        meta_json,
        out_path,
        err,
        errlen);
  for (int g = 0; g < MALML_MODEL_COUNT; g++) xgb_model_free(&models[g]);
  free(b.p);
  return rc;
}

/* Where a loadable image's thresholds begin: after the header, the group
 * and model tables and every sub-model's trees. */
static size_t thresholds_offset(const uint8_t* data)
{
  uint32_t groups = malml_le32(data + 20), models = malml_le32(data + 24);
  uint32_t node_size = malml_le32(data + 32);
  size_t table = malml_le32(data + 12) + (size_t) groups * 8;
  size_t off = table + (size_t) models * MALML_MODEL_TABLE_ENTRY_SIZE;
  for (uint32_t g = 0; g < models; g++)
  {
    const uint8_t* entry = data + table + (size_t) g * 32;
    off += 4 * (size_t) malml_le32(entry + 8) +
           (size_t) node_size * malml_le32(entry + 12);
  }
  return off;
}

int model_rebuild(
    const uint8_t* data,
    size_t size,
    const model_threshold* thresholds,
    int n,
    const char* version,
    const char* meta_json,
    const char* out_path,
    char* err,
    size_t errlen)
{
  malml_model* check;
  char why[256];
  if (malml_model_load(data, size, &check, why, sizeof(why)) != 0)
    return errorf(err, errlen, "the base model does not load: %s", why);
  malml_model_free(check);
  if (check_thresholds(thresholds, n, err, errlen) != 0)
    return -1;
  if (version == NULL || strlen(version) > MALML_MODEL_MAX_VERSION ||
      meta_json == NULL || strlen(meta_json) > MALML_MODEL_MAX_META)
    return errorf(err, errlen, "version or meta JSON missing or too long");
  buffer b = {NULL, 0, 0, 0};
  put(&b, data, thresholds_offset(data));
  if (!b.oom)
  {
    uint8_t count[4] = {(uint8_t) n, 0, 0, 0};
    memcpy(b.p + 28, count, 4); /* the header's threshold count */
  }
  for (int i = 0; i < n; i++)
  {
    put_string(&b, thresholds[i].name);
    put_f64(&b, thresholds[i].value);
    put_f64(&b, thresholds[i].target_fpr);
  }
  put_string(&b, version);
  put_string(&b, meta_json);
  int rc = finish(&b, out_path, err, errlen);
  free(b.p);
  return rc;
}
