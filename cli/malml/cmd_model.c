/*
 * `malml model [-j] [MODEL]`: what a model file (or the compiled-in default
 * model) is: version, SHA-256, size of each sub-model, named thresholds and
 * the training summary.  Also a quick check that a file loads, with the
 * loader's reason when it does not.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/malml/commands.h"
#include "cli/malml/model_file.h"
#include "modules/malml/malml.h"

static void print_text(const malml_model* m, const char* source)
{
  printf(
      "model    %s\nversion  %s\nsha256   %s\nschema   %s\n",
      source,
      malml_model_version(m),
      malml_model_sha256(m),
      malml_schema_hash());
  printf("trees   ");
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    printf(" %s %d", malml_model_name(g), malml_model_tree_count(m, g));
  printf(
      "\ncounts   %u benign and %u malware training files%s",
      malml_model_training_rows(m, MALML_MODEL_ALL, 0),
      malml_model_training_rows(m, MALML_MODEL_ALL, 1),
      malml_model_training_rows(m, MALML_MODEL_ALL, 0) > 0
          ? ""
          : " (none kept: malml.familiarity is undefined)");
  printf("\nthresholds (name, value, target false-positive rate):\n");
  for (int i = 0; i < malml_model_threshold_count(m); i++)
  {
    const malml_model_threshold* t = malml_model_threshold_at(m, i);
    printf("  %-16s %.6f  %g\n", t->name, t->value, t->target_fpr);
  }
  printf("meta     %s\n", malml_model_meta(m));
}

static void print_json(const malml_model* m, const char* source)
{
  json_t* trees = json_object();
  json_t* thresholds = json_array();
  json_error_t e;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    json_object_set_new(
        trees, malml_model_name(g), json_integer(malml_model_tree_count(m, g)));
  for (int i = 0; i < malml_model_threshold_count(m); i++)
  {
    const malml_model_threshold* t = malml_model_threshold_at(m, i);
    json_array_append_new(
        thresholds,
        json_pack(
            "{s:s, s:f, s:f}",
            "name",
            t->name,
            "value",
            t->value,
            "target_fpr",
            t->target_fpr));
  }
  json_t* meta = json_loads(malml_model_meta(m), 0, &e);
  json_t* obj = json_pack(
      "{s:s, s:s, s:s, s:s, s:o, s:{s:I, s:I}, s:o, s:o}",
      "model",
      source,
      "version",
      malml_model_version(m),
      "sha256",
      malml_model_sha256(m),
      "schema_hash",
      malml_schema_hash(),
      "trees",
      trees,
      "training_counts",
      "benign",
      (json_int_t) malml_model_training_rows(m, MALML_MODEL_ALL, 0),
      "malware",
      (json_int_t) malml_model_training_rows(m, MALML_MODEL_ALL, 1),
      "thresholds",
      thresholds,
      "meta",
      meta != NULL ? meta : json_string(malml_model_meta(m)));
  char* text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9));
  if (text != NULL)
    printf("%s\n", text);
  free(text);
  json_decref(obj);
}

int cmd_model(int argc, char** argv)
{
  int json = 0, c;
  optind = 1;
  while ((c = getopt(argc, argv, "jh")) != -1)
  {
    if (c == 'j')
      json = 1;
    else
    {
      fprintf(
          c == 'h' ? stdout : stderr,
          "usage: malml model [-j] [MODEL]\n"
          "Describes MODEL, or the default model compiled in.\n"
          "  -j  JSON\n");
      return c == 'h' ? 0 : 2;
    }
  }
  const char* path = optind < argc ? argv[optind] : NULL;
  malml_model* owned;
  const malml_model* m = model_file_open("malml model", path, &owned);
  if (m == NULL)
    return 1;
  if (json)
    print_json(m, path != NULL ? path : "(compiled in)");
  else
    print_text(m, path != NULL ? path : "(compiled in)");
  malml_model_free(owned);
  return 0;
}
