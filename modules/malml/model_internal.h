/*
 * Private header: the in-memory form of a loaded model, shared by the loader
 * (model_load.c) and the evaluator (model.c).  Nothing else looks inside.
 */
#ifndef MALML_MODEL_INTERNAL_H
#define MALML_MODEL_INTERNAL_H

#include <stdint.h>

#include "model.h"

/* A node with its children as indices into the sub-model's node array
 * (left < 0 for a leaf).  The loader guarantees left, right > this node's
 * index and within the node's tree, so every walk ends. */
typedef struct
{
  int32_t left;
  int32_t right;
  uint32_t feature;
  float threshold;
  float value; /* leaf value; 0 for inner nodes */
  float cover; /* sum of hessians that reached the node */
  float mean;  /* cover-weighted mean of the leaves below: Saabas */
  uint8_t default_left;
} malml_node;

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
