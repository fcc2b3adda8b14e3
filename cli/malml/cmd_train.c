/*
 * `malml train`: the command line of the training pipeline
 * (model/train/train_run.c): options, loading the labelled files, and the
 * run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/common/extract.h"
#include "cli/malml/commands.h"
#include "config.h"
#include "model/train/dataset.h"
#include "model/train/train_external.h"
#include "model/train/train_run.h"
#include "model/train/train_weights.h"

#define MODELS MALML_MODEL_COUNT

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml train -l LABELS -o MODEL [options] CORPUS...\n"
      "       malml train --plan DIR -l LABELS [options] HASHES\n"
      "       malml train --from-xgboost DIR -l LABELS -o MODEL [options]\n"
      "CORPUS: directories or files to scan, or `malml features` output\n"
      "(*.jsonl, - for stdin); LABELS: TSV of sha256, label (1 malware),\n"
      "group, family, source.\n"
      "  -v SPLIT     validation: collections (default: each malware\n"
      "               collection held out whole with a package-disjoint\n"
      "               share of the benign packages) or groups (-k group\n"
      "               folds); round counts and thresholds come from it\n"
      "  -k FOLDS     group folds of -v groups and of the group-fold view\n"
      "               printed after collection validation (default 5; 0:\n"
      "               no second view)\n"
      "  -s SEED      seed of the split and of XGBoost (default 1)\n"
      "  -p THREADS   XGBoost and scanning threads (default 2, not the\n"
      "               cores as elsewhere: XGBoost's hist method gives the\n"
      "               same model only for the same thread count)\n"
      "  --worker-memory=MIB  memory each scanning process may allocate\n"
      "               (default " SUPERVISE_DEFAULT_MEMORY_TEXT
      ", 0: no limit)\n"
      "  -r ROUNDS    most boosting rounds (default 400)\n"
      "  -d DEPTH     tree depth (default 6)\n"
      "  -e ETA       learning rate (default 0.1)\n"
      "  -W WEIGHTS   class (default: the classes weigh the same), groups\n"
      "               (each family or package weighs sqrt(its size), then\n"
      "               the classes are balanced), toolchains (both classes\n"
      "               weigh the same within each toolchain) or kinds (each\n"
      "               class reweighted to the same mix of DLL/EXE, 32/64-bit\n"
      "               and .NET/native, then the classes balanced)\n"
      "  -B           the same as -W toolchains (the 0.1 recipe)\n"
      "  -M WEIGHT    XGBoost min_child_weight (default 1)\n"
      "  -c FRACTION  XGBoost colsample_bytree (default 0.5)\n"
      "  -X PREFIX    train with the features whose name starts with PREFIX\n"
      "               set to missing (repeatable; e.g. filetype.mingw);\n"
      "               -m PREFIX is its deprecated old name (one release)\n"
      "  -w DIR       where the XGBoost JSON models go (default: a new /tmp "
      "dir)\n"
      "  -R DIR       write the out-of-fold report (Markdown + SVG) into DIR\n"
      "  -O FILE      write the out-of-fold scores as TSV\n"
      "  --ecosystem-cuts  raise each cut until it also holds within every\n"
      "               benign ecosystem (labels group prefix) with at least\n"
      "               10/FPR of the files it applies to\n"
      "  -K           also hold out each benign toolchain kind in turn\n"
      "               (.NET, MinGW, MSVC, ...) and report its FPR at the\n"
      "               chosen cuts (all-features model; costs two fits each)\n"
      "  -F DIR       write each fold's model (DIR/fold-N.malml, with the\n"
      "               shipped thresholds) and the sha256 of the files it\n"
      "               held out (DIR/fold-N.txt), so rules can be measured\n"
      "               on held-out files end to end through yara\n"
      "  -V NAME      the model's name, malml.model.version in rules\n"
      "               (default: MODEL's file name without its extension,\n"
      "               then -seedN, e.g. mymodel-seed1); the shipped model\n"
      "               is malml-" PACKAGE_VERSION
      "-seed1, and a name starting\n"
      "               with malml- draws a warning\n"
      "  --name NAME  the same as -V\n"
      "Fits made elsewhere (python3 -m malml.dask_train runs both steps):\n"
      "  --plan DIR   write what to fit into DIR: plan.json (each\n"
      "               sub-model's columns, XGBoost parameters, folds) and\n"
      "               folds.tsv, for the files of HASHES (a sha256 a line)\n"
      "  --from-xgboost DIR\n"
      "               the model file from DIR's fits (NAME.json per\n"
      "               sub-model, oof.tsv, fit.json): thresholds and\n"
      "               validation as above; give the -l, -v, -k, -s, -r, -d,\n"
      "               -e, -M, -c, -X of the plan (no -K, -F or -W)\n");
}

/* --plan and --from-xgboost: what the fits elsewhere cannot do (the
 * refitting views and sample weights need the vectors) is refused. */
static int check_external(const train_options* o, int npositional)
{
  const char* why = NULL;
  if (o->plan_dir != NULL && o->import_dir != NULL)
    why = "--plan and --from-xgboost are two steps, give one";
  else if (o->labels == NULL)
    why = "-l LABELS is needed";
  else if (o->plan_dir != NULL && npositional != 1)
    why = "--plan takes one file of sha256s";
  else if (o->import_dir != NULL && (o->out == NULL || npositional != 0))
    why = "--from-xgboost takes -o MODEL and no CORPUS";
  else if (o->kind_view || o->fold_dir != NULL)
    why =
        "-K and -F refit, which needs the vectors: not with fits made "
        "elsewhere";
  else if (o->weighting != TRAIN_WEIGHT_CLASS)
    why = "-W/-B weights need the vectors: not with fits made elsewhere";
  else if (
      (o->folds < 2 && !(o->by_collection && o->folds == 0)) ||
      o->xgb.max_rounds < o->xgb.check_every || o->xgb.nthread < 1)
    why = "bad -k, -r or -p";
  if (why == NULL)
    return 0;
  fprintf(stderr, "malml train: %s\n", why);
  usage(stderr);
  return -1;
}

/* Long on purpose: one case per option. */
static int parse_options(int argc, char** argv, train_options* o)
{
  int c;
  optind = 1;
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'V'},
      {"plan", required_argument, NULL, 'P'},
      {"from-xgboost", required_argument, NULL, 'I'},
      {"worker-memory", required_argument, NULL, EXTRACT_MEMORY_OPTION},
      {"ecosystem-cuts", no_argument, NULL, 'E'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  while ((c = getopt_long(
              argc,
              argv,
              "l:o:k:s:p:r:d:e:m:X:w:R:O:F:V:BW:v:M:c:Kh",
              longopts,
              NULL)) != -1)
  {
    switch (c)
    {
    case 'l':
      o->labels = optarg;
      break;
    case 'o':
      o->out = optarg;
      break;
    case 'k':
      o->folds = atoi(optarg);
      break;
    case 's':
      o->xgb.seed = strtoull(optarg, NULL, 10);
      break;
    case 'p':
      if ((o->threads = o->xgb.nthread = extract_threads_arg(optarg)) < 0)
        return bad_number("malml train", 'p'), usage(stderr), -1;
      break;
    case EXTRACT_MEMORY_OPTION:
      if (extract_memory_arg(optarg, &o->worker_memory) != 0)
        return bad_number("malml train", c), usage(stderr), -1;
      break;
    case 'r':
      o->xgb.max_rounds = atoi(optarg);
      break;
    case 'd':
      o->xgb.max_depth = atoi(optarg);
      break;
    case 'e':
      o->xgb.eta = atof(optarg);
      break;
    case 'w':
      o->work_dir = optarg;
      break;
    case 'R':
      o->report_dir = optarg;
      break;
    case 'O':
      o->oof_path = optarg;
      break;
    case 'F':
      o->fold_dir = optarg;
      break;
    case 'E':
      o->ecosystem_cuts = 1;
      break;
    case 'K':
      o->kind_view = 1;
      break;
    case 'V':
      o->version = optarg;
      break;
    case 'P':
      o->plan_dir = optarg;
      break;
    case 'I':
      o->import_dir = optarg;
      break;
    case 'B':
      o->weighting = TRAIN_WEIGHT_TOOLCHAINS;
      break;
    case 'W':
      if ((o->weighting = train_weighting_parse(optarg)) < 0)
        return usage(stderr), -1;
      break;
    case 'v':
      if (strcmp(optarg, "collections") != 0 && strcmp(optarg, "groups") != 0)
        return usage(stderr), -1;
      o->by_collection = strcmp(optarg, "collections") == 0;
      break;
    case 'M':
      o->xgb.min_child_weight = atof(optarg);
      break;
    case 'c':
      o->xgb.colsample = atof(optarg);
      break;
    case 'm': /* deprecated: -m means MODEL in score and eval */
      fprintf(stderr, "malml train: -m PREFIX is deprecated, use -X PREFIX\n");
      /* fall through */
    case 'X':
      if (o->nmasks == TRAIN_MAX_MASKS)
        return -1;
      o->masks[o->nmasks++] = optarg;
      break;
    default:
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 1 : -1;
    }
  }
  if (o->plan_dir != NULL || o->import_dir != NULL)
    return check_external(o, argc - optind);
  if (o->labels == NULL || o->out == NULL || optind >= argc ||
      (o->folds < 2 && !(o->by_collection && o->folds == 0)) ||
      o->xgb.max_rounds < o->xgb.check_every || o->xgb.nthread < 1)
  {
    usage(stderr);
    return -1;
  }
  return 0;
}

/*
 * The model's name, malml.model.version: a user's model must not carry
 * the shipped model's name, or a rule pinned to that version matches under
 * both.  Without -V it is the output file's name ("-o /x/mine.malml" ->
 * "mine-seed1").
 */
static void name_model(train_options* o)
{
  static char derived[MALML_MODEL_MAX_VERSION];
  if (o->version == NULL)
  {
    const char* base = strrchr(o->out, '/');
    base = base != NULL ? base + 1 : o->out;
    const char* dot = strrchr(base, '.');
    int len =
        dot != NULL && dot > base ? (int) (dot - base) : (int) strlen(base);
    if (len > 200)
      len = 200;
    snprintf(
        derived,
        sizeof(derived),
        "%.*s-seed%llu",
        len,
        base,
        (unsigned long long) o->xgb.seed);
    o->version = derived;
  }
  if (strncmp(o->version, "malml-", 6) == 0)
    fprintf(
        stderr,
        "malml train: warning: the name \"%s\" looks like a shipped "
        "model's (malml-VERSION-seedN); rules pinned to malml.model.version "
        "will not tell them apart\n",
        o->version);
  fprintf(stderr, "model name (malml.model.version): %s\n", o->version);
}

static int load(const train_options* o, char** targets, int n, dataset* d)
{
  if (dataset_load(
          d,
          (const char* const*) targets,
          n,
          o->labels,
          o->threads,
          o->worker_memory) != 0)
    return -1;
  fprintf(
      stderr,
      "%zu labelled PE files (%zu malware, %zu benign) in %zu groups; left "
      "out: "
      "%zu unlabelled, %zu not PE, %zu duplicates\n",
      d->n,
      dataset_count(d, 1),
      dataset_count(d, 0),
      d->ngroups,
      d->unlabelled,
      d->not_pe,
      d->duplicates);
  if (dataset_count(d, 1) == 0 || dataset_count(d, 0) == 0)
  {
    fprintf(stderr, "malml train: need both malware and benign files\n");
    return -1;
  }
  return 0;
}

/* --plan: the split and what each sub-model sees, for fits elsewhere. */
static int plan(train_options* o, const char* hashes)
{
  dataset d = {0};
  train_split sp = {.fold = NULL};
  int rc = dataset_load_hashes(&d, hashes, o->labels);
  if (rc == 0)
    rc = train_make_split(o, &d, &sp);
  if (rc == 0)
    rc = external_plan_write(o, &d, &sp, o->plan_dir);
  if (rc == 0)
    fprintf(
        stderr,
        "%zu labelled files (%zu unlabelled, %zu duplicates left out) in %d "
        "folds: plan in %s\n",
        d.n,
        d.unlabelled,
        d.duplicates,
        sp.k,
        o->plan_dir);
  free(sp.fold);
  dataset_free(&d);
  return rc == 0 ? 0 : 1;
}

/* --from-xgboost: the model file from fits made elsewhere, through the
 * same threshold choice, validation and model_build as a local run. */
static int from_xgboost(train_options* o)
{
  dataset d = {0};
  train_split sp = {.fold = NULL};
  cv_result r[MODELS] = {{0}};
  char folds[4096], paths[MODELS][4096];
  const char* p[MODELS];
  static char trainer[64];
  snprintf(
      trainer, sizeof(trainer), "xgboost.dask via malml %s", PACKAGE_VERSION);
  o->trainer = trainer;
  snprintf(folds, sizeof(folds), "%s/folds.tsv", o->import_dir);
  name_model(o);
  int rc = dataset_load_hashes(&d, folds, o->labels);
  if (rc == 0)
    rc = train_make_split(o, &d, &sp);
  if (rc == 0)
    rc = external_import(&d, &sp, o->import_dir, r, paths);
  for (int g = 0; g < MODELS; g++) p[g] = paths[g];
  if (rc == 0)
    rc = train_finish(o, &d, &sp, NULL, r, p);
  for (int g = 0; g < MODELS; g++) cv_result_free(&r[g]);
  free(sp.fold);
  dataset_free(&d);
  return rc == 0 ? 0 : 1;
}

int cmd_train(int argc, char** argv)
{
  train_options o = {
      .folds = 5,
      .threads = 2,
      .by_collection = 1,
      .weighting = TRAIN_WEIGHT_CLASS,
      .xgb = {6, 0.1, 0.8, 0.5, 1.0, 1.0, 400, 10, 2, 1}};
  dataset d = {0};
  cv_result r[MODELS] = {{0}};
  char dir[4096] = "/tmp/malml-train-XXXXXX";
  int rc = parse_options(argc, argv, &o);
  if (rc != 0)
    return rc > 0 ? 0 : 2;
  if (o.plan_dir != NULL)
    return plan(&o, argv[optind]);
  if (o.import_dir != NULL)
    return from_xgboost(&o);
  name_model(&o);
  if (o.work_dir)
    snprintf(dir, sizeof(dir), "%s", o.work_dir);
  if ((o.work_dir ? mkdir(dir, 0755) != 0 && errno != EEXIST
                  : mkdtemp(dir) == NULL))
  {
    fprintf(stderr, "malml train: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  time_t start = time(NULL);
  rc = load(&o, argv + optind, argc - optind, &d);
  if (rc == 0)
    rc = train_run(&o, &d, dir, r);
  fprintf(
      stderr,
      "training took %ld s; XGBoost models in %s\n",
      (long) (time(NULL) - start),
      dir);
  for (int g = 0; g < MODELS; g++) cv_result_free(&r[g]);
  dataset_free(&d);
  return rc == 0 ? 0 : 1;
}
