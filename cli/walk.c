#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Directories already entered, by (device, inode): an open-addressing set. */
typedef struct
{
  dev_t dev;
  ino_t ino;
  int used;
} dir_id;

typedef struct
{
  dir_id* slots;
  size_t capacity, count;
} dir_set;

static size_t dir_hash(dev_t dev, ino_t ino, size_t capacity)
{
  uint64_t h = (uint64_t) ino * 0x9E3779B97F4A7C15ull ^ (uint64_t) dev;
  return (size_t) (h % capacity);
}

/* Adds (dev, ino); returns 1 if it was new, 0 if seen, -1 out of memory. */
static int dir_set_add(dir_set* s, dev_t dev, ino_t ino)
{
  if (2 * (s->count + 1) > s->capacity)
  {
    dir_set bigger = {calloc(s->capacity ? 2 * s->capacity : 64, sizeof(dir_id)),
                      s->capacity ? 2 * s->capacity : 64, 0};
    if (bigger.slots == NULL)
      return -1;
    for (size_t i = 0; i < s->capacity; i++)
      if (s->slots[i].used)
        dir_set_add(&bigger, s->slots[i].dev, s->slots[i].ino);
    free(s->slots);
    *s = bigger;
  }
  size_t i = dir_hash(dev, ino, s->capacity);
  while (s->slots[i].used)
  {
    if (s->slots[i].dev == dev && s->slots[i].ino == ino)
      return 0;
    i = (i + 1) % s->capacity;
  }
  s->slots[i] = (dir_id){dev, ino, 1};
  s->count++;
  return 1;
}

/* The directories being read, outermost first: one open stream per level,
   as a recursive walk would hold, so files come out in YARA's order (a
   subdirectory is walked where readdir meets it). */
typedef struct
{
  DIR* dir;
  char* path;
} open_dir;

typedef struct
{
  open_dir* items;
  size_t count, capacity;
} dir_stack;

static int stack_push(dir_stack* st, DIR* dir, char* path)
{
  if (st->count == st->capacity)
  {
    size_t cap = st->capacity ? 2 * st->capacity : 16;
    open_dir* items = realloc(st->items, cap * sizeof(open_dir));
    if (items == NULL)
      return -1;
    st->items = items;
    st->capacity = cap;
  }
  st->items[st->count++] = (open_dir){dir, path};
  return 0;
}

static char* join(const char* dir, const char* name, int always_slash)
{
  size_t a = strlen(dir), b = strlen(name);
  int slash = always_slash || (a > 0 && dir[a - 1] != '/');
  char* p = malloc(a + slash + b + 1);
  if (p != NULL)
  {
    memcpy(p, dir, a);
    if (slash)
      p[a] = '/';
    memcpy(p + a + slash, name, b + 1);
  }
  return p;
}

typedef struct
{
  const walk_options* opts;
  dir_set seen;
  dir_stack open;
  int errors;
} walker;

static void report(walker* w, const char* path, int err)
{
  w->errors++;
  if (w->opts->on_error)
    w->opts->on_error(w->opts->ctx, path, err);
}

/* Opens a directory to be read next, unless it was entered before. */
static void enter_dir(walker* w, char* path, const struct stat* st)
{
  int added = dir_set_add(&w->seen, st->st_dev, st->st_ino);
  DIR* d = added == 1 ? opendir(path) : NULL;
  if (d != NULL && stack_push(&w->open, d, path) == 0)
    return;
  if (added < 0 || d != NULL)
    report(w, path, ENOMEM);
  else if (added == 1)
    report(w, path, errno);
  if (d != NULL)
    closedir(d);
  free(path);
}

/* One entry of a directory: a file goes out, a directory is entered. */
static void visit(walker* w, char* path, int top)
{
  struct stat st;
  int follow = top || w->opts->follow_symlinks;
  if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
  {
    report(w, path, errno);
    free(path);
  }
  else if (S_ISREG(st.st_mode) && !top && w->opts->skip_larger > 0 &&
           st.st_size >= w->opts->skip_larger)
  {
    if (w->opts->on_skip)
      w->opts->on_skip(w->opts->ctx, path, (long long) st.st_size);
    free(path);
  }
  else if (S_ISREG(st.st_mode))
    w->opts->on_file(w->opts->ctx, path);
  else if (S_ISDIR(st.st_mode) && (top || w->opts->recursive))
    enter_dir(w, path, &st);
  else
    free(path); /* devices, fifos, sockets, and symlinks not followed */
}

/* Reads one entry of the innermost open directory, or closes it. */
static void step(walker* w)
{
  open_dir* top = &w->open.items[w->open.count - 1];
  struct dirent* e = readdir(top->dir);
  if (e == NULL)
  {
    closedir(top->dir);
    free(top->path);
    w->open.count--;
    return;
  }
  if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
    return;
  char* path = join(top->path, e->d_name, w->opts->always_slash);
  if (path == NULL)
    report(w, top->path, ENOMEM);
  else
    visit(w, path, 0); /* may push: `top` is stale after this */
}

int walk_target(const char* target, const walk_options* opts)
{
  walker w = {opts, {NULL, 0, 0}, {NULL, 0, 0}, 0};
  char* path = strdup(target);
  if (path == NULL)
  {
    report(&w, target, ENOMEM);
    return w.errors;
  }
  visit(&w, path, 1);
  while (w.open.count > 0) step(&w);
  free(w.open.items);
  free(w.seen.slots);
  return w.errors;
}
