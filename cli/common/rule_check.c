#include "cli/common/rule_check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/malml.h"

#define NAME_MAX_LEN 96

/* Edit distance, for "did you mean": names are short. */
static int distance(const char* a, const char* b)
{
  size_t la = strlen(a), lb = strlen(b);
  int row[NAME_MAX_LEN + 1];
  if (lb > NAME_MAX_LEN)
    return 1 << 20;
  for (size_t j = 0; j <= lb; j++) row[j] = (int) j;
  for (size_t i = 1; i <= la; i++)
  {
    int diag = row[0];
    row[0] = (int) i;
    for (size_t j = 1; j <= lb; j++)
    {
      int up = row[j];
      int sub = diag + (tolower((unsigned char) a[i - 1]) !=
                        tolower((unsigned char) b[j - 1]));
      int best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
      row[j] = sub < best ? sub : best;
      diag = up;
    }
  }
  return row[lb];
}

/* The feature (filetype = 0) or filetype token (1) nearest to `name`, into
   best; "" when nothing is within a third of the name's length. */
static void nearest(const char* name, int filetype, char* best, size_t n)
{
  char buf[NAME_MAX_LEN];
  int lo = filetype ? MALML_FILETYPE_BEGIN : 0;
  int hi = filetype ? MALML_FILETYPE_END : MALML_FEATURE_COUNT;
  int best_d = (int) strlen(name) / 3 + 1;
  best[0] = '\0';
  for (int i = lo; i < hi; i++)
  {
    const char* full = malml_schema_feature_name(i, buf, sizeof(buf));
    const char* token = filetype ? strchr(full, '.') + 1 : full;
    int d = distance(name, token);
    if (d < best_d)
    {
      best_d = d;
      snprintf(best, n, "%s", token);
    }
  }
}

static int known_feature(const char* name)
{
  char buf[NAME_MAX_LEN];
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
    if (strcmp(malml_schema_feature_name(i, buf, sizeof(buf)), name) == 0)
      return 1;
  return 0;
}

/* Checks one call's literal argument; returns 1 when it reported. */
static int check_call(
    const char* fn,
    const char* arg,
    int quoted,
    int line,
    rule_check_report report,
    void* ctx)
{
  char msg[512], hint[NAME_MAX_LEN + 32] = "", near[NAME_MAX_LEN];
  int filetype = strcmp(fn, "filetype") == 0;
  if (!quoted && filetype)
    return 0; /* a number where a string goes: YARA refuses it itself */
  if (!quoted)
  {
    long long i = strtoll(arg, NULL, 0);
    if (i >= 0 && i < MALML_FEATURE_COUNT)
      return 0;
    snprintf(
        msg,
        sizeof(msg),
        "malml.feature(%s): features are numbered 0 to %d; this one is "
        "undefined on every file",
        arg,
        MALML_FEATURE_COUNT - 1);
    report(ctx, line, msg);
    return 1;
  }
  if (filetype ? malml_schema_filetype_index(arg) >= 0 : known_feature(arg))
    return 0;
  nearest(arg, filetype, near, sizeof(near));
  if (near[0] != '\0')
    snprintf(hint, sizeof(hint), " (did you mean \"%s\"?)", near);
  snprintf(
      msg,
      sizeof(msg),
      "malml.%s(\"%s\"): no %s has this name%s; the call is undefined on "
      "every file (docs/features.md lists the names)",
      fn,
      arg,
      filetype ? "filetype token" : "feature",
      hint);
  report(ctx, line, msg);
  return 1;
}

/* After "malml.NAME" at p: a call with one literal argument?  Copies it
   into arg and says whether it was quoted; -1 when not such a call. */
static int literal_argument(const char* p, const char* end, char* arg)
{
  while (p < end && isspace((unsigned char) *p)) p++;
  if (p >= end || *p++ != '(')
    return -1;
  while (p < end && isspace((unsigned char) *p)) p++;
  int quoted = p < end && *p == '"';
  p += quoted;
  size_t n = 0;
  while (p < end && n < NAME_MAX_LEN - 1 &&
         (quoted ? *p != '"' && *p != '\n' && *p != '\\'
                 : isalnum((unsigned char) *p)))
    arg[n++] = *p++;
  arg[n] = '\0';
  if (p >= end || (quoted ? *p != '"' : n == 0))
    return -1;
  return quoted;
}

int rule_check_text(
    const char* text,
    size_t len,
    rule_check_report report,
    void* ctx)
{
  static const char* const calls[] = {"feature", "filetype"};
  const char* end = text + len;
  int line = 1, found = 0;
  char arg[NAME_MAX_LEN];
  for (const char* p = text; p < end; p++)
  {
    if (*p == '\n')
      line++;
    if (end - p < 7 || memcmp(p, "malml.", 6) != 0 ||
        (p > text && (isalnum((unsigned char) p[-1]) || p[-1] == '_')))
      continue;
    const char* name = p + 6;
    if (end - name >= 8 && memcmp(name, "strings.", 8) == 0)
    {
      report(
          ctx,
          line,
          "malml.strings.*: \"strings\" is a YARA keyword, so the string "
          "counters are malml.string_stats.* (e.g. "
          "malml.string_stats.urls)");
      found++;
      continue;
    }
    for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
    {
      size_t l = strlen(calls[k]);
      if ((size_t) (end - name) <= l || memcmp(name, calls[k], l) != 0)
        continue;
      int quoted = literal_argument(name + l, end, arg);
      if (quoted >= 0)
        found += check_call(calls[k], arg, quoted, line, report, ctx);
    }
  }
  return found;
}

int rule_check_file(const char* path, rule_check_report report, void* ctx)
{
  FILE* f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  char* text = NULL;
  size_t len = 0, cap = 0, n;
  do
  {
    if (cap - len < 65536)
    {
      char* grown = realloc(text, cap = cap * 2 + 65536);
      if (grown == NULL)
        break;
      text = grown;
    }
    n = fread(text + len, 1, cap - len, f);
    len += n;
  } while (n > 0);
  fclose(f);
  int found = text != NULL ? rule_check_text(text, len, report, ctx) : -1;
  free(text);
  return found;
}
