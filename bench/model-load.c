/*
 * model-load [MODEL_FILE]
 *
 * How long a scan waits for its model: the first malml_model_default() (the
 * compiled-in model, parsed once per process), and malml_model_load() of
 * MODEL_FILE (what -x malml=FILE costs once per run), median of 21 loads.
 * CPU time of the process, not wall time: on a shared machine a load is
 * often descheduled mid-way.  Numbers, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "modules/malml/features/schema.h"
#include "modules/malml/model/model.h"

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

/* The bytes of `path` in memory; NULL when unreadable. */
static unsigned char* slurp(const char* path, size_t* size)
{
  FILE* f = fopen(path, "rb");
  unsigned char* data = NULL;
  if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) > 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (data = malloc(*size)) != NULL &&
      fread(data, 1, *size, f) != *size)
  {
    free(data);
    data = NULL;
  }
  if (f != NULL)
    fclose(f);
  return data;
}

int main(int argc, char** argv)
{
  if (malml_schema_init() != 0) /* module_initialize does this */
    return 1;
  double t0 = now_ms();
  const malml_model* m = malml_model_default();
  printf(
      "model load: compiled-in model %.2f ms CPU (first use)%s\n",
      now_ms() - t0,
      m ? "" : " (none compiled in)");
  if (argc < 2)
    return 0;
  size_t size = 0;
  unsigned char* data = slurp(argv[1], &size);
  if (data == NULL)
  {
    fprintf(stderr, "model-load: cannot read %s\n", argv[1]);
    return 1;
  }
  double ms[21];
  char err[256];
  for (int i = 0; i < 21; i++)
  {
    malml_model* loaded;
    double t = now_ms();
    if (malml_model_load(data, size, &loaded, err, sizeof(err)) != 0)
    {
      fprintf(stderr, "model-load: %s: %s\n", argv[1], err);
      return 1;
    }
    ms[i] = now_ms() - t;
    malml_model_free(loaded);
  }
  qsort(ms, 21, sizeof(ms[0]), cmp_double);
  printf(
      "model load: %s (%zu bytes) median %.2f ms CPU of 21 (min %.2f, max "
      "%.2f)\n",
      argv[1],
      size,
      ms[10],
      ms[0],
      ms[20]);
  free(data);
  return 0;
}
