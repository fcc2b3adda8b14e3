#include "cli/malml/bucket_examples.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/malml.h"

/* Where each bag's buckets start in the vector, and how many there are. */
static const struct
{
  int first, buckets;
} bags[] = {
    [BUCKET_BAG_IMPORT] = {MALML_F_import_bucket, MALML_IMPORT_BUCKETS},
    [BUCKET_BAG_DLL] = {MALML_F_dll_bucket, MALML_DLL_BUCKETS},
    [BUCKET_BAG_EXPORT] = {MALML_F_export_bucket, MALML_EXPORT_BUCKETS},
    [BUCKET_BAG_SECTION] =
        {MALML_F_section_name_bucket, MALML_SECTION_NAME_BUCKETS},
    [BUCKET_BAG_RICH] = {MALML_F_rich_bucket, MALML_RICH_BUCKETS},
    [BUCKET_BAG_ASSEMBLY_REF] =
        {MALML_F_assembly_ref_bucket, MALML_ASSEMBLY_REF_BUCKETS},
    [BUCKET_BAG_MODULEREF] =
        {MALML_F_moduleref_bucket, MALML_MODULEREF_BUCKETS},
    [BUCKET_BAG_RESOURCE_NAME] =
        {MALML_F_resource_name_bucket, MALML_RESOURCE_NAME_BUCKETS},
};

/* Each example with its feature, computed once (MD5 of every name, on
 * first use: only `malml score`'s explanations need them). */
typedef struct
{
  int feature;
  const char* token;
} example;

static example* examples;
static int nexamples;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void hash_all(void)
{
  int n = 0;
  for (int l = 0; l < bucket_example_list_count; l++)
    n += bucket_example_lists[l].count;
  example* e = malloc(sizeof(*e) * (size_t) (n + 1));
  if (e == NULL)
    return;
  n = 0;
  for (int l = 0; l < bucket_example_list_count; l++)
  {
    const bucket_example_list* list = &bucket_example_lists[l];
    int first = bags[list->bag].first;
    uint32_t buckets = (uint32_t) bags[list->bag].buckets;
    for (int i = 0; i < list->count; i++)
    {
      const char* t = list->tokens[i];
      e[n].feature = first + (int) malml_bucket(t, strlen(t), buckets);
      e[n++].token = t;
    }
  }
  nexamples = n;
  examples = e;
}

int bucket_examples_join(int feature, int max, char* buf, size_t size)
{
  int count = 0;
  size_t used = 0;
  if (size == 0)
    return 0;
  buf[0] = '\0';
  pthread_once(&once, hash_all);
  for (int i = 0; i < nexamples && count < max; i++)
  {
    if (examples[i].feature != feature)
      continue;
    size_t len = strlen(examples[i].token);
    if (used + len + 3 >= size)
      break;
    if (count++ > 0)
    {
      memcpy(buf + used, ", ", 2);
      used += 2;
    }
    memcpy(buf + used, examples[i].token, len + 1);
    used += len;
  }
  return count;
}
