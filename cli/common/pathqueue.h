/*
 * A bounded queue of paths between one producer (the directory walker) and
 * the scanning threads, so a scan of a million files never lists them all in
 * memory first.
 */
#ifndef MALML_PATHQUEUE_H
#define MALML_PATHQUEUE_H

#include <pthread.h>
#include <stddef.h>

typedef struct
{
  char** items;
  size_t capacity, head, count;
  int closed;
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
} pathqueue;

int pathqueue_init(pathqueue* q, size_t capacity);
void pathqueue_destroy(pathqueue* q);

/* Takes ownership of `path` (malloc'd); blocks while the queue is full. */
void pathqueue_push(pathqueue* q, char* path);

/* No more pushes: pops return NULL once the queue drains. */
void pathqueue_close(pathqueue* q);

/* Blocks for the next path (caller frees it), or NULL when closed and empty. */
char* pathqueue_pop(pathqueue* q);

#endif
