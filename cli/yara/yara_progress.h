/*
 * Private to yara: --progress, one line on stderr redrawn twice a second
 * (files done, files/s, errors), only when stderr is a terminal so that
 * logs and pipes never see it.
 */
#ifndef MALML_YARA_PROGRESS_H
#define MALML_YARA_PROGRESS_H

#include "cli/yara/yara_scan.h"

typedef struct progress progress;

/* NULL when stderr is not a terminal (or the thread cannot start). */
progress* progress_start(scan_shared* sh);
/* Prints the final line and frees; accepts NULL. */
void progress_stop(progress* p);

#endif
