/*
 * `malml recut -o OUT [-m MODEL] PATH...`: the same trees with every
 * threshold tier re-chosen on a site's own benign files (and, optionally,
 * its own malware), at the tier's target false-positive rate and by the
 * rule the trainer uses (metrics_threshold_at_fpr, model/train/metrics.c).
 * A model's cuts come from the corpus it was validated on; on a given
 * estate they may flag several times their target (one package of .NET
 * helpers took a 1% cut to 7%).  The files are scanned as every command
 * scans them (extract_each), the scores computed with the base model; the
 * new file keeps the base's bytes up to its thresholds (model_rebuild).
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/common/extract.h"
#include "cli/common/progress.h"
#include "cli/malml/commands.h"
#include "cli/malml/model_file.h"
#include "cli/malml/training_overlap.h"
#include "model/train/labels.h"
#include "model/train/metrics.h"
#include "model/train/model_build.h"
#include "model/train/recut.h"

/* A tier needs this many benign files per false positive its target
 * allows: 10 at 1% FPR is 1,000 files, and a rate measured on fewer moves
 * by a tenth or more with one file. */
#define RECUT_FILES_PER_FP 10

typedef struct
{
  const malml_model* model;
  const label_table* labels; /* -l, or NULL */
  const char* const* targets;
  int ntargets;
  int nbenign; /* targets[0..nbenign): benign, the rest --malware */
  recut_estate estate;
  progress* progress;
  const char* training_list; /* --training-list, or NULL */
} recut_state;

/* The target that `path` was found under, and where below it the path
 * goes on ("" when it is the target itself). */
static int target_of(const recut_state* s, const char* path, const char** rel)
{
  for (int i = 0; i < s->ntargets; i++)
  {
    size_t len = strlen(s->targets[i]);
    while (len > 1 && s->targets[i][len - 1] == '/') len--;
    if (strncmp(path, s->targets[i], len) == 0 &&
        (path[len] == '/' || path[len] == '\0'))
    {
      *rel = path[len] == '/' ? path + len + 1 : path + len;
      return i;
    }
  }
  *rel = path;
  return 0;
}

/* The package: the labels' group, else the first directory below the
 * target the file was found under, else the file's own directory. */
static void package_of(
    const recut_state* s,
    const char* path,
    const label_entry* e,
    char* out,
    size_t size)
{
  const char* rel;
  int t = target_of(s, path, &rel);
  const char* slash = strchr(rel, '/');
  if (e != NULL && e->group != NULL && e->group[0] != '\0')
    snprintf(out, size, "%s", e->group);
  else if (slash != NULL)
    snprintf(out, size, "%s/%.*s", s->targets[t], (int) (slash - rel), rel);
  else if (rel[0] != '\0')
    snprintf(out, size, "%s", s->targets[t]);
  else
  {
    const char* last = strrchr(path, '/');
    snprintf(out, size, "%.*s", last ? (int) (last - path) : 1, last ? path : ".");
  }
}

/* In the supervisor, for every file scanned. */
static void on_features(
    void* shared,
    const char* path,
    const char sha[65],
    const malml_features* f)
{
  recut_state* s = shared;
  progress_tick(s->progress);
  if (!f->is_pe)
  {
    s->estate.not_pe++;
    return;
  }
  const char* rel;
  const label_entry* e = s->labels ? labels_find(s->labels, sha) : NULL;
  int label = e != NULL ? e->label : target_of(s, path, &rel) >= s->nbenign;
  char package[4096];
  package_of(s, path, e, package, sizeof(package));
  if (recut_estate_add(&s->estate, s->model, sha, label, package, f->vector))
    s->estate.failed = 1;
}

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml recut -o OUT [-m MODEL] [-l LABELS] [--malware PATH]... "
      "[--force] [--name NAME] [-i LIST] [options] PATH...\n"
      "Re-chooses every threshold tier of MODEL (default: the compiled-in\n"
      "model) on a site's own benign files, at each tier's target\n"
      "false-positive rate, and writes OUT: the same trees, the new cuts,\n"
      "and where they came from in its meta.  Prints, per tier, the old\n"
      "cut's false-positive rate on these files, the new cut, and the\n"
      "detection each keeps on the model's held-out malware.\n"
      "  -o OUT        the new model file\n"
      "  -m MODEL      the base model (default: the model compiled in)\n"
      "  -i LIST       also the files named in LIST, one path a line\n"
      "  --malware PATH  the site's own malware (a file or directory;\n"
      "                repeatable): counted as malware, never as benign\n"
      "  -l LABELS     labels TSV (sha256, label, group, family, source):\n"
      "                a listed file's label and package come from it\n"
      "  --force       recut tiers with fewer than 1/FPR benign files, or\n"
      "                whose benign files are mostly the model's training\n"
      "                files, too (default: such a tier keeps its old cut)\n"
      "  --training-list=FILE  the model's training files (SHA-256\n"
      "                prefixes; default: MODEL" TRAINING_LIST_SUFFIX ", or the\n"
      "                compiled-in model's own list)\n"
      "  --name NAME   the new model's name (default: the base's, then\n"
      "                -recut)\n"
      "A package is the first directory below each PATH (the labels' group\n"
      "with -l); the count of packages is kept in the meta.\n" EXTRACT_USAGE_OPTIONS,
      EXTRACT_DEFAULT_TIMEOUT);
}

static const char* pct(double x, char* buf, size_t size)
{
  if (isnan(x))
    snprintf(buf, size, "-");
  else
    snprintf(buf, size, "%.2f%%", 100 * x);
  return buf;
}

/* What a tier's line says after its numbers. */
static void print_note(FILE* out, const recut_tier* t)
{
  if (t->status == RECUT_KEPT_NONE)
    fprintf(out, "  kept: no file here that this score applies to");
  else if (t->status == RECUT_KEPT_FEW)
    fprintf(
        out,
        "  KEPT: %zu benign files, %zu needed (%d/FPR); --force recuts",
        t->benign,
        t->needed,
        RECUT_FILES_PER_FP);
  else if (t->status == RECUT_FEW)
    fprintf(
        out,
        "  ROUGH: %zu benign files, %zu to measure it well",
        t->benign,
        t->needed);
  else if (t->status == RECUT_KEPT_TRAINING)
    fprintf(
        out,
        "  KEPT: %zu of %zu benign files are training files; --force recuts",
        t->trained_benign,
        t->benign);
  else if (t->status == RECUT_FORCED)
    fprintf(
        out,
        "  FORCED on %zu benign files, %zu needed: the new FPR is a guess",
        t->benign,
        t->needed);
  if (t->status <= RECUT_FORCED && 2 * t->trained_benign > t->benign)
    fprintf(
        out,
        "  IN-SAMPLE: %zu of %zu benign files are training files",
        t->trained_benign,
        t->benign);
  if (t->status <= RECUT_FORCED && t->new_cut < t->trained_cut)
    fprintf(
        out,
        "  below the model's own held-out cut %.6f",
        t->trained_cut);
}

static void print_tiers(FILE* out, const recut_tier* t, int n)
{
  char a[16], b[16], c[16], d[16], e[16], f[16];
  fprintf(
      out,
      "%-17s %6s %7s %9s %9s %9s %9s %9s %9s %9s %9s\n",
      "tier",
      "target",
      "files",
      "old cut",
      "old FPR",
      "new cut",
      "new FPR",
      "held-out",
      "held-out",
      "site det",
      "site det");
  fprintf(
      out,
      "%-17s %6s %7s %9s %9s %9s %9s %9s %9s %9s %9s\n",
      "",
      "FPR",
      "benign",
      "",
      "here",
      "",
      "here",
      "det. old",
      "det. new",
      "old",
      "new");
  for (int i = 0; i < n; i++)
  {
    fprintf(
        out,
        "%-17s %5.1f%% %7zu %9.6f %9s %9.6f %9s %9s %9s %9s %9s",
        t[i].name,
        100 * t[i].target_fpr,
        t[i].benign,
        t[i].old_cut,
        pct(t[i].old_fpr, a, 16),
        t[i].new_cut,
        pct(t[i].new_fpr, b, 16),
        pct(t[i].held_old, c, 16),
        pct(t[i].held_new, d, 16),
        pct(t[i].malware ? t[i].site_old : NAN, e, 16),
        pct(t[i].malware ? t[i].site_new : NAN, f, 16));
    print_note(out, &t[i]);
    fprintf(out, "\n");
  }
}

/* Tiers chosen, or kept, because of the model's training files. */
static void warn_training(const recut_tier* t)
{
  if (t->status == RECUT_KEPT_TRAINING)
    fprintf(
        stderr,
        "malml recut: WARNING: tier %s: %zu of its %zu benign files are the "
        "model's training files; its old cut is kept (--force recuts)\n",
        t->name,
        t->trained_benign,
        t->benign);
  else if (t->status <= RECUT_FORCED && 2 * t->trained_benign > t->benign)
    fprintf(
        stderr,
        "malml recut: WARNING: tier %s: recut (--force) on %zu benign files, "
        "%zu of them the model's training files: an in-sample cut, far "
        "below what new files score\n",
        t->name,
        t->benign,
        t->trained_benign);
}

/* The loud part, on stderr: tiers kept or forced for lack of files, and
 * cuts below the model's own held-out cut. */
static void warn_tiers(const recut_tier* t, int n)
{
  for (int i = 0; i < n; i++)
  {
    warn_training(&t[i]);
    if (t[i].status <= RECUT_FORCED && t[i].new_cut < t[i].trained_cut)
      fprintf(
          stderr,
          "malml recut: note: tier %s: the new cut %.6f is below the "
          "model's own held-out cut %.6f: more files flagged wherever this "
          "estate is not the whole picture\n",
          t[i].name,
          t[i].new_cut,
          t[i].trained_cut);
    if (t[i].status == RECUT_KEPT_FEW || t[i].status == RECUT_FORCED ||
        t[i].status == RECUT_FEW)
      fprintf(
          stderr,
          "malml recut: WARNING: tier %s (%.1f%% FPR) has %zu benign files, "
          "fewer than the %zu (%d/FPR) that measure it; %s\n",
          t[i].name,
          100 * t[i].target_fpr,
          t[i].benign,
          t[i].needed,
          RECUT_FILES_PER_FP,
          t[i].status == RECUT_FORCED ? "recut anyway (--force)"
          : t[i].status == RECUT_FEW
              ? "recut anyway (at least 1/FPR): a rough cut, check it"
              : "its old cut is kept (fewer than 1/FPR; --force recuts)");
  }
}

/* The base's thresholds with the tiers' new values, and tiers it lacked
 * that could be chosen; other names (familiar) as they were. */
static int new_thresholds(
    const malml_model* base,
    const recut_tier* t,
    int n,
    model_threshold* out)
{
  int k = 0;
  for (int i = 0; i < malml_model_threshold_count(base); i++)
  {
    const malml_model_threshold* b = malml_model_threshold_at(base, i);
    out[k++] = (model_threshold){b->name, b->value, b->target_fpr};
  }
  for (int i = 0; i < n; i++)
  {
    int j = 0;
    while (j < k && strcmp(out[j].name, t[i].name) != 0) j++;
    if (!isfinite(t[i].new_cut) || t[i].new_cut < 0)
      continue;
    if (j == k && k == MALML_MODEL_MAX_THRESHOLDS)
      continue;
    out[j] = (model_threshold){t[i].name, t[i].new_cut, t[i].target_fpr};
    k += j == k;
  }
  return k;
}

static char* command_line(int argc, char** argv)
{
  size_t len = 16;
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  char* s = malloc(len);
  if (s == NULL)
    return NULL;
  strcpy(s, "malml");
  for (int i = 0; i < argc; i++) strcat(strcat(s, " "), argv[i]);
  return s;
}

/* The compiled-in model's bytes (build-aux/gen-model-array). */
extern const uint8_t malml_default_model_data[];
extern const size_t malml_default_model_size;

/* Writes `out` from the base's bytes and the tiers; 0 or -1 (said). */
static int write_model(
    const uint8_t* data,
    size_t size,
    const malml_model* base,
    const recut_state* s,
    const recut_tier* t,
    int n,
    const char* name,
    const char* out,
    char* command)
{
  model_threshold th[MALML_MODEL_MAX_THRESHOLDS];
  char date[32], version[MALML_MODEL_MAX_VERSION + 1], err[256];
  time_t now = time(NULL);
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  snprintf(
      version,
      sizeof(version),
      "%.240s%s",
      name ? name : malml_model_version(base),
      name ? "" : "-recut");
  int k = new_thresholds(base, t, n, th);
  char* meta = recut_meta(base, &s->estate, t, n, command, date);
  int rc = meta != NULL ? model_rebuild(
                              data, size, th, k, version, meta, out, err, 256)
                        : -1;
  if (meta == NULL)
    snprintf(err, sizeof(err), "out of memory");
  if (rc != 0)
    fprintf(stderr, "malml recut: %s: %s\n", out, err);
  else
    fprintf(stderr, "wrote %s (%s)\n", out, version);
  free(meta);
  return rc;
}

/* Marks the estate's files on the base model's training list, and says
 * on stderr, on stdout and (through the estate) in the meta how many. */
static void check_training(recut_state* s, const char* model_path, int force)
{
  training_list t = {0};
  recut_estate* e = &s->estate;
  size_t in[2] = {0, 0};
  if (training_overlap_load(
          "malml recut",
          s->training_list,
          model_path,
          s->model,
          &t,
          e->training_note,
          sizeof(e->training_note)) != 0)
    return;
  e->training_checked = 1;
  for (size_t i = 0; i < e->n; i++)
  {
    e->f[i].trained = training_list_has(&t, e->f[i].sha256);
    in[e->f[i].label != 0] += e->f[i].trained;
  }
  training_list_free(&t);
  training_overlap_say(
      "malml recut",
      e->n,
      in[1],
      in[0],
      force ? "the model scores its training files near 0, so cuts "
              "re-chosen on them (--force) are far too low"
            : "the model scores its training files near 0, so tiers whose "
              "benign files are mostly training files keep their old cut "
              "(--force recuts them anyway)",
      e->training_note,
      sizeof(e->training_note));
  if (in[0] + in[1] > 0)
    printf("WARNING: %s\n", e->training_note);
}

/* Recuts on the scanned estate and writes the model; 0, or -1 (said). */
static int recut_and_write(
    recut_state* s,
    const char* model_path,
    const char* name,
    const char* out,
    int force,
    char* command)
{
  recut_tier t[MALML_MODEL_MAX_THRESHOLDS];
  mapped_file mf = {0};
  recut_estate_finish(&s->estate);
  size_t benign = recut_estate_count(&s->estate, 0);
  check_training(s, model_path, force);
  printf(
      "%zu benign PE files (%zu duplicates left out) in %zu packages, %zu "
      "malware; base model %s (sha256 %s)\n",
      benign,
      s->estate.duplicates,
      recut_estate_packages(&s->estate),
      recut_estate_count(&s->estate, 1),
      malml_model_version(s->model),
      malml_model_sha256(s->model));
  if (benign == 0)
  {
    fprintf(stderr, "malml recut: no benign PE file to recut on\n");
    return -1;
  }
  int n = recut_tiers(&s->estate, s->model, force, RECUT_FILES_PER_FP, t);
  if (n < 0)
    return -1;
  print_tiers(stdout, t, n);
  fflush(stdout);
  warn_tiers(t, n);
  const uint8_t* data = malml_default_model_data;
  size_t size = malml_default_model_size;
  if (model_path != NULL)
  {
    if (mapped_open(model_path, &mf) != 0)
    {
      fprintf(stderr, "malml recut: %s: cannot read it\n", model_path);
      return -1;
    }
    data = mf.data;
    size = mf.size;
  }
  int rc =
      write_model(data, size, s->model, s, t, n, name, out, command);
  if (model_path != NULL)
    mapped_close(&mf);
  return rc;
}

typedef struct
{
  char** v;
  int n, cap;
} path_list;

static int path_add(path_list* l, const char* path)
{
  if (l->n == l->cap)
  {
    int cap = l->cap ? 2 * l->cap : 64;
    char** v = realloc(l->v, (size_t) cap * sizeof(*v));
    if (v == NULL)
      return -1;
    l->v = v;
    l->cap = cap;
  }
  return (l->v[l->n] = strdup(path)) != NULL ? (l->n++, 0) : -1;
}

/* -i LIST: a path a line (empty lines skipped). */
static int path_read_list(path_list* l, const char* file)
{
  FILE* f = fopen(file, "r");
  char line[8192];
  if (f == NULL)
  {
    fprintf(stderr, "malml recut: %s: cannot read it\n", file);
    return -1;
  }
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof(line), f) != NULL)
  {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] != '\0')
      rc = path_add(l, line);
  }
  fclose(f);
  return rc;
}

static void path_free(path_list* l)
{
  for (int i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

typedef struct
{
  const char *out, *model, *labels, *name, *training_list;
  int force;
  path_list benign, malware;
  progress_mode shown;
} recut_args;

#define OPT_MALWARE (EXTRACT_MEMORY_OPTION + 1)
#define OPT_FORCE   (EXTRACT_MEMORY_OPTION + 2)
#define OPT_NAME    (EXTRACT_MEMORY_OPTION + 3)
#define OPT_TRAINING_LIST (EXTRACT_MEMORY_OPTION + 4)

/* One option of recut's own; 0 taken, 1 a list that cannot be read, -2
 * not one of them. */
static int own_option(int c, recut_args* a)
{
  if (c == 'o')
    a->out = optarg;
  else if (c == 'm')
    a->model = optarg;
  else if (c == 'l')
    a->labels = optarg;
  else if (c == OPT_NAME)
    a->name = optarg;
  else if (c == OPT_FORCE)
    a->force = 1;
  else if (c == OPT_TRAINING_LIST)
    a->training_list = optarg;
  else if (c == 'P')
    a->shown = PROGRESS_LINES;
  else if (c == 'i')
    return path_read_list(&a->benign, optarg) == 0 ? 0 : 1;
  else if (c == OPT_MALWARE)
    return path_add(&a->malware, optarg) == 0 ? 0 : 1;
  else
    return -2;
  return 0;
}

/* 0; -1 after -h; 2 usage (said); 1 a list that cannot be read. */
static int
parse_args(int argc, char** argv, recut_args* a, extract_each_options* o)
{
  static const struct option longopts[] = {
      {"malware", required_argument, NULL, OPT_MALWARE},
      {"force", no_argument, NULL, OPT_FORCE},
      {"name", required_argument, NULL, OPT_NAME},
      {"training-list", required_argument, NULL, OPT_TRAINING_LIST},
      {"progress", no_argument, NULL, 'P'},
      {"worker-memory", required_argument, NULL, EXTRACT_MEMORY_OPTION},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c, rc = 0;
  optind = 1;
  while (rc == 0 &&
         (c = getopt_long(argc, argv, "o:m:i:l:p:a:Nh", longopts, NULL)) != -1)
  {
    if ((rc = own_option(c, a)) != -2)
      continue;
    rc = 0;
    if (c == 'N')
      o->follow_symlinks = 0;
    else if (c == 'p' && (o->threads = extract_threads_arg(optarg)) > 0)
      continue;
    else if (c == 'a' && (o->timeout = extract_timeout_arg(optarg)) > 0)
      continue;
    else if (
        c == EXTRACT_MEMORY_OPTION &&
        extract_memory_arg(optarg, &o->worker_memory) == 0)
      continue;
    else
    {
      bad_number("malml recut", c);
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? -1 : 2;
    }
  }
  for (int i = optind; rc == 0 && i < argc; i++)
    rc = path_add(&a->benign, argv[i]) == 0 ? 0 : 1;
  if (rc == 0 && (a->out == NULL || a->benign.n == 0))
  {
    fprintf(stderr, "malml recut: give -o OUT and the benign files\n");
    usage(stderr);
    rc = 2;
  }
  return rc;
}

int cmd_recut(int argc, char** argv)
{
  recut_args a = {.shown = PROGRESS_AUTO};
  recut_state s = {0};
  label_table labels = {0};
  extract_each_options o = {
      .who = "malml recut",
      .threads = extract_default_threads(),
      .follow_symlinks = 1,
      .shared = &s,
      .on_features = on_features};
  int rc = parse_args(argc, argv, &a, &o);
  for (int i = 0; rc == 0 && i < a.malware.n; i++)
    rc = path_add(&a.benign, a.malware.v[i]) == 0 ? 0 : 1;
  malml_model* owned = NULL;
  if (rc == 0 && a.labels != NULL && labels_read(a.labels, &labels) != 0)
    rc = 1;
  if (rc == 0 && (s.model = model_file_open("malml recut", a.model, &owned)) == NULL)
    rc = 1;
  if (rc == 0)
  {
    s.labels = a.labels ? &labels : NULL;
    s.training_list = a.training_list;
    s.targets = (const char* const*) a.benign.v;
    s.ntargets = a.benign.n;
    s.nbenign = a.benign.n - a.malware.n;
    s.progress = progress_start("malml recut", s.targets, s.ntargets, o.follow_symlinks, a.shown);
    int failures = extract_each(s.targets, s.ntargets, &o);
    progress_stop(s.progress);
    char* command = command_line(argc, argv);
    rc = s.estate.failed || failures < 0 || command == NULL ||
                 recut_and_write(&s, a.model, a.name, a.out, a.force, command) != 0
             ? 1
             : (failures > 0);
    free(command);
  }
  recut_estate_free(&s.estate);
  malml_model_free(owned);
  labels_free(&labels);
  path_free(&a.benign);
  path_free(&a.malware);
  return rc < 0 ? 0 : rc;
}
