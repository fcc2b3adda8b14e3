#include "cli/malml/explain.h"

#include <math.h>
#include <string.h>

/* Inserts item into the top list, kept sorted by |contribution|. */
static void keep(explanation* e, int ntop, const explain_item* item)
{
  double mag = fabs(item->contribution);
  int at = e->ntop;
  while (at > 0 && fabs(e->top[at - 1].contribution) < mag) at--;
  if (at >= ntop)
    return;
  int last = e->ntop < ntop ? e->ntop : ntop - 1;
  memmove(&e->top[at + 1], &e->top[at], sizeof(*item) * (size_t) (last - at));
  e->top[at] = *item;
  if (e->ntop < ntop)
    e->ntop++;
}

void explain(
    const malml_model* m,
    int g,
    const float* v,
    int ntop,
    double* scratch,
    explanation* out)
{
  memset(out, 0, sizeof(*out));
  if (ntop > EXPLAIN_MAX_TOP)
    ntop = EXPLAIN_MAX_TOP;
  out->score = malml_model_score(m, g, v);
  out->margin = malml_model_margin(m, g, v);
  malml_model_contributions(m, g, v, scratch, &out->bias);
  for (int i = 0; i < MALML_FEATURE_COUNT && ntop > 0; i++)
  {
    if (scratch[i] == 0)
      continue; /* not on any path: says nothing about this file */
    explain_item item = {i, v[i], scratch[i]};
    keep(out, ntop, &item);
  }
}

json_t* explanation_to_json(const explanation* e, const bucket_names* names)
{
  char name[96], who[1024];
  json_t* top = json_array();
  for (int i = 0; i < e->ntop; i++)
  {
    const explain_item* t = &e->top[i];
    json_t* item = json_object();
    malml_schema_feature_name(t->feature, name, sizeof(name));
    json_object_set_new(item, "feature", json_string(name));
    json_object_set_new(
        item,
        "value",
        isnan(t->value) ? json_null() : json_real((double) t->value));
    json_object_set_new(item, "contribution", json_real(t->contribution));
    if (names != NULL &&
        bucket_names_join(names, t->feature, who, sizeof(who)) > 0)
      json_object_set_new(item, "names", json_string(who));
    json_array_append_new(top, item);
  }
  return json_pack(
      "{s:f, s:f, s:f, s:o}",
      "score",
      e->score,
      "margin",
      e->margin,
      "bias",
      e->bias,
      "top",
      top);
}

void explanation_print(
    FILE* out,
    const explanation* e,
    const bucket_names* names)
{
  char name[96], who[1024];
  for (int i = 0; i < e->ntop; i++)
  {
    const explain_item* t = &e->top[i];
    malml_schema_feature_name(t->feature, name, sizeof(name));
    if (isnan(t->value))
      fprintf(out, "      %+7.3f  %s (missing)\n", t->contribution, name);
    else
      fprintf(
          out,
          "      %+7.3f  %s = %.9g\n",
          t->contribution,
          name,
          (double) t->value);
    if (names != NULL &&
        bucket_names_join(names, t->feature, who, sizeof(who)) > 0)
      fprintf(out, "               (this file's names there: %s)\n", who);
  }
}
