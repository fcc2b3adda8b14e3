/*
 * The model loader against broken and hostile files: every truncation, every
 * flipped byte, re-signed files with out-of-range or cyclic indices, another
 * schema, a newer major version, and random mutations.  Each must fail with
 * a message and without touching memory it does not own (run under valgrind
 * or ASan to see the latter).
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/xgb_reference.h"

static xgb_models models;
static uint8_t* good;
static size_t good_size;

static void setup(void)
{
  cr_assert_eq(malml_schema_init(), 0);
  xgb_models_train(&models, 2, 2);
  good = read_whole(models.model_path, &good_size);
  cr_assert(good != NULL);
}

static void teardown(void)
{
  xgb_models_free(&models);
  free(good);
}

TestSuite(model_load, .init = setup, .fini = teardown, .timeout = 120);

/* Recomputes the trailing checksum so the parser, not the checksum, has to
 * catch what was changed. */
static void resign(uint8_t* data, size_t size)
{
  unsigned int len;
  cr_assert_eq(
      EVP_Digest(data, size - 32, data + size - 32, &len, EVP_sha256(), NULL),
      1);
}

static uint8_t* copy(void)
{
  uint8_t* p = malloc(good_size);
  cr_assert(p != NULL);
  memcpy(p, good, good_size);
  return p;
}

/* Loads data and expects failure with a message containing `want`. */
static void expect_error(const uint8_t* data, size_t size, const char* want)
{
  malml_model* m = NULL;
  char err[256] = "";
  cr_assert_eq(
      malml_model_load(data, size, &m, err, sizeof(err)),
      -1,
      "loaded a bad file (want '%s')",
      want);
  cr_assert_null(m);
  cr_assert(err[0] != '\0');
  cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
}

static void put32(uint8_t* p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

/* Offset of the first node of sub-model 0: after the header, the group
 * table, the model table and sub-model 0's tree sizes. */
static size_t first_node(void)
{
  size_t table = MALML_MODEL_HEADER_SIZE + 8 * MALML_GROUP_COUNT;
  uint32_t ntrees = good[table + 8] | good[table + 9] << 8;
  return table + MALML_MODEL_TABLE_ENTRY_SIZE * MALML_MODEL_COUNT + 4 * ntrees;
}

/* A copy of the good file with the u32 at `offset` set to `value`, re-signed
 * so that the parser must notice, must fail with `want`. */
static void
expect_patched_error(size_t offset, uint32_t value, const char* want)
{
  uint8_t* p = copy();
  put32(p + offset, value);
  resign(p, good_size);
  expect_error(p, good_size, want);
  free(p);
}

Test(model_load, the_good_file_loads)
{
  malml_model* m;
  char err[256];
  cr_assert_eq(
      malml_model_load(good, good_size, &m, err, sizeof(err)), 0, "%s", err);
  malml_model_free(m);
}

Test(model_load, every_truncation_fails)
{
  for (size_t n = 0; n < good_size; n++)
  {
    uint8_t* p = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(p, good, n);
    malml_model* m = NULL;
    char err[256] = "";
    cr_assert_eq(
        malml_model_load(p, n, &m, err, sizeof(err)),
        -1,
        "truncated to %zu bytes but loaded",
        n);
    cr_assert(err[0] != '\0');
    free(p);
  }
}

Test(model_load, every_flipped_byte_fails)
{
  uint8_t* p = copy();
  for (size_t i = 0; i < good_size; i++)
  {
    p[i] ^= 0x20;
    malml_model* m = NULL;
    char err[256] = "";
    cr_assert_eq(
        malml_model_load(p, good_size, &m, err, sizeof(err)),
        -1,
        "byte %zu flipped but loaded",
        i);
    cr_assert(err[0] != '\0');
    p[i] ^= 0x20;
  }
  free(p);
}

Test(model_load, checksum_mismatch_is_named)
{
  uint8_t* p = copy();
  p[good_size / 2] ^= 1;
  expect_error(p, good_size, "checksum");
  free(p);
}

Test(model_load, foreign_schema_is_refused)
{
  uint8_t* p = copy();
  p[40] ^= 0xFF;
  resign(p, good_size);
  expect_error(p, good_size, "an unknown feature schema");
  expect_error(p, good_size, "this build computes feature schema 2");
  free(p);
}

/* A malml 0.1/0.2 model (schema 1's hash in the header) is refused with a
 * message that names both schemas. */
Test(model_load, schema_1_model_is_refused_by_name)
{
  static const uint8_t schema1[32] = {
      0x55, 0x67, 0xc2, 0xb4, 0xe2, 0x42, 0xd6, 0xfe, 0x5c, 0x03, 0x0c, 0x51,
      0x3b, 0x43, 0x1b, 0xe6, 0x2e, 0x1e, 0xd3, 0xf0, 0x9b, 0xb0, 0x6e, 0xdf,
      0xe6, 0x98, 0x65, 0x27, 0xd5, 0x99, 0x5a, 0x47};
  uint8_t* p = copy();
  memcpy(p + 40, schema1, 32);
  resign(p, good_size);
  expect_error(p, good_size, "trained on feature schema 1 (malml 0.1 and 0.2)");
  expect_error(p, good_size, "this build computes feature schema 2");
  free(p);
}

Test(model_load, newer_major_version_is_refused)
{
  uint8_t* p = copy();
  p[8] = MALML_MODEL_MAJOR + 1;
  resign(p, good_size);
  expect_error(p, good_size, "not supported");
  free(p);
}

Test(model_load, bad_magic_is_refused)
{
  uint8_t* p = copy();
  p[0] = 'X';
  expect_error(p, good_size, "bad magic");
  free(p);
}

Test(model_load, child_out_of_range_is_refused)
{
  cr_assert_neq(
      good[first_node()], 0xFF, "the first root should be an inner node");
  expect_patched_error(first_node(), 100000, "children");
}

Test(model_load, cycle_is_refused)
{
  /* right child = the root itself */
  expect_patched_error(first_node() + 4, 0, "not after it");
}

Test(model_load, feature_out_of_range_is_refused)
{
  expect_patched_error(
      first_node() + 8,
      MALML_FEATURE_COUNT,
      "outside its sub-model's header features");
}

/* Sub-model 0 is the header model: a split on an imports feature means the
 * trainer mixed up its models. */
Test(model_load, group_model_splitting_on_another_group_is_refused)
{
  expect_patched_error(
      first_node() + 8,
      MALML_IMPORTS_BEGIN,
      "outside its sub-model's header features");
}

Test(model_load, huge_counts_are_refused_without_allocating)
{
  size_t table = MALML_MODEL_HEADER_SIZE + 8 * MALML_GROUP_COUNT;
  /* node count of sub-model 0 */
  expect_patched_error(table + 12, 0xFFFFFFF0u, "nodes");
}

Test(model_load, trailing_bytes_are_refused)
{
  uint8_t* p = malloc(good_size + 4);
  memcpy(p, good, good_size - 32);
  memset(p + good_size - 32, 0, 4);
  resign(p, good_size + 4);
  expect_error(p, good_size + 4, "unexpected bytes");
  free(p);
}

/* Random re-signed mutations reach the parser's every check. */
Test(model_load, random_resigned_mutations_do_not_crash)
{
  unsigned seed = 99;
  int loaded = 0;
  uint8_t* p = malloc(good_size);
  for (int k = 0; k < 3000; k++)
  {
    memcpy(p, good, good_size);
    int flips = 1 + rand_r(&seed) % 4;
    for (int j = 0; j < flips; j++)
      p[rand_r(&seed) % (good_size - 32)] = (uint8_t) rand_r(&seed);
    resign(p, good_size);
    malml_model* m = NULL;
    char err[256] = "";
    if (malml_model_load(p, good_size, &m, err, sizeof(err)) == 0)
    {
      /* Some changes are harmless (a threshold, a leaf value): the model
       * must then still score without trouble. */
      float v[MALML_FEATURE_COUNT];
      for (int i = 0; i < MALML_FEATURE_COUNT; i++) v[i] = (float) (i % 10);
      for (int g = 0; g < MALML_MODEL_COUNT; g++) malml_model_score(m, g, v);
      malml_model_free(m);
      loaded++;
    }
    else
      cr_assert(err[0] != '\0');
  }
  cr_log_info("%d of 3000 mutated files still loaded", loaded);
  free(p);
}
