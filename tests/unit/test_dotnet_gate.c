/*
 * The dotnet gate (issue 20) on the .NET fixture and on copies of it whose
 * metadata was made to claim more than the file holds.  The claims are
 * patched where ECMA-335 puts them, found here from the fixture's bytes
 * (the "BSJB" root, the "#~" and "#Blob" stream headers), not through the
 * gate's own parser.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/features/dotnet_gate.h"
#include "modules/malml/le.h"
#include "tests/unit/scan_helpers.h"

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
}

static void teardown(void)
{
  yr_finalize();
}

TestSuite(dotnet_gate, .init = setup, .fini = teardown);

static uint8_t* read_fixture(const char* name, size_t* size)
{
  FILE* f = fopen(fixture(name), "rb");
  cr_assert_not_null(f, "no fixture %s", name);
  static uint8_t buf[1 << 20];
  *size = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  uint8_t* copy = malloc(*size);
  memcpy(copy, buf, *size);
  return copy;
}

static size_t find(const uint8_t* d, size_t n, const char* what, size_t len)
{
  for (size_t i = 0; i + len <= n; i++)
    if (memcmp(d + i, what, len) == 0)
      return i;
  cr_assert_fail("no %s in the fixture", what);
  return 0;
}

static void put32(uint8_t* p, uint32_t v)
{
  for (int i = 0; i < 4; i++) p[i] = (uint8_t) (v >> (8 * i));
}

/* The file offset of the TypeRef row count (table 1) in the #~ stream. */
static size_t typeref_count_at(const uint8_t* d, size_t n)
{
  size_t root = find(d, n, "BSJB", 4);
  size_t name = find(d, n, "#~\0\0", 4); /* after Offset and Size */
  size_t tilde = root + malml_le32(d + name - 8);
  cr_assert(malml_le32(d + tilde + 8) & 2, "the fixture has no TypeRef");
  return tilde + 24 + 4 * (malml_le32(d + tilde + 8) & 1);
}

static int refused(const uint8_t* d, size_t n)
{
  YR_RULES* rules = compile_rules(
      "import \"malml\" rule r { condition: malml.dotnet_refused == 1 and "
      "malml.dotnet_refused_reason != \"\" }");
  int m = rule_matches_mem(rules, "r", d, n);
  yr_rules_destroy(rules);
  return m;
}

Test(dotnet_gate, accepts_the_fixture)
{
  size_t n;
  uint8_t* d = read_fixture("pe/dotnet-anycpu.exe", &n);
  malml_dotnet_gate_result r;
  cr_assert_eq(malml_dotnet_gate(d, n, &r), 1, "refused: %s", r.reason);
  cr_assert_str_empty(r.reason);
  cr_assert_gt(r.estimate, 0, "the gate did not find the metadata");
  cr_assert_not(refused(d, n));
  cr_assert(condition_holds(
      "import \"malml\" import \"dotnet\"",
      "malml.dotnet_refused == 0 and dotnet.is_dotnet == 1",
      fixture("pe/dotnet-anycpu.exe")));
  free(d);
}

Test(dotnet_gate, refuses_rows_past_the_tilde_stream)
{
  size_t n;
  uint8_t* d = read_fixture("pe/dotnet-anycpu.exe", &n);
  malml_dotnet_gate_result r;
  put32(d + typeref_count_at(d, n), 0xFFFFFF);
  cr_assert_eq(malml_dotnet_gate(d, n, &r), 0);
  cr_assert(
      strstr(r.reason, "metadata claims 16777215 TypeRef rows") != NULL,
      "reason: %s",
      r.reason);
  cr_assert(refused(d, n));
  free(d);
}

Test(dotnet_gate, refuses_a_heap_past_the_file)
{
  size_t n;
  uint8_t* d = read_fixture("pe/dotnet-anycpu.exe", &n);
  malml_dotnet_gate_result r;
  size_t name = find(d, n, "#Blob\0", 6);
  put32(d + name - 4, 0x7FFFFFFF); /* the stream's Size */
  cr_assert_eq(malml_dotnet_gate(d, n, &r), 0);
  cr_assert(
      strstr(r.reason, "the #Blob stream claims 2147483647 bytes") != NULL,
      "reason: %s",
      r.reason);
  cr_assert(refused(d, n));
  free(d);
}

/* Every prefix of the fixture (most cut a stream short): the gate answers
 * within the bytes it is given (ASan builds check the reads). */
Test(dotnet_gate, every_truncation_is_bounded)
{
  size_t n;
  uint8_t* d = read_fixture("pe/dotnet-anycpu.exe", &n);
  malml_dotnet_gate_result r;
  for (size_t k = 0; k <= n; k++)
  {
    uint8_t* cut = malloc(k ? k : 1);
    memcpy(cut, d, k);
    malml_dotnet_gate(cut, k, &r);
    cr_assert_lt(strlen(r.reason), sizeof(r.reason));
    free(cut);
  }
  cr_assert_eq(malml_dotnet_gate(NULL, 0, &r), 1);
  cr_assert_eq(malml_dotnet_gate((const uint8_t*) "MZ", 2, &r), 1);
  free(d);
}
