#include "cli/yara/yara_output.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int outbuf_reserve(outbuf* b, size_t n)
{
  if (b->len + n <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + n) cap *= 2;
  char* data = realloc(b->data, cap);
  if (data == NULL)
    return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

void outbuf_put(outbuf* b, const char* s, size_t n)
{
  if (outbuf_reserve(b, n) != 0)
    return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

void outbuf_printf(outbuf* b, const char* fmt, ...)
{
  va_list ap;
  char small[256];
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t) n < sizeof(small))
  {
    outbuf_put(b, small, (size_t) n);
    return;
  }
  if (outbuf_reserve(b, (size_t) n + 1) != 0)
    return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t) n;
}

void outbuf_flush(outbuf* b)
{
  if (b->len > 0)
    fwrite(b->data, 1, b->len, stdout);
  b->len = 0;
}

void outbuf_free(outbuf* b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static bool has_tag(const YR_RULE* rule, const char* wanted)
{
  const char* tag;
  yr_rule_tags_foreach(rule, tag)
  {
    if (strcmp(tag, wanted) == 0)
      return true;
  }
  return false;
}

bool output_rule_shown(
    const yara_config* cfg,
    const YR_RULE* rule,
    bool matching)
{
  bool show = true;
  if (cfg->tags[0] != NULL)
  {
    show = false;
    for (int i = 0; !show && cfg->tags[i] != NULL; i++)
      show = has_tag(rule, cfg->tags[i]);
  }
  if (cfg->identifiers[0] != NULL)
  {
    show = false;
    for (int i = 0; !show && cfg->identifiers[i] != NULL; i++)
      show = strcmp(cfg->identifiers[i], rule->identifier) == 0;
  }
  return show && matching != cfg->negate;
}

void output_escaped(outbuf* b, const char* s)
{
  /* The C escapes YARA uses for bytes 7..13; other controls are octal. */
  static const char cescapes[14] = {
      0, 0, 0, 0, 0, 0, 0, 'a', 'b', 't', 'n', 'v', 'f', 'r'};
  for (const uint8_t* p = (const uint8_t*) s; *p; p++)
  {
    if (*p == '"' || *p == '\'' || *p == '\\')
      outbuf_printf(b, "\\%c", *p);
    else if (*p >= 127)
      outbuf_printf(b, "\\%03o", *p);
    else if (*p >= 32)
      outbuf_put(b, (const char*) p, 1);
    else if (*p < sizeof(cescapes) && cescapes[*p] != 0)
      outbuf_printf(b, "\\%c", cescapes[*p]);
    else
      outbuf_printf(b, "\\%03o", *p);
  }
}

void output_match_data(outbuf* b, const YR_STRING* s, const YR_MATCH* m)
{
  if (STRING_IS_HEX(s))
  {
    /* YARA shows at most 64 bytes of a hex string's match. */
    for (int i = 0; i < m->data_length && i < 64; i++)
      outbuf_printf(b, i == 0 ? "%02X" : " %02X", m->data[i]);
    if (m->data_length > 64)
      outbuf_put(b, " ...", 4);
    return;
  }
  for (int i = 0; i < m->data_length; i++)
  {
    if (m->data[i] >= 32 && m->data[i] <= 126)
      outbuf_put(b, (const char*) &m->data[i], 1);
    else
      outbuf_printf(b, "\\x%02X", m->data[i]);
  }
}

static void output_tags(outbuf* b, const YR_RULE* rule)
{
  const char* tag;
  outbuf_put(b, "[", 1);
  yr_rule_tags_foreach(rule, tag)
  {
    if (tag != rule->tags)
      outbuf_put(b, ",", 1);
    outbuf_put(b, tag, strlen(tag));
  }
  outbuf_put(b, "] ", 2);
}

static void output_meta(outbuf* b, const YR_RULE* rule)
{
  const YR_META* meta;
  outbuf_put(b, "[", 1);
  yr_rule_metas_foreach(rule, meta)
  {
    if (meta != rule->metas)
      outbuf_put(b, ",", 1);
    /* "name =5": YARA 4.2 prints integers with that space. */
    if (meta->type == META_TYPE_INTEGER)
      outbuf_printf(b, "%s =%" PRId64, meta->identifier, meta->integer);
    else if (meta->type == META_TYPE_BOOLEAN)
      outbuf_printf(
          b, "%s=%s", meta->identifier, meta->integer ? "true" : "false");
    else
    {
      outbuf_printf(b, "%s=\"", meta->identifier);
      output_escaped(b, meta->string);
      outbuf_put(b, "\"", 1);
    }
  }
  outbuf_put(b, "] ", 2);
}

static void output_strings(
    outbuf* b,
    const yara_config* cfg,
    YR_SCAN_CONTEXT* context,
    const YR_RULE* rule)
{
  const YR_STRING* s;
  yr_rule_strings_foreach(rule, s)
  {
    const YR_MATCH* m;
    yr_string_matches_foreach(context, s, m)
    {
      if (cfg->show_string_length)
        outbuf_printf(
            b,
            "0x%" PRIx64 ":%d:%s",
            m->base + m->offset,
            m->data_length,
            s->identifier);
      else
        outbuf_printf(
            b, "0x%" PRIx64 ":%s", m->base + m->offset, s->identifier);
      if (cfg->show_strings)
      {
        outbuf_put(b, ": ", 2);
        output_match_data(b, s, m);
      }
      outbuf_put(b, "\n", 1);
    }
  }
}

void output_rule_text(
    outbuf* b,
    const yara_config* cfg,
    YR_SCAN_CONTEXT* context,
    const YR_RULE* rule,
    const char* path)
{
  if (cfg->show_namespace)
    outbuf_printf(b, "%s:", rule->ns->name);
  outbuf_printf(b, "%s ", rule->identifier);
  if (cfg->show_tags)
    output_tags(b, rule);
  if (cfg->show_meta)
    output_meta(b, rule);
  outbuf_printf(b, "%s\n", path);
  if (cfg->show_strings || cfg->show_string_length)
    output_strings(b, cfg, context, rule);
}
