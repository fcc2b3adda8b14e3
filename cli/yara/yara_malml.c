#include "cli/yara/yara_malml.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/common/sha256.h"
#include "modules/malml/object_path.h"

static void field_string(YR_OBJECT* o, const char* field, char* buf, size_t n)
{
  SIZED_STRING* s = malml_get_string_at(o, field);
  size_t len = s != NULL ? s->length : 0;
  if (len >= n)
    len = n - 1;
  memcpy(buf, s != NULL ? s->c_string : "", len);
  buf[len] = '\0';
}

/* malml.threshold.NAME for every name of the spec table; a float field is
   NaN when undefined (libyara's undefined float is a NaN). */
static void read_cuts(YR_OBJECT* malml, malml_result* r)
{
  int n;
  const malml_threshold_spec* spec = malml_threshold_specs(&n);
  for (int i = 0; i < n && i < MALML_RESULT_MAX_CUTS; i++)
  {
    char field[64];
    snprintf(field, sizeof(field), "threshold.%s", spec[i].name);
    r->cut[i] = malml_get_float_at(malml, field);
  }
  r->familiar = malml_get_float_at(malml, "threshold.familiar");
}

void malml_summary_read(
    YR_OBJECT* malml,
    const uint8_t* data,
    size_t size,
    malml_summary* out)
{
  malml_result* r = &out->r;
  out->valid = true;
  if (data == NULL || sha256_hex(data, size, out->sha256) != 0)
    out->sha256[0] = '\0';
  malml_result_init(r);
  r->is_pe = yr_object_get_integer(malml, "is_pe") == 1;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    r->score[g] = malml_get_float_at(malml, malml_model_score_field(g));
  read_cuts(malml, r);
  r->familiarity = malml_get_float_at(malml, "familiarity");
  field_string(malml, "model.version", r->version, sizeof(r->version));
  field_string(malml, "model.sha256", r->model_sha256, 65);
}

json_t* malml_summary_json(const malml_summary* s)
{
  return malml_result_json(&s->r);
}

void malml_summary_text(const malml_summary* s, char* buf, size_t size)
{
  if (!s->r.is_pe)
    snprintf(buf, size, "malml: not a PE file model=%s", s->r.version);
  else
    snprintf(
        buf,
        size,
        "malml: score=%.6f level=%s model=%s",
        s->r.score[MALML_MODEL_ALL],
        malml_result_level(&s->r),
        s->r.version);
}
