/*
 * Two views of a report's scores that a site needs before it trusts a
 * cut: the benign files and packages flagged per ecosystem at every
 * threshold, and detection and FPR per kind of file (EXE/DLL, i386/amd64,
 * native/.NET) at the 1% and 0.1% cuts.  A benign file's ecosystem is its
 * group's prefix before ':' (labels.tsv: `pypi:numpy`, `deb:libwine`).
 */
#ifndef MALML_REPORT_VIEWS_H
#define MALML_REPORT_VIEWS_H

#include <stdio.h>

#include "model/train/report.h"

/* Markdown table: one row per threshold, one column per benign ecosystem;
 * a cell is the share of that ecosystem's files at or above the cut (the
 * .NET files alone for the dotnet tiers) and how many of its packages
 * have at least one such file. */
void report_ecosystems(FILE* f, const report_input* r);

/* Markdown table: per kind of file, benign and malware counts, FPR and
 * detection of malml.score at `medium` and `high`, AUC within the kind.
 * Needs the vectors (says so when the run had none). */
void report_kinds(FILE* f, const report_input* r);

#endif
