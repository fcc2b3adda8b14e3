#include "cli/yara/yara_rules.h"

#include <ctype.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common/rule_check.h"

void rules_report(
    int level,
    const char* file,
    int line,
    const YR_RULE* rule,
    const char* message,
    void* user_data)
{
  compiler_results* r = user_data;
  const char* type = "error";
  if (level != YARA_ERROR_LEVEL_ERROR)
  {
    if (r->ignore_warnings)
      return;
    r->warnings++;
    type = "warning";
  }
  if (rule != NULL)
    fprintf(
        stderr,
        "%s: rule \"%s\" in %s(%d): %s\n",
        type,
        rule->identifier,
        file,
        line,
        message);
  else if (r->style == MESSAGES_YARAC)
    fprintf(stderr, "%s: %s(%d): %s\n", type, file, line, message);
  else
    fprintf(stderr, "%s(%d): %s: %s\n", file, line, type, message);
}

typedef struct
{
  YR_COMPILER* compiler;
  const char* file;
} check_target;

/* A typo in a malml call, said as a compiler warning through the
   compiler's own callback (rules_report): -w hides it, --fail-on-warnings
   fails on it, and its form is YARA's. */
static void on_malml_typo(void* ctx, int line, const char* message)
{
  check_target* t = ctx;
  if (t->compiler->callback != NULL)
    t->compiler->callback(
        YARA_ERROR_LEVEL_WARNING,
        t->file,
        line,
        NULL,
        message,
        t->compiler->user_data);
}

bool rules_compile_files(YR_COMPILER* c, int n, char** files)
{
  for (int i = 0; i < n; i++)
  {
    char* colon = access(files[i], F_OK) != 0 ? strchr(files[i], ':') : NULL;
    const char* ns = NULL;
    const char* name = files[i];
    /* YARA 4.2.3 takes "ns:/abs/path" as a namespace, but not "C:\\x". */
    if (colon != NULL && colon[1] != '\\')
    {
      *colon = '\0';
      ns = files[i];
      name = colon + 1;
    }
    FILE* f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
    if (f == NULL)
    {
      fprintf(stderr, "error: could not open file: %s\n", name);
      return false;
    }
    if (f != stdin)
    {
      check_target t = {c, name};
      rule_check_file(name, on_malml_typo, &t);
    }
    int errors = yr_compiler_add_file(c, f, ns, name);
    if (f != stdin)
      fclose(f);
    if (errors > 0)
      return false;
  }
  return true;
}

static bool is_integer(const char* s)
{
  if (*s == '-')
    s++;
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit((unsigned char) *s))
      return false;
  return true;
}

static bool is_float(const char* s)
{
  bool dot = false;
  if (*s == '-')
    s++;
  if (*s == '.')
    return false;
  for (; *s; s++)
  {
    if (*s == '.' && dot)
      return false;
    if (*s == '.')
      dot = true;
    else if (!isdigit((unsigned char) *s))
      return false;
  }
  return dot;
}

static int
define_one(const char* id, const char* value, YR_RULES* rules, YR_COMPILER* c)
{
  if (is_float(value))
    return rules ? yr_rules_define_float_variable(rules, id, atof(value))
                 : yr_compiler_define_float_variable(c, id, atof(value));
  /* atoi, not strtoll: YARA 4.2 truncates to int, and so must we. */
  if (is_integer(value))
    return rules ? yr_rules_define_integer_variable(rules, id, atoi(value))
                 : yr_compiler_define_integer_variable(c, id, atoi(value));
  if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
  {
    int b = strcmp(value, "true") == 0;
    return rules ? yr_rules_define_boolean_variable(rules, id, b)
                 : yr_compiler_define_boolean_variable(c, id, b);
  }
  return rules ? yr_rules_define_string_variable(rules, id, value)
               : yr_compiler_define_string_variable(c, id, value);
}

int rules_define_externals(
    const char* const* vars,
    YR_RULES* rules,
    YR_COMPILER* c)
{
  int result = ERROR_SUCCESS;
  for (int i = 0; vars[i] != NULL; i++)
  {
    const char* eq = strchr(vars[i], '=');
    if (eq == NULL)
    {
      fprintf(stderr, "error: wrong syntax for `-d` option.\n");
      return ERROR_SUCCESS;
    }
    char* id = strndup(vars[i], (size_t) (eq - vars[i]));
    if (id == NULL)
      return ERROR_INSUFFICIENT_MEMORY;
    result = define_one(id, eq + 1, rules, c);
    free(id);
  }
  return result;
}

static size_t write_stream(const void* p, size_t size, size_t n, void* f)
{
  return fwrite(p, size, n, f);
}

static size_t read_stream(void* p, size_t size, size_t n, void* f)
{
  return fread(p, size, n, f);
}

int rules_reload(YR_RULES** rules)
{
  char* buf = NULL;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  if (out == NULL)
    return ERROR_SUCCESS; /* the rules stay as they are */
  YR_STREAM ws = {.user_data = out, .write = write_stream};
  int rc = yr_rules_save_stream(*rules, &ws);
  if (fclose(out) != 0 || rc != ERROR_SUCCESS)
  {
    free(buf);
    return ERROR_SUCCESS;
  }
  yr_rules_destroy(*rules);
  *rules = NULL;
  /* The compiler's freed memory goes back to the system, so the loaded
     rules and everything a scan allocates start from an empty heap. */
  malloc_trim(0);
  FILE* in = fmemopen(buf, len, "rb");
  if (in == NULL)
    rc = ERROR_INSUFFICIENT_MEMORY;
  else
  {
    YR_STREAM rs = {.user_data = in, .read = read_stream};
    rc = yr_rules_load_stream(&rs, rules);
    fclose(in);
  }
  free(buf);
  return rc;
}

void rules_print_error(int error)
{
  const char* text = NULL;
  switch (error)
  {
  case ERROR_SUCCESS:
    return;
  case ERROR_COULD_NOT_ATTACH_TO_PROCESS:
    text = "can not attach to process (try running as root)";
    break;
  case ERROR_INSUFFICIENT_MEMORY:
    text = "not enough memory";
    break;
  case ERROR_SCAN_TIMEOUT:
    text = "scanning timed out";
    break;
  case ERROR_COULD_NOT_OPEN_FILE:
    text = "could not open file";
    break;
  case ERROR_UNSUPPORTED_FILE_VERSION:
    text = "rules were compiled with a different version of YARA";
    break;
  case ERROR_INVALID_FILE:
    text = "invalid compiled rules file.";
    break;
  case ERROR_CORRUPT_FILE:
    text = "corrupt compiled rules file.";
    break;
  case ERROR_EXEC_STACK_OVERFLOW:
    text =
        "stack overflow while evaluating condition "
        "(see --stack-size argument) ";
    break;
  case ERROR_INVALID_EXTERNAL_VARIABLE_TYPE:
    text = "invalid type for external variable";
    break;
  case ERROR_TOO_MANY_MATCHES:
    text = "too many matches";
    break;
  }
  if (text != NULL)
    fprintf(stderr, "%s\n", text);
  else
    fprintf(stderr, "error: %d\n", error);
}
