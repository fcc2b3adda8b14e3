/*
 * Familiarity (model.h): the counts the trainer's writer
 * (model_build_counted, as `malml train` calls it) stores in a model file,
 * read from the file's own bytes; a format 1.0 file (the same model, its
 * node records cut back to 28 bytes) still loads and scores alike, with
 * familiarity undefined; and a file like the benign training rows is more
 * familiar than one far from them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/train/model_build.h"
#include "modules/malml/le.h"
#include "modules/malml/model/model_internal.h"
#include "tests/unit/xgb_reference.h"

#define ROWS 600

static xgb_models models;
static float* x;
static int y[ROWS], benign;
static char path[400];
static uint8_t* bytes;
static size_t size;

static void setup(void)
{
  cr_assert_eq(malml_schema_init(), 0);
  xgb_models_train(&models, 60, 4); /* 66 trees in the all model */
  x = malloc(sizeof(float) * ROWS * MALML_FEATURE_COUNT);
  float* label = malloc(sizeof(float) * ROWS);
  cr_assert(x != NULL && label != NULL);
  xgb_synth(x, label, ROWS, 12345); /* the rows xgb_models_train fitted */
  for (int r = 0; r < ROWS; r++) benign += (y[r] = label[r] == 1) == 0;
  free(label);
  const char* paths[MALML_MODEL_COUNT];
  for (int g = 0; g < MALML_MODEL_COUNT; g++) paths[g] = models.json[g];
  snprintf(path, sizeof(path), "%s/counted.malml", models.dir);
  model_rows rows = {x, y, NULL, ROWS, 0.01};
  model_threshold t = {"medium", 0.7, 0.01};
  char err[256] = "";
  cr_assert_eq(
      model_build_counted(paths, &rows, &t, 1, "v", NULL, path, err, 256),
      0,
      "%s",
      err);
  bytes = read_whole(path, &size);
  cr_assert_not_null(bytes);
}

static void teardown(void)
{
  free(bytes);
  free(x);
  unlink(path);
  xgb_models_free(&models);
}

TestSuite(familiarity, .init = setup, .fini = teardown, .timeout = 120);

/* Offset of sub-model 0's tree sizes: header, group table, model table. */
static size_t trees_offset(void)
{
  return MALML_MODEL_HEADER_SIZE + MALML_GROUP_COUNT * 8 +
         MALML_MODEL_COUNT * MALML_MODEL_TABLE_ENTRY_SIZE;
}

static uint32_t table_u32(int g, int field)
{
  size_t table = MALML_MODEL_HEADER_SIZE + MALML_GROUP_COUNT * 8;
  return malml_le32(bytes + table + (size_t) g * 32 + 4 * field);
}

Test(familiarity, every_tree_counts_every_training_row)
{
  cr_assert_eq(bytes[10] | bytes[11] << 8, 1, "format 1.1");
  cr_assert_eq(malml_le32(bytes + 32), 36, "36-byte node records");
  size_t off = trees_offset();
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    uint32_t ntrees = table_u32(g, 2), nnodes = table_u32(g, 3);
    const uint8_t* sizes = bytes + off;
    const uint8_t* node = sizes + 4 * (size_t) ntrees;
    for (uint32_t t = 0; t < ntrees; t++)
    {
      uint32_t n = malml_le32(sizes + 4 * t), leaves[2] = {0, 0};
      cr_assert_eq(malml_le32(node + 28), benign, "root of %d/%u", g, t);
      cr_assert_eq(malml_le32(node + 32), ROWS - benign);
      for (uint32_t i = 0; i < n; i++, node += 36)
        if (malml_le32(node) == MALML_MODEL_NO_CHILD)
          for (int c = 0; c < 2; c++) leaves[c] += malml_le32(node + 28 + 4 * c);
      cr_assert_eq(leaves[0], benign, "leaves of sub-model %d tree %u", g, t);
      cr_assert_eq(leaves[0] + leaves[1], ROWS, "sub-model %d tree %u", g, t);
    }
    off += 4 * (size_t) ntrees + 36 * (size_t) nnodes;
  }
}

/* The same model as format 1.0 wrote it: minor 0, 28-byte records, a new
 * checksum. */
static uint8_t* as_format_1_0(size_t* out_size)
{
  uint8_t* old = malloc(size);
  cr_assert_not_null(old);
  size_t from = trees_offset(), to = from;
  memcpy(old, bytes, from);
  old[10] = old[11] = 0;
  old[32] = 28;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    uint32_t ntrees = table_u32(g, 2), nnodes = table_u32(g, 3);
    memcpy(old + to, bytes + from, 4 * (size_t) ntrees);
    from += 4 * (size_t) ntrees;
    to += 4 * (size_t) ntrees;
    for (uint32_t i = 0; i < nnodes; i++, from += 36, to += 28)
      memcpy(old + to, bytes + from, 28);
  }
  memcpy(old + to, bytes + from, size - 32 - from);
  to += size - 32 - from;
  unsigned int len;
  cr_assert_eq(EVP_Digest(old, to, old + to, &len, EVP_sha256(), NULL), 1);
  *out_size = to + 32;
  return old;
}

static malml_model* load(const uint8_t* p, size_t n)
{
  malml_model* m;
  char err[256] = "";
  cr_assert_eq(malml_model_load(p, n, &m, err, sizeof(err)), 0, "%s", err);
  return m;
}

Test(familiarity, a_format_1_0_model_loads_without_familiarity)
{
  size_t old_size;
  uint8_t* old = as_format_1_0(&old_size);
  malml_model *m = load(bytes, size), *m0 = load(old, old_size);
  cr_assert_eq(malml_model_training_rows(m, MALML_MODEL_ALL, 0), benign);
  cr_assert_eq(malml_model_training_rows(m, MALML_MODEL_ALL, 1), ROWS - benign);
  cr_assert_eq(malml_model_training_rows(m0, MALML_MODEL_ALL, 0), 0);
  for (int r = 0; r < ROWS; r += 37)
  {
    const float* v = x + (size_t) r * MALML_FEATURE_COUNT;
    double f, f0;
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
      cr_assert_eq(
          malml_model_margin_familiarity(m, g, v, &f),
          malml_model_margin_familiarity(m0, g, v, &f0),
          "sub-model %d row %d",
          g,
          r);
    cr_assert(isnan(f0), "a 1.0 model has no familiarity");
    cr_assert(f >= 0 && f <= 1, "familiarity %f", f);
  }
  malml_model_free(m);
  malml_model_free(m0);
  free(old);
}

static int compare(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

Test(familiarity, a_typical_benign_row_is_more_familiar_than_a_far_one)
{
  malml_model* m = load(bytes, size);
  double fam[ROWS], far;
  int n = 0;
  for (int r = 0; r < ROWS; r++)
    if (y[r] == 0)
      malml_model_margin_familiarity(
          m, MALML_MODEL_ALL, x + (size_t) r * MALML_FEATURE_COUNT, &fam[n++]);
  qsort(fam, n, sizeof(double), compare);
  /* Far from the benign rows: every column beyond the rows' range (0..9.9),
   * where one of the informative columns makes a row malware. */
  float v[MALML_FEATURE_COUNT];
  for (int i = 0; i < MALML_FEATURE_COUNT; i++) v[i] = 1e6f;
  malml_model_margin_familiarity(m, MALML_MODEL_ALL, v, &far);
  cr_assert(far < fam[n / 2], "far %f, median benign row %f", far, fam[n / 2]);
  const malml_model_threshold* cut = malml_model_threshold_find(m, "familiar");
  cr_assert_not_null(cut);
  cr_assert_eq(cut->target_fpr, 0.01);
  int under = 0;
  for (int r = 0; r < n; r++) under += fam[r] < cut->value;
  cr_assert(under <= n / 100, "%d of %d benign rows under the cut", under, n);
  cr_assert(far < cut->value, "far %f, cut %f", far, cut->value);
  malml_model_free(m);
}

/* A copy of the model with the u32 at `at` set to v and a new checksum. */
static void expect_refused(size_t at, uint32_t v, const char* want)
{
  uint8_t* p = malloc(size);
  cr_assert_not_null(p);
  memcpy(p, bytes, size);
  for (int i = 0; i < 4; i++) p[at + i] = (uint8_t) (v >> (8 * i));
  unsigned int len;
  cr_assert_eq(EVP_Digest(p, size - 32, p + size - 32, &len, EVP_sha256(), NULL), 1);
  malml_model* m = NULL;
  char err[256] = "";
  cr_assert_eq(malml_model_load(p, size, &m, err, sizeof(err)), -1, "loaded");
  cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
  free(p);
}

Test(familiarity, counts_that_do_not_add_up_are_refused)
{
  size_t first = trees_offset() + 4 * (size_t) table_u32(0, 2);
  size_t leaf = first;
  while (malml_le32(bytes + leaf) != MALML_MODEL_NO_CHILD) leaf += 36;
  /* A leaf of tree 0 holds one benign file more than its parent knows. */
  expect_refused(
      leaf + 28, malml_le32(bytes + leaf + 28) + 1, "not its children's sum");
  /* Tree 1's root says it holds no malware, tree 0's that it holds some. */
  uint32_t tree0 = malml_le32(bytes + trees_offset());
  expect_refused(first + 36 * (size_t) tree0 + 32, 0, "malware training files");
}

/* The familiarity of the compact walk, 16 trees at a time with AVX-512
 * gathers (where the CPU has them; the all-features model has 66 trees)
 * and one at a time, equals that of the walk over the loaded nodes. */
Test(familiarity, every_walk_gives_the_same_familiarity)
{
  malml_model* m = load(bytes, size);
  malml_submodel* s = &m->sub[MALML_MODEL_ALL];
  cr_assert_not_null(s->fast, "the model fits the compact layout");
  cr_assert_geq(s->ntrees, 64, "enough trees for a gather group");
  for (int r = 0; r < ROWS; r += 7)
  {
    const float* v = x + (size_t) r * MALML_FEATURE_COUNT;
    double f[3], margin[3];
    int gather = s->fast_gather;
    margin[0] = malml_model_margin_familiarity(m, MALML_MODEL_ALL, v, &f[0]);
    s->fast_gather = 0;
    margin[1] = malml_model_margin_familiarity(m, MALML_MODEL_ALL, v, &f[1]);
    s->fast_gather = gather;
    malml_fast_node* kept = s->fast;
    s->fast = NULL;
    margin[2] = malml_model_margin_familiarity(m, MALML_MODEL_ALL, v, &f[2]);
    s->fast = kept;
    for (int k = 0; k < 2; k++)
    {
      cr_assert_eq(f[k], f[2], "row %d walk %d: %.9g, nodes %.9g", r, k, f[k], f[2]);
      cr_assert_eq(margin[k], margin[2], "row %d walk %d", r, k);
    }
  }
  malml_model_free(m);
}
