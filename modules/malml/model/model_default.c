/*
 * The default model: model/default.malml as it was at build time, compiled
 * in by build-aux/gen-model-array.  Parsed once, on first use, and shared
 * read-only by every scan until malml_model_default_release (module
 * finalisation).
 */
#include <pthread.h>
#include <stdio.h>

#include "modules/malml/model/model.h"

extern const uint8_t malml_default_model_data[];
extern const size_t malml_default_model_size;

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static int default_tried; /* under default_lock */
static malml_model* default_model;
static char default_status[256] = "default model not loaded yet";

const malml_model* malml_model_default(void)
{
  char err[200];
  pthread_mutex_lock(&default_lock);
  if (!default_tried)
  {
    default_tried = 1;
    if (malml_default_model_size == 0)
      snprintf(
          default_status,
          sizeof(default_status),
          "no default model compiled in (model/default.malml was absent "
          "at build time)");
    else if (
        malml_model_load(
            malml_default_model_data,
            malml_default_model_size,
            &default_model,
            err,
            sizeof(err)) != 0)
      snprintf(
          default_status,
          sizeof(default_status),
          "the compiled-in default model does not load: %s",
          err);
    else
      snprintf(
          default_status,
          sizeof(default_status),
          "default model %s",
          malml_model_version(default_model));
  }
  const malml_model* m = default_model;
  pthread_mutex_unlock(&default_lock);
  return m;
}

const char* malml_model_default_status(void)
{
  malml_model_default();
  return default_status;
}

void malml_model_default_release(void)
{
  pthread_mutex_lock(&default_lock);
  malml_model_free(default_model);
  default_model = NULL;
  default_tried = 0;
  pthread_mutex_unlock(&default_lock);
}
