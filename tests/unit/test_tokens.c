/*
 * Tokeniser and bucket rule (docs/features.md).  Expected buckets were
 * computed outside this code, with
 *   printf '%s' TOKEN | openssl dgst -md5 -r
 * taking the first 4 digest bytes as a little-endian integer, mod N.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/features/schema.h"
#include "modules/malml/features/tokens.h"

/* Parameters are copied into each test process: no pointers in them. */
typedef struct
{
  char token[64];
  uint32_t buckets;
  uint32_t expected;
} bucket_case;

ParameterizedTestParameters(tokens, bucket_matches_openssl)
{
  static bucket_case cases[] = {
      {"kernel32!VirtualAlloc", MALML_IMPORT_BUCKETS, 951},
      {"ws2_32!#115", MALML_IMPORT_BUCKETS, 218},
      {"msvcrt!printf", MALML_IMPORT_BUCKETS, 510},
      {"kernel32", MALML_DLL_BUCKETS, 67},
      {".text", MALML_SECTION_NAME_BUCKETS, 17},
      {"UPX0", MALML_SECTION_NAME_BUCKETS, 28},
  };
  return cr_make_param_array(
      bucket_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(bucket_case* c, tokens, bucket_matches_openssl)
{
  cr_assert_eq(
      malml_bucket(c->token, strlen(c->token), c->buckets),
      c->expected,
      "bucket of %s mod %u",
      c->token,
      c->buckets);
}

Test(tokens, dll_token_lowercases_and_drops_extension)
{
  char out[64];
  cr_assert_eq(malml_dll_token("KERNEL32.dll", 12, out, sizeof(out)), 8);
  cr_assert_str_eq(out, "kernel32");
  malml_dll_token("api-ms-win-core-synch-l1-2-0.dll", 32, out, sizeof(out));
  cr_assert_str_eq(out, "api-ms-win-core-synch-l1-2-0");
  malml_dll_token("noext", 5, out, sizeof(out));
  cr_assert_str_eq(out, "noext");
  malml_dll_token("a.b.DLL", 7, out, sizeof(out));
  cr_assert_str_eq(out, "a.b", "only the last extension goes");
}

Test(tokens, import_token_by_name_keeps_function_case)
{
  char out[128];
  size_t n = malml_import_token(
      "Kernel32.DLL", 12, "VirtualAlloc", 12, 0, out, sizeof(out));
  cr_assert_str_eq(out, "kernel32!VirtualAlloc");
  cr_assert_eq(n, strlen(out));
}

Test(tokens, import_token_by_ordinal)
{
  char out[128];
  malml_import_token("WS2_32.dll", 10, NULL, 0, 115, out, sizeof(out));
  cr_assert_str_eq(out, "ws2_32!#115");
}

Test(tokens, hostile_lengths_are_cut_not_overflowed)
{
  static char longname[5000];
  char out[2 * MALML_TOKEN_MAX + 32];
  memset(longname, 'A', sizeof(longname) - 1);
  size_t n =
      malml_import_token(longname, 4999, longname, 4999, 0, out, sizeof(out));
  cr_assert_eq(n, strlen(out));
  cr_assert_eq(n, 2 * MALML_TOKEN_MAX + 1, "dll and function cut to the max");
  char small[8];
  n = malml_import_token(
      "kernel32.dll", 12, "Sleep", 5, 0, small, sizeof(small));
  cr_assert_eq(n, strlen(small));
  cr_assert_lt(n, sizeof(small));
}

static int cmp_names(const void* a, const void* b)
{
  return strcmp((const char*) a, (const char*) b);
}

Test(tokens, schema_names_are_unique_and_hash_is_sha256)
{
  static char names[MALML_FEATURE_COUNT][96];
  char a[96];
  cr_assert_eq(malml_schema_init(), 0);
  cr_assert_eq(strlen(malml_schema_hash()), 64);
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
  {
    malml_schema_feature_name(i, names[i], sizeof(names[i]));
    cr_assert_null(strchr(names[i], '?'), "feature %d has no name", i);
  }
  qsort(names, MALML_FEATURE_COUNT, sizeof(names[0]), cmp_names);
  for (int i = 1; i < MALML_FEATURE_COUNT; i++)
    cr_assert_str_neq(names[i - 1], names[i], "duplicate feature name");
  malml_schema_feature_name(MALML_F_import_bucket + 17, a, sizeof(a));
  cr_assert_str_eq(a, "imports.import_bucket[17]");
  malml_schema_feature_name(MALML_SLOT_INDEX(2, entropy), a, sizeof(a));
  cr_assert_str_eq(a, "sections.slot[2].entropy");
}
