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
  uint32_t feature; /* bit 31: missing values go left; at a leaf of the
                       all-features model, its familiarity term (0 ..
                       MALML_FAMILIARITY_LEVELS) */
  float split;      /* threshold; the leaf value at a leaf */
  float mean;       /* cover-weighted mean of the leaves below: Saabas */
  float cover;      /* the file's cover (sum of hessians): TreeSHAP */
} malml_node;

#define MALML_NODE_DEFAULT_LEFT 0x80000000u
#define MALML_NODE_FEATURE(n)   ((n)->feature & ~MALML_NODE_DEFAULT_LEFT)

/* The scoring walk's copy of a tree: 8 bytes a node (a third of the cache
 * lines), in depth-first order with the child of larger cover (the one more
 * training rows took) right after its parent, so most steps stay in the
 * cache line they started in; the other child is `right` nodes on.  Each
 * tree starts a cache line.  right == 0 at a leaf, whose value is split. */
typedef struct
{
  float split;
  uint16_t feature; /* bit 15: missing values go left; bit 14: the child
                       that follows is the right one; at a leaf, the
                       familiarity term (a valid feature index, since a
                       walk at a leaf still reads x[feature]) */
  uint16_t right;
} malml_fast_node;

#define MALML_FAST_DEFAULT_LEFT  0x8000u
#define MALML_FAST_NEXT_IS_RIGHT 0x4000u
#define MALML_FAST_FEATURE_MASK  0x3fffu
#define MALML_FAST_LINE          8 /* nodes in a 64-byte cache line */

typedef struct
{
  double base_margin;
  uint32_t ntrees;
  uint32_t nnodes;
  uint32_t rows[2]; /* benign, malware training files counted; 0: none */
  uint32_t* roots; /* ntrees indices into nodes */
  malml_node* nodes;
  /* The same trees as fast nodes (fast_roots: where each starts), or NULL
   * when a tree does not fit the layout (then margins walk `nodes`). */
  malml_fast_node* fast;
  uint32_t* fast_roots;
  uint32_t fast_depth; /* the deepest leaf's depth: steps that reach it */
  uint32_t fast_nodes; /* length of fast, padding included */
  int fast_gather;     /* walk 16 trees at a time with AVX-512 gathers */
} malml_submodel;

/* Depth of the tree at root (edges on its longest path), or -1 when it is
 * deeper than MALML_SHAP_MAX_DEPTH (only a hostile model is). */
int malml_tree_depth(const malml_node* nodes, uint32_t root);

/* Builds s->fast from s->nodes (model_load calls it); leaves it NULL when
 * a feature index or a subtree is too large for the layout, or out of
 * memory. */
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
