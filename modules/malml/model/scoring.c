/*
 * Scores a scanned file with the tree models and sets the rule-visible
 * fields.  The only global mutable state in the scan path lives here: the
 * load-once cache of models parsed from module data.  yara passes the same
 * buffer (the bytes of -x malml=FILE) to every scan of a run, so the cache
 * key is the buffer's address and size plus its trailing 32-byte checksum
 * (which identifies the content should a buffer be freed and another
 * allocated at the same address).  Entries are immutable once added and are
 * freed only in module_finalize, after every scan has ended.
 */
#include "modules/malml/model/scoring.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara/error.h>
#include <yara/modules.h>
#include "modules/malml/yara_compat.h" /* 4.2 macro names on 4.3+ */

#include "modules/malml/object_path.h"

typedef struct cache_entry
{
  const void* data;
  size_t size;
  uint8_t tail[32];
  malml_model* model; /* NULL when the data did not parse */
  char err[256];
  struct cache_entry* next;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry* cache;   /* under cache_lock */
static char last_error[256]; /* under cache_lock */

static void tail_of(const void* data, size_t size, uint8_t tail[32])
{
  memset(tail, 0, 32);
  if (size >= 32)
    memcpy(tail, (const uint8_t*) data + size - 32, 32);
}

/* Finds or adds the entry of data[0..size); NULL only when out of memory.
 * Called with cache_lock held. */
static cache_entry* cache_get(const void* data, size_t size)
{
  uint8_t tail[32];
  tail_of(data, size, tail);
  for (cache_entry* e = cache; e != NULL; e = e->next)
    if (e->data == data && e->size == size && memcmp(e->tail, tail, 32) == 0)
      return e;
  cache_entry* e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->data = data;
  e->size = size;
  memcpy(e->tail, tail, 32);
  malml_model_load(data, size, &e->model, e->err, sizeof(e->err));
  e->next = cache;
  cache = e;
  return e;
}

int malml_scoring_model(
    const void* module_data,
    size_t module_data_size,
    const malml_model** model)
{
  *model = NULL;
  if (module_data == NULL)
  {
    *model = malml_model_default();
    return ERROR_SUCCESS;
  }
  pthread_mutex_lock(&cache_lock);
  cache_entry* e = cache_get(module_data, module_data_size);
  int rc = e == NULL
               ? ERROR_INSUFFICIENT_MEMORY
               : (e->model == NULL ? ERROR_INVALID_MODULE_DATA : ERROR_SUCCESS);
  if (e != NULL && e->model == NULL)
    snprintf(last_error, sizeof(last_error), "%s", e->err);
  *model = e != NULL ? e->model : NULL;
  pthread_mutex_unlock(&cache_lock);
  return rc;
}

int malml_module_data_error(char* buf, size_t size)
{
  pthread_mutex_lock(&cache_lock);
  int rc = last_error[0] != '\0' ? 0 : -1;
  snprintf(buf, size, "%s", last_error);
  pthread_mutex_unlock(&cache_lock);
  return rc;
}

void malml_scoring_finalize(void)
{
  pthread_mutex_lock(&cache_lock);
  while (cache != NULL)
  {
    cache_entry* next = cache->next;
    malml_model_free(cache->model);
    free(cache);
    cache = next;
  }
  last_error[0] = '\0';
  pthread_mutex_unlock(&cache_lock);
  malml_model_default_release();
}

void malml_scoring_set(
    YR_OBJECT* module_object,
    const malml_model* model,
    const malml_features* f)
{
  if (model == NULL)
    return;
  set_string(malml_model_version(model), module_object, "model.version");
  set_string(malml_model_sha256(model), module_object, "model.sha256");
  /* The model's thresholds that the module declares (malml.c declares one
   * field per malml_threshold_specs entry); other names stay in the file. */
  YR_OBJECT* declared = yr_object_lookup_field(module_object, "threshold");
  for (int i = 0; declared && i < malml_model_threshold_count(model); i++)
  {
    const malml_model_threshold* t = malml_model_threshold_at(model, i);
    YR_OBJECT* field = yr_object_lookup_field(declared, t->name);
    if (field != NULL)
      yr_object_set_float(t->value, field, NULL);
  }
  if (f == NULL || !f->is_pe)
    return;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    if (g != MALML_MODEL_ALL && malml_model_applies(g, f->vector))
      malml_set_float_at(
        module_object,
        malml_model_score_field(g),
        malml_model_score(model, g, f->vector));
  /* Familiarity comes from the all-features model's walk, at the cost of
   * an add per tree; undefined with a model without counts. */
  double familiarity;
  double margin = malml_model_margin_familiarity(
      model, MALML_MODEL_ALL, f->vector, &familiarity);
  malml_set_float_at(
      module_object,
      malml_model_score_field(MALML_MODEL_ALL),
      1.0 / (1.0 + exp(-margin)));
  if (!isnan(familiarity))
    malml_set_float_at(module_object, "familiarity", familiarity);
}
