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

void bucket_names_add_imports(bucket_names* b, YR_OBJECT* pe)
{
  malml_import_tokens(pe, on_token, b);
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
