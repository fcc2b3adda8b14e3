/*
 * make-model-seeds DIR: small valid model files (1-3 trees of depth 1-3 per
 * sub-model, 2-11 KB) as seeds for fuzz_model_load.  The shipped model is
 * 1.5 MB, and the fuzzer runs about 30 times a second on it instead of
 * thousands: small seeds let a short CI run reach the parser's corners.
 * Trained by the unit tests' helper (XGBoost on synthetic rows).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/xgb_reference.h"

int main(int argc, char** argv)
{
  if (argc != 2 || malml_schema_init() != 0)
  {
    fprintf(stderr, "usage: make-model-seeds DIR\n");
    return 2;
  }
  for (int n = 1; n <= 3; n++)
  {
    xgb_models m;
    char out[512];
    xgb_models_train(&m, n, n);
    snprintf(out, sizeof(out), "%s/model-%d.malml", argv[1], n);
    size_t size;
    uint8_t* data = read_whole(m.model_path, &size);
    FILE* f = fopen(out, "wb");
    int ok = data && f && fwrite(data, 1, size, f) == size;
    if (f == NULL || fclose(f) != 0 || !ok)
    {
      fprintf(stderr, "make-model-seeds: cannot write %s\n", out);
      return 1;
    }
    free(data);
    xgb_models_free(&m);
  }
  return 0;
}
