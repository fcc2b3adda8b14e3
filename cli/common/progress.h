/*
 * Progress of a long run on stderr, for `malml features`, `score`, `eval`
 * and `train`: files done, the total when known, files per second and the
 * time left.  The total is counted by a walk of the same targets in a
 * background thread, so the first line appears at once and the ETA as soon
 * as the count is done.
 *
 * On a terminal the line is redrawn in place twice a second and left with
 * the cursor at its start, so any later line (a result on stdout, an error
 * on stderr) overwrites it rather than running on after it.  When stderr
 * is not a terminal nothing is drawn unless asked (PROGRESS_LINES): then a
 * plain line every ten seconds, for logs.
 */
#ifndef MALML_PROGRESS_H
#define MALML_PROGRESS_H

#include <stdatomic.h>

typedef enum
{
  PROGRESS_AUTO,  /* on a terminal only */
  PROGRESS_LINES, /* forced: plain lines when not a terminal */
  PROGRESS_OFF
} progress_mode;

typedef struct progress progress;

/* Starts the line for `who` over `targets` (walked as the run walks them);
   NULL when nothing is to be shown (then the calls below do nothing). */
progress* progress_start(
    const char* who,
    const char* const* targets,
    int ntargets,
    int follow_symlinks,
    progress_mode mode);

/* One file done (any thread). */
void progress_tick(progress* p);

/* Draws the last line, ends it, and frees `p`. */
void progress_stop(progress* p);

/* Counts the regular files a walk of `targets` finds (recursive or not,
   following symlinks or not, as the run walks them); gives up and returns
   -1 as soon as *stop is set.  For a total shown beside the files done. */
long long progress_count(
    const char* const* targets,
    int ntargets,
    int recursive,
    int follow_symlinks,
    const atomic_int* stop);

/* "1234 / 5000 files, 24.7%, 85.2 files/s, 0:00:45 left" into buf: the line's
   text, for tests.  total < 0: not known yet. */
void progress_format(
    char* buf,
    unsigned long size,
    long long done,
    long long total,
    double seconds);

#endif
