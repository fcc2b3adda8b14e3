#include "tests/unit/scan_helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char* fixture(const char* relative)
{
  static char path[4096];
  const char* dir = getenv("MALML_FIXTURES");
  cr_assert_not_null(dir, "MALML_FIXTURES is not set: run through make check");
  snprintf(path, sizeof(path), "%s/%s", dir, relative);
  return path;
}

static void on_compile_error(
    int level,
    const char* file,
    int line,
    const YR_RULE* rule,
    const char* message,
    void* user)
{
  fprintf(
      stderr,
      "rule compile %s: line %d: %s\n",
      level == YARA_ERROR_LEVEL_ERROR ? "error" : "warning",
      line,
      message);
}

YR_RULES* compile_rules(const char* source)
{
  YR_COMPILER* c;
  YR_RULES* rules = NULL;
  cr_assert_eq(yr_compiler_create(&c), ERROR_SUCCESS);
  yr_compiler_set_callback(c, on_compile_error, NULL);
  cr_assert_eq(yr_compiler_add_string(c, source, NULL), 0, "rules: %s", source);
  cr_assert_eq(yr_compiler_get_rules(c, &rules), ERROR_SUCCESS);
  yr_compiler_destroy(c);
  return rules;
}

typedef struct
{
  const char* name;
  int matched;
  malml_features* features;
} scan_state;

static int on_scan(YR_SCAN_CONTEXT* ctx, int message, void* data, void* user)
{
  scan_state* s = user;
  if (message == CALLBACK_MSG_RULE_MATCHING && s->name != NULL &&
      strcmp(((YR_RULE*) data)->identifier, s->name) == 0)
    s->matched = 1;
  if (message == CALLBACK_MSG_MODULE_IMPORTED && s->features != NULL &&
      strcmp(((YR_OBJECT*) data)->identifier, "malml") == 0)
    memcpy(s->features, ((YR_OBJECT*) data)->data, sizeof(*s->features));
  return CALLBACK_CONTINUE;
}

int rule_matches_file(YR_RULES* rules, const char* name, const char* path)
{
  scan_state s = {name, 0, NULL};
  int rc = yr_rules_scan_file(rules, path, 0, on_scan, &s, 0);
  cr_assert_eq(rc, ERROR_SUCCESS, "scan of %s: error %d", path, rc);
  return s.matched;
}

int rule_matches_mem(
    YR_RULES* rules,
    const char* name,
    const uint8_t* data,
    size_t size)
{
  scan_state s = {name, 0, NULL};
  cr_assert_eq(
      yr_rules_scan_mem(rules, data, size, 0, on_scan, &s, 0), ERROR_SUCCESS);
  return s.matched;
}

int condition_holds(
    const char* imports,
    const char* condition,
    const char* path)
{
  char source[4096];
  snprintf(
      source,
      sizeof(source),
      "%s\nrule r { condition: %s }\n",
      imports,
      condition);
  YR_RULES* rules = compile_rules(source);
  int m = rule_matches_file(rules, "r", path);
  yr_rules_destroy(rules);
  return m;
}

void scan_features(const char* path, malml_features* out)
{
  YR_RULES* rules = compile_rules("import \"malml\"");
  scan_state s = {NULL, 0, out};
  memset(out, 0, sizeof(*out));
  cr_assert_eq(
      yr_rules_scan_file(rules, path, 0, on_scan, &s, 0), ERROR_SUCCESS);
  yr_rules_destroy(rules);
}
