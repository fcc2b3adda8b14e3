/*
 * Module-internal header (programs include modules/malml/malml.h): the
 * in-memory form of a loaded model, shared by the loader (model_load.c) and the
 * evaluator (model.c).  Nothing else looks inside.
 */
#ifndef MALML_MODEL_INTERNAL_H
#define MALML_MODEL_INTERNAL_H

#include <stdint.h>

#include "modules/malml/model/model.h"

/* A node with its children as indices into the sub-model's node array
 * (left < 0 for a leaf).  The loader guarantees left, right > this node's
 * index and within the node's tree, so every walk ends.  20 bytes: a large
 * model has about a million nodes, and memory touched at load is load time
 * (the cover is only needed to compute `mean`, so it is not kept). */
typedef struct
{
  int32_t left;
  int32_t right;
  uint32_t feature; /* bit 31: missing values go left */
  float split;      /* threshold; the leaf value at a leaf */
  float mean;       /* cover-weighted mean of the leaves below: Saabas */
} malml_node;

#define MALML_NODE_DEFAULT_LEFT 0x80000000u
#define MALML_NODE_FEATURE(n)   ((n)->feature & ~MALML_NODE_DEFAULT_LEFT)

typedef struct
{
  double base_margin;
  uint32_t ntrees;
  uint32_t nnodes;
  uint32_t* roots; /* ntrees indices into nodes */
  malml_node* nodes;
} malml_submodel;

struct malml_model
{
  malml_submodel sub[MALML_MODEL_COUNT];
  int nthresholds;
  malml_model_threshold thresholds[MALML_MODEL_MAX_THRESHOLDS];
  char* version;
  char* meta;
  char sha256[65];
};

#endif
