#include "cli/common/pathqueue.h"

#include <stdlib.h>

int pathqueue_init(pathqueue* q, size_t capacity)
{
  q->items = calloc(capacity, sizeof(char*));
  if (q->items == NULL)
    return -1;
  q->capacity = capacity;
  q->head = q->count = 0;
  q->closed = 0;
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->not_empty, NULL);
  pthread_cond_init(&q->not_full, NULL);
  return 0;
}

void pathqueue_destroy(pathqueue* q)
{
  while (q->count > 0)
  {
    free(q->items[q->head]);
    q->head = (q->head + 1) % q->capacity;
    q->count--;
  }
  free(q->items);
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->not_empty);
  pthread_cond_destroy(&q->not_full);
}

void pathqueue_push(pathqueue* q, char* path)
{
  pthread_mutex_lock(&q->lock);
  while (q->count == q->capacity) pthread_cond_wait(&q->not_full, &q->lock);
  q->items[(q->head + q->count) % q->capacity] = path;
  q->count++;
  pthread_cond_signal(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
}

void pathqueue_close(pathqueue* q)
{
  pthread_mutex_lock(&q->lock);
  q->closed = 1;
  pthread_cond_broadcast(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
}

char* pathqueue_pop(pathqueue* q)
{
  char* path = NULL;
  pthread_mutex_lock(&q->lock);
  while (q->count == 0 && !q->closed)
    pthread_cond_wait(&q->not_empty, &q->lock);
  if (q->count > 0)
  {
    path = q->items[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_cond_signal(&q->not_full);
  }
  pthread_mutex_unlock(&q->lock);
  return path;
}
