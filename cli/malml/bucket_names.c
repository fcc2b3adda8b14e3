#include "cli/malml/bucket_names.h"

#include <stdlib.h>
#include <string.h>

#include "modules/malml/malml.h"

/* A file with more imports than this is named in part: enough to explain. */
#define BUCKET_NAMES_MAX 4096

static void add(bucket_names* b, int feature, const char* token, size_t len)
{
  if (b->n >= BUCKET_NAMES_MAX)
    return;
  for (int i = 0; i < b->n; i++)
    if (b->items[i].feature == feature &&
        strncmp(b->items[i].token, token, len) == 0 &&
        b->items[i].token[len] == '\0')
      return;
  if (b->n == b->cap)
  {
    int cap = b->cap ? 2 * b->cap : 64;
    bucket_name* items = realloc(b->items, sizeof(*items) * (size_t) cap);
    if (items == NULL)
      return;
    b->items = items;
    b->cap = cap;
  }
  char* copy = strndup(token, len);
  if (copy == NULL)
    return;
  b->items[b->n].feature = feature;
  b->items[b->n++].token = copy;
}

void bucket_names_clear(bucket_names* b)
{
  for (int i = 0; i < b->n; i++) free(b->items[i].token);
  b->n = 0;
}

void bucket_names_free(bucket_names* b)
{
  bucket_names_clear(b);
  free(b->items);
  memset(b, 0, sizeof(*b));
}

static void
on_token(void* ctx, int index, const char* token, size_t len, int by_ordinal)
{
  add(ctx, index, token, len);
}

static void on_extra_token(
    void* ctx,
    int feature,
    const char* token,
    size_t len,
    double weight)
{
  (void) weight;
  add(ctx, feature, token, strnlen(token, len));
}

void bucket_names_add_imports(bucket_names* b, YR_OBJECT* pe)
{
  malml_import_tokens(pe, on_token, b);
  malml_extra_tokens(pe, on_extra_token, b);
}

/* UTF-16LE user strings as ASCII text; other tokens are text already. */
static void on_dotnet_token(
    void* ctx,
    int block,
    int index,
    const char* token,
    size_t len)
{
  char text[MALML_TOKEN_MAX + 1];
  size_t n = 0;
  if (block != MALML_F_user_string_bucket)
  {
    add(ctx, block + index, token, strnlen(token, len));
    return;
  }
  for (size_t i = 0; i + 1 < len; i += 2)
  {
    unsigned c = (uint8_t) token[i] | (uint8_t) token[i + 1] << 8;
    text[n++] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
  }
  add(ctx, block + index, text, n);
}

void bucket_names_add_dotnet(bucket_names* b, YR_OBJECT* dotnet)
{
  malml_dotnet_tokens(dotnet, on_dotnet_token, b);
}

void bucket_names_add_sections(bucket_names* b, const malml_features* f)
{
  for (int i = 0; i < f->nsections && i < MALML_PE_MAX_SECTIONS; i++)
  {
    const char* name = f->section_name[i];
    size_t len = strnlen(name, 8);
    add(b,
        MALML_F_section_name_bucket +
            (int) malml_section_name_bucket(name, len),
        name,
        len);
  }
}

int bucket_names_join(
    const bucket_names* b,
    int feature,
    char* buf,
    size_t size)
{
  int count = 0;
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < b->n; i++)
  {
    if (b->items[i].feature != feature)
      continue;
    size_t len = strlen(b->items[i].token);
    if (used + len + 3 >= size)
      break;
    if (count++ > 0)
    {
      memcpy(buf + used, ", ", 2);
      used += 2;
    }
    memcpy(buf + used, b->items[i].token, len + 1);
    used += len;
  }
  return count;
}
