/*
 * Walks scan targets: files as given, directories entry by entry (recursing
 * with `recursive`).  Iterative, so deep trees cannot overflow the stack; a
 * directory reached twice (symlink loops, bind mounts) is entered once.
 * Files come out in the order of a recursive readdir walk (YARA's): a
 * subdirectory is walked where it is met, holding one open directory per
 * level of depth.
 */
#ifndef MALML_WALK_H
#define MALML_WALK_H

typedef struct
{
  int recursive;
  int follow_symlinks;
  /* Called with each regular file found; takes ownership of `path`. */
  void (*on_file)(void* ctx, char* path);
  /* Called for a path that could not be read; `err` is an errno value. */
  void (*on_error)(void* ctx, const char* path, int err);
  void* ctx;
  /* Optional.  Join names as "dir/name" even when dir ends in '/', as YARA
     prints them ("yara -r r dir/" shows "dir//file"). */
  int always_slash;
  /* Optional.  Files found inside directories (not the target itself) of
     at least `skip_larger` bytes go to on_skip instead of on_file. */
  long long skip_larger;
  void (*on_skip)(void* ctx, const char* path, long long size);
} walk_options;

/* Walks one target.  Returns the number of errors reported. */
int walk_target(const char* target, const walk_options* opts);

#endif
