/*
 * The names `malml score` shows for hashed features are exactly the file's
 * names that set them: every named bucket is non-zero in the module's
 * vector, and every non-zero import, dll and section-name bucket has a name.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <yara.h>

#include "cli/malml/bucket_names.h"
#include "tests/unit/scan_helpers.h"

typedef struct
{
  bucket_names names;
  malml_features features;
} capture;

static int on_scan(YR_SCAN_CONTEXT* ctx, int message, void* data, void* user)
{
  capture* c = user;
  YR_OBJECT* obj = data;
  if (message != CALLBACK_MSG_MODULE_IMPORTED)
    return CALLBACK_CONTINUE;
  if (strcmp(obj->identifier, "pe") == 0)
    bucket_names_add_imports(&c->names, obj);
  if (strcmp(obj->identifier, "malml") == 0)
    memcpy(&c->features, obj->data, sizeof(c->features));
  return CALLBACK_CONTINUE;
}

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
}

static void teardown(void)
{
  yr_finalize();
}

TestSuite(bucket_names, .init = setup, .fini = teardown);

static int is_hashed(int i)
{
  return (i >= MALML_F_import_bucket && i < MALML_IMPORTS_END) ||
         (i >= MALML_F_section_name_bucket && i < MALML_SECTIONS_END);
}

static void check(const char* file)
{
  capture c;
  char buf[4096];
  memset(&c, 0, sizeof(c));
  YR_RULES* rules = compile_rules("import \"malml\"");
  cr_assert_eq(
      yr_rules_scan_file(rules, fixture(file), 0, on_scan, &c, 0),
      ERROR_SUCCESS);
  yr_rules_destroy(rules);
  cr_assert(c.features.is_pe);
  bucket_names_add_sections(&c.names, &c.features);
  int named = 0;
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
  {
    if (!is_hashed(i))
      continue;
    int n = bucket_names_join(&c.names, i, buf, sizeof(buf));
    float v = c.features.vector[i];
    cr_assert_eq(
        n > 0,
        v > 0,
        "%s feature %d = %f has %d names (%s)",
        file,
        i,
        v,
        n,
        buf);
    named += n;
  }
  cr_assert_gt(named, 3, "%s: only %d names", file, named);
  bucket_names_free(&c.names);
}

Test(bucket_names, netclient_imports_and_sections)
{
  check("pe/netclient-x86_64.exe");
  check("pe/netclient-i686.exe");
}

Test(bucket_names, plugin_with_ordinal_imports)
{
  check("pe/plugin-x86_64.dll");
  check("pe/plugin-i686.dll");
}
