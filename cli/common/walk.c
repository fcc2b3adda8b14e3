#include "cli/common/walk.h"

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
    dir_set bigger = {
        calloc(s->capacity ? 2 * s->capacity : 64, sizeof(dir_id)),
        s->capacity ? 2 * s->capacity : 64,
        0};
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

/* The directories being read, outermost first, so files come out in YARA's
   order (a subdirectory is walked where readdir meets it).  A recursive walk
   holds one open stream per level, and a deep tree then runs out of file
   descriptors; past MAX_OPEN_DIRS streams the outermost open one is
   "spilled": its remaining entry names are read into memory and the stream
   closed, which keeps the order and bounds the descriptors. */
#define MAX_OPEN_DIRS 32

typedef struct
{
  DIR* dir;     /* NULL once spilled */
  char** names; /* after a spill: the entries not yet visited */
  size_t nnames, next;
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
  st->items[st->count++] = (open_dir){dir, NULL, 0, 0, path};
  return 0;
}

static int is_dot(const char* name)
{
  return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Reads the rest of d's entries into memory and closes its stream. */
static int spill(open_dir* d)
{
  size_t cap = 0;
  struct dirent* e;
  while ((e = readdir(d->dir)) != NULL)
  {
    if (is_dot(e->d_name))
      continue;
    if (d->nnames == cap)
    {
      cap = cap ? 2 * cap : 64;
      char** names = realloc(d->names, cap * sizeof(char*));
      if (names == NULL)
        return -1;
      d->names = names;
    }
    if ((d->names[d->nnames] = strdup(e->d_name)) == NULL)
      return -1;
    d->nnames++;
  }
  closedir(d->dir);
  d->dir = NULL;
  return 0;
}

static void close_dir(open_dir* d)
{
  if (d->dir != NULL)
    closedir(d->dir);
  for (size_t i = d->next; i < d->nnames; i++) free(d->names[i]);
  free(d->names);
  free(d->path);
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
  size_t streams; /* open entries whose stream is still open */
  int errors;
} walker;

/* Spills the outermost open stream; -1 if none is open or memory ran out. */
static int spill_outermost(walker* w)
{
  for (size_t i = 0; i < w->open.count; i++)
  {
    if (w->open.items[i].dir == NULL)
      continue;
    w->streams--;
    return spill(&w->open.items[i]);
  }
  return -1;
}

/* Opens a directory stream, keeping at most MAX_OPEN_DIRS of ours open and
 * spilling more when the process runs out of descriptors (EMFILE) anyway. */
static DIR* open_stream(walker* w, const char* path)
{
  while (w->streams >= MAX_OPEN_DIRS && spill_outermost(w) == 0)
    ;
  DIR* d = opendir(path);
  while (d == NULL && errno == EMFILE && w->streams > 0 &&
         spill_outermost(w) == 0)
    d = opendir(path);
  return d;
}

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
  DIR* d = added == 1 ? open_stream(w, path) : NULL;
  if (d != NULL && stack_push(&w->open, d, path) == 0)
  {
    w->streams++;
    return;
  }
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
  else if (
      S_ISREG(st.st_mode) && !top && w->opts->skip_larger > 0 &&
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
  {
    /* A symlink is here only when -N asked not to follow it. */
    if (w->opts->report_special && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
      report(w, path, WALK_NOT_REGULAR);
    free(path); /* devices, fifos, sockets, and symlinks not followed */
  }
}

const char* walk_strerror(int err)
{
  return err == WALK_NOT_REGULAR
             ? "not a regular file (a device, FIFO or socket): not scanned"
             : strerror(err);
}

/* Next entry name of d (owned by d or its stream), or NULL at the end. */
static const char* next_name(open_dir* d, char** owned)
{
  *owned = NULL;
  if (d->dir == NULL)
    return d->next < d->nnames ? (*owned = d->names[d->next++]) : NULL;
  struct dirent* e = readdir(d->dir);
  return e ? e->d_name : NULL;
}

/* Reads one entry of the innermost open directory, or closes it. */
static void step(walker* w)
{
  open_dir* top = &w->open.items[w->open.count - 1];
  char* owned;
  const char* name = next_name(top, &owned);
  if (name == NULL)
  {
    w->streams -= top->dir != NULL;
    close_dir(top);
    w->open.count--;
    return;
  }
  if (is_dot(name))
    return;
  char* path = join(top->path, name, w->opts->always_slash);
  free(owned);
  if (path == NULL)
    report(w, top->path, ENOMEM);
  else
    visit(w, path, 0); /* may push: `top` is stale after this */
}

int walk_target(const char* target, const walk_options* opts)
{
  walker w = {opts, {NULL, 0, 0}, {NULL, 0, 0}, 0, 0};
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
