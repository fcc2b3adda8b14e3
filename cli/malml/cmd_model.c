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

static double num(json_t* o, const char* key)
{
  json_t* v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : -1;
}

/* The per-sub-model lines of the training summary: what each figure is. */
static void print_models(json_t* models)
{
  const char* name;
  json_t* v;
  printf(
      "sub-models, each file scored by a fold model that never saw its "
      "malware\ncollection or benign package (held out):\n"
      "  %-9s %6s %13s %13s %13s %14s\n",
      "model",
      "rounds",
      "held-out AUC",
      "det. @1% FPR",
      "det. @0.1%",
      "mean fold AUC");
  json_object_foreach(models, name, v)
  {
    printf(
        "  %-9s %6.0f %13.4f %12.1f%% %12.1f%% %14.4f\n",
        name,
        num(v, "rounds"),
        num(v, "held_out_auc"),
        100 * num(v, "held_out_detection_at_1pct_fpr"),
        100 * num(v, "held_out_detection_at_0.1pct_fpr"),
        num(v, "cv_mean_auc"));
  }
}

/* What the two AUC columns are, and why they differ for .NET (where the
 * pooled 0.98 sat beside a mean fold AUC of 0.62 unexplained): its folds
 * are the other models' folds cut down to .NET files, and most .NET
 * benign files come from a few packages (mono-devel: 679 of the 1,005 in
 * the test corpus), each kept in one fold, so a fold holds few .NET files
 * of a class, and one holding a single class counts 0.5 (train_cv.c,
 * best_checkpoint).  The meta keeps no per-fold figures, so this says
 * what the counts show. */
static void print_models_footer(json_t* meta)
{
  json_t* folds = json_object_get(
      json_object_get(json_object_get(meta, "validation"), "held_out"),
      "collections");
  json_t* scores =
      json_object_get(json_object_get(meta, "held_out_malware"), "scores");
  printf(
      "  held-out AUC (and det.): the out-of-fold scores of all folds "
      "pooled, each file\n"
      "    scored by the fold model that never saw its malware collection "
      "or benign package.\n"
      "  mean fold AUC: the mean of each fold's own AUC at the chosen round "
      "count (it chose\n"
      "    the rounds); a fold whose files hold one class only counts 0.5.\n"
      "  dotnet: .NET files only (%zu of the %zu held-out malware) over %zu "
      "folds; most .NET\n"
      "    benign files come from a few packages, each in one fold, so some "
      "folds hold few\n"
      "    .NET files of a class: their AUCs are noisy or 0.5, and the mean "
      "falls far below\n"
      "    the pooled figure, which rests on every .NET file at once.\n",
      json_array_size(json_object_get(scores, "dotnet_score")),
      json_array_size(json_object_get(scores, "score")),
      json_object_size(folds));
}

/* The training summary as lines a reader can follow; `malml model -j` has
 * all of it (per-collection figures, held-out malware scores, recut). */
static void print_meta(const char* text)
{
  json_error_t e;
  json_t* meta = json_loads(text, 0, &e);
  json_t* corpus = json_object_get(meta, "corpus");
  json_t* recut = json_object_get(meta, "recut");
  if (meta == NULL || !json_is_object(meta))
  {
    printf("meta     %s\n", text);
    json_decref(meta);
    return;
  }
  if (corpus != NULL)
    printf(
        "trained  %.0f files (%.0f malware, %.0f benign) in %.0f groups\n",
        num(corpus, "files"),
        num(corpus, "malware"),
        num(corpus, "benign"),
        num(corpus, "groups"));
  json_t* w = json_object_get(meta, "weighting");
  if (json_is_string(w))
    printf("weights  %s\n", json_string_value(w));
  if (json_is_object(json_object_get(meta, "models")))
  {
    print_models(json_object_get(meta, "models"));
    print_models_footer(meta);
  }
  if (json_is_object(recut))
    printf(
        "recut    from %s on %.0f benign files in %.0f packages and %.0f "
        "malware files\n",
        json_string_value(json_object_get(recut, "base_version")),
        num(json_object_get(recut, "files"), "benign"),
        num(json_object_get(recut, "files"), "benign_packages"),
        num(json_object_get(recut, "files"), "malware"));
  printf("more     malml model -j: the whole training summary as JSON\n");
  json_decref(meta);
}

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
  print_meta(malml_model_meta(m));
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
