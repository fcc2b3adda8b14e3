/*
 * libFuzzer target for the model loader (not part of make check):
 *
 *   make -C build fuzz
 *   build/tests/fuzz/fuzz_model_load -max_total_time=60 CORPUS_DIR
 *
 * The checksum would stop nearly every mutation at the door, so the target
 * first re-signs the input (recomputes its trailing SHA-256): the fuzzer then
 * exercises the parser itself.  A model that loads is also scored, so that
 * a loader check that lets a bad index through shows up as a crash.
 */
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static int ready;
  if (!ready)
    ready = malml_schema_init() == 0;
  uint8_t* copy = malloc(size ? size : 1);
  if (copy == NULL)
    return 0;
  memcpy(copy, data, size);
  if (size >= 32)
  {
    unsigned int len;
    EVP_Digest(copy, size - 32, copy + size - 32, &len, EVP_sha256(), NULL);
  }
  malml_model* m;
  char err[256];
  if (malml_model_load(copy, size, &m, err, sizeof(err)) == 0)
  {
    float v[MALML_FEATURE_COUNT];
    double c[MALML_FEATURE_COUNT], bias;
    for (int i = 0; i < MALML_FEATURE_COUNT; i++)
      v[i] = (i % 3 == 0) ? NAN : (float) i;
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
    {
      malml_model_score(m, g, v);
      malml_model_contributions(m, g, v, c, &bias);
    }
    malml_model_free(m);
  }
  free(copy);
  return 0;
}
