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
  float cover;      /* the file's cover (sum of hessians): TreeSHAP */
} malml_node;

#define MALML_NODE_DEFAULT_LEFT 0x80000000u
#define MALML_NODE_FEATURE(n)   ((n)->feature & ~MALML_NODE_DEFAULT_LEFT)

/* The scoring walk's copy of a tree: 8 bytes a node (a third of the cache
 * lines), in depth-first order, so the left child follows its parent and
 * the right one is `right` nodes on; right == 0 at a leaf, whose value is
 * split. */
typedef struct
{
  float split;
  uint16_t feature; /* bit 15: missing values go left */
  uint16_t right;
} malml_fast_node;

#define MALML_FAST_DEFAULT_LEFT 0x8000u

typedef struct
{
  double base_margin;
  uint32_t ntrees;
  uint32_t nnodes;
  uint32_t* roots; /* ntrees indices into nodes */
  malml_node* nodes;
  /* The same trees as fast nodes (fast_roots: where each starts), or NULL
   * when a tree does not fit the layout (then margins walk `nodes`). */
  malml_fast_node* fast;
  uint32_t* fast_roots;
} malml_submodel;

/* Builds s->fast from s->nodes (model_load calls it); leaves it NULL when
 * a feature index or a subtree is too large for 16 bits, or out of memory. */
void malml_submodel_compact(malml_submodel* s);

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
