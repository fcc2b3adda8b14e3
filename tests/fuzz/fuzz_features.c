/*
 * libFuzzer target for malml's features on hostile bytes (not part of make
 * check): every input is scanned with rules that import malml and pe, so the
 * pe parse, malml's reading of it, the byte pass and the strings machine
 * all see it.
 *
 *   make -C build fuzz     # clang, ASan, UBSan; the module's sources are
 *                          # compiled with the fuzzer's instrumentation
 *   cp -r build/tests/built-fixtures/pe /tmp/seeds   # libFuzzer adds to it
 *   build/tests/fuzz/fuzz_features -max_total_time=300 /tmp/seeds
 *
 * YARA comes from the build's libyara-malml.a, so malml is in its table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <yara.h>

static YR_RULES* rules;

static int ignore(YR_SCAN_CONTEXT* ctx, int msg, void* data, void* user)
{
  return CALLBACK_CONTINUE;
}

static void setup(void)
{
  YR_COMPILER* c;
  if (yr_initialize() != ERROR_SUCCESS ||
      yr_compiler_create(&c) != ERROR_SUCCESS)
    abort();
  /* Touch every kind of rule-visible value so each is computed and read. */
  const char* src =
      "import \"malml\" import \"pe\"\n"
      "rule r { condition: malml.is_pe == 1 and malml.entropy >= 0 and "
      "malml.string_stats.urls >= 0 and malml.import_bucket(\"kernel32.dll\", "
      "\"VirtualAlloc\") >= 0 and malml.feature(\"sections.max_entropy\") >= 0 "
      "and for any i in (0..malml.number_of_sections): "
      "(malml.sections[i].entropy >= 0) and malml.score >= 0 }\n";
  if (yr_compiler_add_string(c, src, NULL) != 0 ||
      yr_compiler_get_rules(c, &rules) != ERROR_SUCCESS)
    abort();
  yr_compiler_destroy(c);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  if (rules == NULL)
    setup();
  yr_rules_scan_mem(rules, data, size, 0, ignore, NULL, 0);
  return 0;
}
