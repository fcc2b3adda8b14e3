/*
 * Private to yara: one run over the target (a file or pid, a directory, or
 * with --scan-list a file listing paths).  Returns the exit status.
 */
#ifndef MALML_YARA_RUN_H
#define MALML_YARA_RUN_H

#include "cli/yara/yara_scan.h"

int yara_run(scan_shared* sh, const char* target);

#endif
