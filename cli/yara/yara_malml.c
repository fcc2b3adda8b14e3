#include "cli/yara/yara_malml.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/common/sha256.h"
#include "modules/malml/object_path.h"

/* A float field, NaN when undefined (libyara's undefined float is a NaN). */
static double field_float(YR_OBJECT* o, const char* field)
{
  return malml_get_float_at(o, field);
}

static void field_string(YR_OBJECT* o, const char* field, char* buf, size_t n)
{
  SIZED_STRING* s = malml_get_string_at(o, field);
  size_t len = s != NULL ? s->length : 0;
  if (len >= n)
    len = n - 1;
  memcpy(buf, s != NULL ? s->c_string : "", len);
  buf[len] = '\0';
}

void malml_summary_read(
    YR_OBJECT* malml,
    const uint8_t* data,
    size_t size,
    malml_summary* out)
{
  memset(out, 0, sizeof(*out));
  out->valid = true;
  out->is_pe = yr_object_get_integer(malml, "is_pe") == 1;
  if (data == NULL || sha256_hex(data, size, out->sha256) != 0)
    out->sha256[0] = '\0';
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    out->score[g] = field_float(malml, malml_model_score_field(g));
  out->level = malml_level(
      out->score[MALML_MODEL_ALL],
      field_float(malml, "threshold.high"),
      field_float(malml, "threshold.medium"),
      field_float(malml, "threshold.low"));
  out->familiarity = field_float(malml, "familiarity");
  out->familiar = field_float(malml, "threshold.familiar");
  field_string(malml, "model.version", out->version, sizeof(out->version));
  field_string(malml, "model.sha256", out->model_sha256, 65);
}

json_t* malml_summary_json(const malml_summary* s)
{
  json_t* j = json_object();
  json_object_set_new(j, "is_pe", json_boolean(s->is_pe));
  if (s->is_pe)
  {
    json_t* scores = json_object();
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
    {
      /* The overall score first, as `malml score -j` orders them. */
      int i = (g + MALML_MODEL_ALL) % MALML_MODEL_COUNT;
      if (!isnan(s->score[i]))
        json_object_set_new(
            scores, malml_model_score_field(i), json_real(s->score[i]));
    }
    json_object_set_new(j, "scores", scores);
    json_object_set_new(j, "level", json_string(s->level));
    if (!isnan(s->familiarity))
      json_object_set_new(j, "familiarity", json_real(s->familiarity));
    if (!isnan(s->familiarity) && !isnan(s->familiar))
      json_object_set_new(
          j,
          "unlike_training_data",
          json_boolean(s->familiarity < s->familiar));
  }
  json_object_set_new(
      j,
      "model",
      json_pack(
          "{s:s, s:s}", "version", s->version, "sha256", s->model_sha256));
  return j;
}

void malml_summary_text(const malml_summary* s, char* buf, size_t size)
{
  if (!s->is_pe)
    snprintf(buf, size, "malml: not a PE file model=%s", s->version);
  else
    snprintf(
        buf,
        size,
        "malml: score=%.6f level=%s model=%s",
        s->score[MALML_MODEL_ALL],
        s->level,
        s->version);
}
