/*
 * The model's training list, found and checked the same way for every
 * command that measures a model on files (training_overlap.h).
 */
#include "cli/malml/training_overlap.h"

#include <stdio.h>
#include <string.h>

/* The compiled-in model's training list, built into malml from
 * model/default.malml.training.sha256 (build-aux/gen-model-array). */
extern const uint8_t malml_default_training_list_data[];
extern const size_t malml_default_training_list_size;

/* Reads the list from the path it is at, or the compiled-in one. */
static int read_list(
    const char* list_path,
    const char* model_path,
    training_list* t,
    const char** path,
    char* buf,
    size_t bufsize,
    char* why,
    size_t size)
{
  *path = list_path;
  if (*path == NULL && model_path != NULL)
  {
    snprintf(buf, bufsize, "%s%s", model_path, TRAINING_LIST_SUFFIX);
    *path = buf;
  }
  if (*path != NULL)
    return training_list_read(*path, t, why, size);
  *path = "the compiled-in model's training list";
  return training_list_parse(
      malml_default_training_list_data,
      malml_default_training_list_size,
      t,
      why,
      size);
}

int training_overlap_load(
    const char* who,
    const char* list_path,
    const char* model_path,
    const malml_model* m,
    training_list* t,
    char* note,
    size_t size)
{
  char buf[4096], why[256];
  const char* path;
  int rc = read_list(
      list_path, model_path, t, &path, buf, sizeof(buf), why, sizeof(why));
  /* A list is only evidence for the model it was written with. */
  if (rc == 0 && strcmp(t->model_sha256, malml_model_sha256(m)) != 0)
    rc = -1, snprintf(why, sizeof(why), "it lists the training files of "
             "model sha256 %.64s, not of this one (%s)",
             t->model_sha256[0] ? t->model_sha256 : "(none named)",
             malml_model_sha256(m));
  if (rc == 0)
    return 0;
  training_list_free(t);
  fprintf(stderr, "%s: %s: %s: whether these files were in the "
          "model's training data is not checked%s\n", who, path, why,
          rc == 1 && list_path == NULL ? " (--training-list FILE)" : "");
  snprintf(note, size, "Whether the model was trained on any of these "
           "files is not known (no usable list of its training files: "
           "%.200s: %.200s); if it was, the figures are in-sample and say "
           "nothing about new files.", path, why);
  return -1;
}

void training_overlap_say(
    const char* who,
    size_t total,
    size_t in_malware,
    size_t in_benign,
    const char* consequence,
    char* note,
    size_t size)
{
  size_t both = in_malware + in_benign;
  if (both == 0)
  {
    snprintf(note, size, "None of these files was in the model's "
             "training data (by its list of training files): the figures "
             "are out-of-sample.");
    return;
  }
  fprintf(stderr, "%s: warning: %zu of %zu files (%zu malware, %zu "
          "benign) were in this model's training data: %s\n", who, both,
          total, in_malware, in_benign, consequence);
  snprintf(note, size, "In-sample: %zu of %zu files (%zu malware, %zu "
           "benign) were in this model's training data (by its list of "
           "training files): %s.", both, total, in_malware, in_benign,
           consequence);
}
