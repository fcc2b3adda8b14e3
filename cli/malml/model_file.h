/*
 * The model a `malml` subcommand uses: a model file named with -m, or the
 * one compiled in.
 */
#ifndef MALML_MODEL_FILE_H
#define MALML_MODEL_FILE_H

#include "modules/malml/malml.h"

/* Loads `path`, or takes the default model when path is NULL.  On failure
 * prints "PROG: PATH: reason" (or why there is no default model) to stderr
 * and returns NULL.  *owned receives what the caller must free with
 * malml_model_free (NULL for the default model). */
const malml_model*
model_file_open(const char* prog, const char* path, malml_model** owned);

#endif
