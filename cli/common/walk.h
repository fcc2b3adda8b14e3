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
  /* Optional.  A target or an entry inside a directory that is neither a
     regular file nor a directory (a device, FIFO or socket) goes to
     on_error with WALK_NOT_REGULAR instead of being skipped: a program
     given /dev/null, a pipe, or a share holding one, must say what it did
     not scan.  Without it they are skipped in silence, as YARA does. */
  int report_special;
} walk_options;

/* The `err` of on_error for report_special; not an errno value. */
#define WALK_NOT_REGULAR (-1)

/* strerror(err), or the reason for WALK_NOT_REGULAR. */
const char* walk_strerror(int err);

/* Walks one target.  Returns the number of errors reported. */
int walk_target(const char* target, const walk_options* opts);

#endif
