/*
 * Private to yara: --progress, one line on stderr redrawn twice a second
 * (files done, the total once a background walk of the target has counted
 * it, files/s, time left, errors), only when stderr is a terminal so that
 * logs and pipes never see it.
 */
#ifndef MALML_YARA_PROGRESS_H
#define MALML_YARA_PROGRESS_H

#include "cli/yara/yara_scan.h"

typedef struct yara_progress yara_progress;

/* For a directory `target` (or NULL, as for a scan list: no total); NULL
   when stderr is not a terminal (or the thread cannot start). */
yara_progress* yara_progress_start(scan_shared* sh, const char* target);
/* Prints the final line and frees; accepts NULL. */
void yara_progress_stop(yara_progress* p);

#endif
