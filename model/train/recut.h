/*
 * `malml recut`'s arithmetic: a site's files scored by a base model, each
 * threshold tier re-chosen on them by the trainer's own rule
 * (metrics_threshold_at_fpr), and what the old and new cuts do there and
 * on the held-out malware the base model's meta keeps.
 */
#ifndef MALML_RECUT_H
#define MALML_RECUT_H

#include <stddef.h>

#include "modules/malml/malml.h"

typedef struct
{
  char sha256[65];
  int label;   /* 0 benign, 1 the site's malware */
  int package; /* index into recut_estate.packages */
  double score[MALML_MODEL_COUNT]; /* NaN where the sub-model does not apply */
  double sum;                      /* of the MALML_COUNT_GROUPS scores */
  int trained; /* on the base model's list of training files */
} recut_file;

typedef struct
{
  recut_file* f;
  size_t n, cap;
  char** packages;
  size_t npackages, packages_cap;
  size_t not_pe, duplicates;
  int failed; /* out of memory while adding */
  /* Whether the files were checked against the base model's training
   * list (recut_file.trained), and what to say about it in the meta. */
  int training_checked;
  char training_note[768];
} recut_estate;

/* Scores vector v with m and adds the file.  Returns 0, or -1 when out of
 * memory. */
int recut_estate_add(
    recut_estate* e,
    const malml_model* m,
    const char* sha256,
    int label,
    const char* package,
    const float* v);

/* Sorts by sha256 and keeps one file of each (counted in duplicates), so
 * the order of the walk does not matter and a file copied into many
 * packages counts once. */
void recut_estate_finish(recut_estate* e);

/* Benign files, and the packages they are in. */
size_t recut_estate_count(const recut_estate* e, int label);
size_t recut_estate_packages(const recut_estate* e);

void recut_estate_free(recut_estate* e);

typedef enum
{
  RECUT_NEW,       /* re-chosen */
  RECUT_FEW,       /* re-chosen on 1/FPR to 10/FPR files: a rough cut */
  RECUT_FORCED,    /* re-chosen on fewer files than the tier needs */
  RECUT_KEPT_FEW,  /* kept: fewer files than the tier needs */
  RECUT_KEPT_NONE, /* kept: no file the score applies to */
  RECUT_KEPT_TRAINING, /* kept: most of its benign files are training files */
} recut_status;

typedef struct
{
  const char* name;
  int model; /* as malml_threshold_spec */
  double target_fpr;
  double old_cut, new_cut; /* new_cut == old_cut when kept */
  double trained_cut;      /* the meta's held-out cut, NaN if none */
  size_t benign, malware;  /* estate files the score applies to */
  size_t needed;           /* benign files the tier needs */
  size_t trained_benign;   /* of benign, the base model's training files */
  double old_fpr, new_fpr; /* on the estate's benign files */
  double site_old, site_new; /* detection of the estate's malware */
  double held_old, held_new; /* of the meta's held-out malware, or NaN */
  recut_status status;
} recut_tier;

/* Every tier of malml_threshold_specs() on e: re-chosen where e has at
 * least files_per_fp / target benign files the score applies to, or
 * always with force; kept otherwise, and kept (without force) where more
 * than half of those benign files are the base model's training files
 * (recut_file.trained): the model scores its own training files near 0,
 * so a cut chosen on them falls far below what new files score.  t must hold every spec; returns how
 * many were filled. */
int recut_tiers(
    const recut_estate* e,
    const malml_model* base,
    int force,
    int files_per_fp,
    recut_tier* t);

/* The new model's meta: the base's, with "recut" (base sha256 and version,
 * files, packages, date, command, each tier's old and new cut), a base's
 * own "recut" kept inside as "previous".  NULL when out of memory. */
char* recut_meta(
    const malml_model* base,
    const recut_estate* e,
    const recut_tier* t,
    int n,
    const char* command,
    const char* date);

#endif
