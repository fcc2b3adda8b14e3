#include "cli/common/malml_result.h"

#include <math.h>
#include <string.h>

#include "modules/malml/model/model.h"

void malml_result_init(malml_result* r)
{
  memset(r, 0, sizeof(*r));
  for (int g = 0; g < MALML_MODEL_COUNT; g++) r->score[g] = NAN;
  for (int i = 0; i < MALML_RESULT_MAX_CUTS; i++) r->cut[i] = NAN;
  r->familiarity = NAN;
  r->familiar = NAN;
}

const char* malml_result_level(const malml_result* r)
{
  return malml_level_of(MALML_MODEL_ALL, r->score[MALML_MODEL_ALL], r->cut);
}

/* scores and levels, the overall score first, then the groups in schema
   order; a sub-score that does not apply to the file is left out. */
static void set_scores(json_t* j, const malml_result* r)
{
  json_t* scores = json_object();
  json_t* levels = json_object();
  for (int i = 0; i < MALML_MODEL_COUNT; i++)
  {
    int g = (i + MALML_MODEL_ALL) % MALML_MODEL_COUNT;
    if (isnan(r->score[g]))
      continue;
    const char* name = malml_model_score_field(g);
    json_object_set_new(scores, name, json_real(r->score[g]));
    json_object_set_new(
        levels, name, json_string(malml_level_of(g, r->score[g], r->cut)));
  }
  json_object_set_new(j, "level", json_string(malml_result_level(r)));
  json_object_set_new(j, "scores", scores);
  json_object_set_new(j, "levels", levels);
}

json_t* malml_result_json(const malml_result* r)
{
  json_t* j = json_object();
  if (j == NULL)
    return NULL;
  json_object_set_new(j, "is_pe", json_boolean(r->is_pe));
  if (r->is_pe)
  {
    set_scores(j, r);
    if (!isnan(r->familiarity))
      json_object_set_new(j, "familiarity", json_real(r->familiarity));
    if (!isnan(r->familiarity) && !isnan(r->familiar))
      json_object_set_new(
          j, "unlike_training_data", json_boolean(r->familiarity < r->familiar));
  }
  json_object_set_new(
      j,
      "model",
      json_pack(
          "{s:s, s:s}", "version", r->version, "sha256", r->model_sha256));
  return j;
}
