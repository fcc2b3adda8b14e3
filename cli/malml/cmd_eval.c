/*
 * `malml eval`: scores a labelled corpus with a model file (default: the
 * one compiled in) and reports how well it separates the classes, on the
 * console and as a Markdown report with SVG plots.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/extract.h"
#include "cli/common/mapped.h"
#include "cli/malml/commands.h"
#include "cli/malml/training_overlap.h"
#include "model/train/dataset.h"
#include "model/train/metrics.h"
#include "model/train/report.h"
#include "model/train/scores_tsv.h"
#include "model/train/training_list.h"
#include "modules/malml/malml.h"

#define MODELS (MALML_GROUP_COUNT + 1)

typedef struct
{
  const char* labels;
  const char* model_path;
  const char* report_dir;
  const char* scores_path;
  const char* scores_in;
  const char* training_list; /* --training-list */
  int threads;
  long long worker_memory; /* --worker-memory (extract.h) */
} eval_options;

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml eval -l LABELS [options] CORPUS...\n"
      "CORPUS: directories or files to scan, or `malml features` output\n"
      "(*.jsonl, - for stdin); LABELS: TSV of sha256, label (1 malware),\n"
      "group, family, source.\n"
      "  -m MODEL    model file (default: the model compiled in)\n"
      "  -R DIR      write report.md and SVG plots into DIR\n"
      "  -O FILE     write every file's scores as TSV\n"
      "  -S FILE     report on the scores in FILE (TSV as -O or `malml train\n"
      "              -O` write, e.g. out of fold) instead of scoring; the\n"
      "              thresholds still come from the model\n"
      "  -p THREADS  files scanned at once, each in its own process\n"
      "              (default: number of cores)\n"
      "  --worker-memory=MIB  memory each scanning process may allocate\n"
      "              (default " SUPERVISE_DEFAULT_MEMORY_TEXT ", 0: no limit)\n"
      "  --training-list=FILE  the model's training files (SHA-256\n"
      "              prefixes, as `malml train` writes beside a model:\n"
      "              MODEL" TRAINING_LIST_SUFFIX "; default: that file beside\n"
      "              -m MODEL; the model compiled in has its own compiled in)\n"
      "A corpus the model was trained on gives in-sample numbers: eval\n"
      "warns when the files are on the model's training list.  Use a\n"
      "held-out corpus, or the out-of-fold report of `malml train -R`.\n");
}

static int parse_options(int argc, char** argv, eval_options* o)
{
  int c;
  optind = 1;
  static const struct option longopts[] = {
      {"worker-memory", required_argument, NULL, EXTRACT_MEMORY_OPTION},
      {"training-list", required_argument, NULL, 'T'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  while ((c = getopt_long(argc, argv, "l:m:R:O:S:p:h", longopts, NULL)) != -1)
  {
    switch (c)
    {
    case 'l':
      o->labels = optarg;
      break;
    case 'm':
      o->model_path = optarg;
      break;
    case 'R':
      o->report_dir = optarg;
      break;
    case 'O':
      o->scores_path = optarg;
      break;
    case 'S':
      o->scores_in = optarg;
      break;
    case 'T':
      o->training_list = optarg;
      break;
    case 'p':
      if ((o->threads = extract_threads_arg(optarg)) < 0)
        return bad_number("malml eval", 'p'), usage(stderr), -1;
      break;
    case EXTRACT_MEMORY_OPTION:
      if (extract_memory_arg(optarg, &o->worker_memory) != 0)
        return bad_number("malml eval", c), usage(stderr), -1;
      break;
    default:
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 1 : -1;
    }
  }
  if (o->labels == NULL || optind >= argc)
  {
    usage(stderr);
    return -1;
  }
  return 0;
}

/* The model named by -m (caller frees it, *owned = 1) or the default. */
static const malml_model* open_model(const eval_options* o, malml_model** owned)
{
  char err[256];
  mapped_file m;
  *owned = NULL;
  if (o->model_path == NULL)
  {
    const malml_model* d = malml_model_default();
    if (d == NULL)
      fprintf(
          stderr,
          "malml eval: no default model: %s\n",
          malml_model_default_status());
    return d;
  }
  int e = mapped_open(o->model_path, &m);
  if (e != 0)
  {
    fprintf(stderr, "malml eval: %s: %s\n", o->model_path, strerror(e));
    return NULL;
  }
  if (malml_model_load(m.data, m.size, owned, err, sizeof(err)) != 0)
    fprintf(stderr, "malml eval: %s: %s\n", o->model_path, err);
  mapped_close(&m);
  return *owned;
}

/* Scores of every row by the model, or read from o->scores_in. */
static int score_all(
    const eval_options* o,
    const malml_model* m,
    const dataset* d,
    double** score)
{
  for (int g = 0; g < MODELS; g++)
    if ((score[g] = malloc((d->n ? d->n : 1) * sizeof(double))) == NULL)
      return -1;
  if (o->scores_in)
    return scores_tsv_read(o->scores_in, d, score);
  for (int g = 0; g < MODELS; g++)
    for (size_t i = 0; i < d->n; i++)
      score[g][i] = malml_model_score(m, g, d->x + i * MALML_FEATURE_COUNT);
  return 0;
}

static const char* support_text(metrics_fpr_support ok)
{
  return ok == METRICS_FPR_NONE    ? "no FPR can be measured"
         : ok == METRICS_FPR_BELOW ? "one false positive is already above "
                                     "the target"
                                   : "the FPR here is rough";
}

/* Tiers k.. resting on the same benign count with the same verdict as
 * tier k, named on one line and marked done. */
static void warn_group(
    const report_threshold* t,
    int n,
    int k,
    const size_t* benign,
    const metrics_fpr_support* ok,
    char* done)
{
  fprintf(
      stderr,
      "  on %zu benign file%s, %s:",
      benign[k],
      benign[k] == 1 ? "" : "s",
      support_text(ok[k]));
  for (int j = k; j < n; j++)
    if (!done[j] && benign[j] == benign[k] && ok[j] == ok[k])
    {
      fprintf(stderr, "%s %s (%.1f%%)", j == k ? "" : ",", t[j].name,
              100 * t[j].target_fpr);
      done[j] = 1;
    }
  fprintf(stderr, "\n");
}

/* Each tier's FPR here rests on the benign files its score applies to:
 * say so on stderr when they are too few to measure it (as malml train
 * and malml recut do): under 10/FPR the rate is rough, under 1/FPR one
 * false positive is already more than the target.  One warning, the
 * tiers grouped by the count they rest on (one line per tier was 22
 * near-identical lines). */
static void warn_few_benign(
    const dataset* d,
    const report_threshold* t,
    int n,
    double* const* score)
{
  size_t benign[MALML_MODEL_MAX_THRESHOLDS];
  metrics_fpr_support ok[MALML_MODEL_MAX_THRESHOLDS];
  char done[MALML_MODEL_MAX_THRESHOLDS];
  int few = 0;
  for (int k = 0; k < n; k++)
  {
    const double* s = t[k].model < 0 ? NULL : score[t[k].model];
    benign[k] = 0;
    for (size_t i = 0; i < d->n; i++)
      benign[k] += !d->y[i] && report_row_applies(d, t[k].model, s, i);
    ok[k] = metrics_fpr_supported(
        benign[k], t[k].target_fpr, METRICS_FILES_PER_FP);
    done[k] = ok[k] == METRICS_FPR_SOUND;
    few += !done[k];
  }
  if (few == 0)
    return;
  fprintf(
      stderr,
      "malml eval: warning: %d tier%s rest%s on fewer benign files than the "
      "%d/FPR that measure a tier's FPR (%.0f at 1%%, %.0f at 0.1%%):\n",
      few,
      few == 1 ? "" : "s",
      few == 1 ? "s" : "",
      METRICS_FILES_PER_FP,
      METRICS_FILES_PER_FP / 0.01,
      METRICS_FILES_PER_FP / 0.001);
  for (int k = 0; k < n; k++)
    if (!done[k])
      warn_group(t, n, k, benign, ok, done);
}

/* Says on stderr and in note how many of d's files were in the model's
 * training data: those figures are in-sample (issue 23, item 13).
 * Returns how many (0 none), or -1 when that is not known. */
static long check_training_overlap(
    const eval_options* o,
    const malml_model* m,
    const dataset* d,
    char* note,
    size_t size)
{
  training_list t = {0};
  size_t in[2] = {0, 0};
  if (training_overlap_load(
          "malml eval", o->training_list, o->model_path, m, &t, note, size) !=
      0)
    return -1;
  for (size_t i = 0; i < d->n; i++)
    if (training_list_has(&t, d->sha256[i]))
      in[d->y[i] != 0]++;
  training_list_free(&t);
  training_overlap_say(
      "malml eval",
      d->n,
      in[1],
      in[0],
      "these figures are in-sample and say little about new files",
      note,
      size);
  return (long) (in[0] + in[1]);
}

static int evaluate(
    const eval_options* o,
    const malml_model* m,
    const dataset* d,
    double* const* score)
{
  char overlap[640] = "", note[1024];
  report_threshold t[MALML_MODEL_MAX_THRESHOLDS];
  int n = 0;
  char title[160];
  for (int i = 0; i < malml_model_threshold_count(m); i++)
  {
    const malml_model_threshold* mt = malml_model_threshold_at(m, i);
    /* Only the score tiers the module defines (malml_threshold_specs): a
     * cut on anything else (familiar: on malml.familiarity) has no FPR
     * to measure on a score. */
    const malml_threshold_spec* spec = malml_threshold_spec_find(mt->name);
    if (spec == NULL)
      continue;
    t[n++] = (report_threshold){
        mt->name, mt->value, mt->target_fpr, spec->model};
  }
  if (o->scores_in)
    snprintf(title, sizeof(title), "Scores from %.100s", o->scores_in);
  else
    snprintf(
        title,
        sizeof(title),
        "Evaluation of model %.100s",
        malml_model_version(m));
  long trained = 0;
  if (!o->scores_in)
    trained = check_training_overlap(o, m, d, overlap, sizeof(overlap));
  snprintf(note, sizeof(note), "Scores of the model file on this corpus.  %s",
           overlap);
  report_input in = {
      d,
      {0},
      t,
      n,
      title,
      malml_model_version(m),
      o->scores_in ? "Scores read from a file (for `malml train -O`: held "
                     "out, each file scored by a model that never saw its "
                     "malware collection or benign package); thresholds "
                     "from the model."
                   : note};
  for (int g = 0; g < MODELS; g++) in.score[g] = score[g];
  warn_few_benign(d, t, n, score);
  /* First on stdout too, so that `> out.txt` keeps it. */
  if (trained != 0)
    printf("%s %s\n\n", trained > 0 ? "WARNING:" : "Note:", overlap);
  report_print(stdout, &in);
  int rc = o->report_dir ? report_write(&in, o->report_dir) : 0;
  if (rc == 0 && o->scores_path)
    rc = scores_tsv_write(o->scores_path, d, score, NULL);
  return rc;
}

int cmd_eval(int argc, char** argv)
{
  eval_options o = {.threads = extract_default_threads()};
  dataset d = {0};
  malml_model* owned;
  double* score[MODELS] = {0};
  int rc = parse_options(argc, argv, &o);
  if (rc != 0)
    return rc > 0 ? 0 : 2;
  const malml_model* m = open_model(&o, &owned);
  rc = m ? 0 : -1;
  if (rc == 0)
    rc = dataset_load(
        &d,
        (const char* const*) argv + optind,
        argc - optind,
        o.labels,
        o.threads,
        o.worker_memory);
  if (rc == 0)
    fprintf(
        stderr,
        "%zu labelled PE files; left out: %zu unlabelled, %zu not PE\n",
        d.n,
        d.unlabelled,
        d.not_pe);
  if (rc == 0 && d.n == 0)
    rc = -1;
  if (rc == 0)
    rc = score_all(&o, m, &d, score);
  if (rc == 0)
    rc = evaluate(&o, m, &d, score);
  for (int g = 0; g < MODELS; g++) free(score[g]);
  if (owned)
    malml_model_free(owned);
  dataset_free(&d);
  return rc == 0 ? 0 : 1;
}
