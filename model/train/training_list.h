/*
 * Which files a model was trained on, so that `malml eval` can say when
 * the files it evaluates overlap them (the figures are then in-sample).
 * Kept beside the model, not in it, so that a model file (and the shipped
 * one, whose sha256 the model card cites) stays as it is and older code
 * loads it: MODEL.training.sha256, a text file
 *
 *   # malml training files: first 16 hex digits of each one's SHA-256, sorted
 *   # model malml-0.4.0-seed1
 *   # model-sha256 703bdcb5...
 *   # files 20338 (4058 malware, 16280 benign)
 *   00001de98456b21d
 *   ...
 *
 * 8 bytes of each hash: a 20,000-file corpus is 340 KB, and a file wrongly
 * taken for a training file is a 1 in 2^64/20,000 chance.  Hashes only,
 * never a file's bytes.
 */
#ifndef MALML_TRAINING_LIST_H
#define MALML_TRAINING_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "model/train/dataset.h"

#define TRAINING_LIST_SUFFIX ".training.sha256"

typedef struct
{
  uint64_t* prefix; /* sorted */
  size_t n;
  char model_sha256[65]; /* "" when the header names none */
} training_list;

/* Writes model_path + TRAINING_LIST_SUFFIX: the rows index[0..n) of d
 * (index NULL: all n rows) and the sha256 of the model file as written at
 * model_path, under version.  Returns 0, or -1 with a message on stderr. */
int training_list_write(
    const char* model_path,
    const char* version,
    const dataset* d,
    const size_t* index,
    size_t n);

/* Reads the list at path into t (zeroed by the caller).  Returns 0; 1 when
 * there is no such file; -1 with the reason in why when it is not one. */
int training_list_read(
    const char* path,
    training_list* t,
    char* why,
    size_t size);

/* The same from a list in memory (the compiled-in model's, built into
 * malml from model/default.malml.training.sha256); 1 when len is 0. */
int training_list_parse(
    const uint8_t* text,
    size_t len,
    training_list* t,
    char* why,
    size_t size);

/* Whether the file whose hex SHA-256 is sha256 is on the list. */
int training_list_has(const training_list* t, const char* sha256);

void training_list_free(training_list* t);

#endif
