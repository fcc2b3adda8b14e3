/*
 * The scoring walk's compact trees (model.c, malml_submodel_compact) give
 * the margins of the loaded nodes, bit for bit, walked 16 trees at a time
 * with AVX-512 gathers (where the CPU has them) and by the scalar walk:
 * the shipped model over random vectors with missing values, zeros and
 * values on both sides of typical splits.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "modules/malml/features/schema.h"
#include "modules/malml/model/model_internal.h"

static float value(uint32_t* seed)
{
  *seed = *seed * 1103515245 + 12345;
  uint32_t r = *seed >> 8;
  switch (r % 6)
  {
  case 0:
    return NAN;
  case 1:
    return 0.0f;
  case 2:
    return (float) (r % 16);
  case 3:
    return (float) (r % 100000) * 37.0f;
  default:
    return (float) (r % 10000) / 10000.0f;
  }
}

Test(model_fast, same_margins_as_the_node_walk)
{
  cr_assert_eq(malml_schema_init(), 0);
  malml_model* m = (malml_model*) malml_model_default();
  cr_assert_not_null(m, "%s", malml_model_default_status());
  static float v[MALML_FEATURE_COUNT];
  uint32_t seed = 42;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    cr_assert_not_null(m->sub[g].fast, "the shipped model fits the layout");
  for (int r = 0; r < 500; r++)
  {
    for (int i = 0; i < MALML_FEATURE_COUNT; i++) v[i] = value(&seed);
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
    {
      double fast = malml_model_margin(m, g, v);
      int gather = m->sub[g].fast_gather;
      m->sub[g].fast_gather = 0; /* the scalar walk of the same layout */
      double scalar = malml_model_margin(m, g, v);
      m->sub[g].fast_gather = gather;
      malml_fast_node* kept = m->sub[g].fast;
      m->sub[g].fast = NULL; /* the walk over the loaded nodes */
      double slow = malml_model_margin(m, g, v);
      m->sub[g].fast = kept;
      cr_assert_eq(
          memcmp(&fast, &slow, sizeof(fast)),
          0,
          "vector %d model %d: %.9g (gathers %d), nodes %.9g",
          r,
          g,
          fast,
          gather,
          slow);
      cr_assert_eq(
          memcmp(&scalar, &slow, sizeof(scalar)),
          0,
          "vector %d model %d: scalar fast walk %.9g, nodes %.9g",
          r,
          g,
          scalar,
          slow);
    }
  }
  malml_model_default_release();
}
