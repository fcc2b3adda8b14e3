/*
 * `malml`: the companion tool of the malml YARA module.
 */
#include <stdio.h>
#include <string.h>
#include <yara.h>

#include "cli/common/extract.h"
#include "cli/malml/commands.h"
#include "config.h"

typedef struct
{
  const char* name;
  int (*run)(int argc, char** argv);
  const char* help;
} command;

static const command commands[] = {
    {"features",
     cmd_features,
     "print the feature vector of PE files as JSON lines"},
    {"score",
     cmd_score,
     "score PE files and show the features behind each score"},
    {"model", cmd_model, "describe a model file or the compiled-in model"},
#ifdef MALML_WITH_TRAIN
    {"train", cmd_train, "train a model on a labelled corpus"},
#endif
    {"eval", cmd_eval, "measure a model on a labelled corpus, write a report"},
    {"recut",
     cmd_recut,
     "re-choose a model's thresholds on a site's own benign files"},
};

static void usage(FILE* out)
{
  fprintf(out, "usage: malml COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(
      out,
      "\n'malml COMMAND -h' for a command's options; 'malml --version' (-v, -V) "
      "for the\nversions of malml and libyara; malml(1) for the manual.\n");
}

void bad_number(const char* who, int option)
{
  if (option == 'p')
    fprintf(stderr, "%s: -p takes a number of processes from 1 to 256\n", who);
  else if (option == 'a')
    fprintf(
        stderr, "%s: -a takes a number of seconds from 1 to 1000000\n", who);
  else if (option == EXTRACT_MEMORY_OPTION)
    fprintf(
        stderr,
        "%s: --worker-memory takes a number of MiB from 0 (no limit) to "
        "16777216\n",
        who);
}

int main(int argc, char** argv)
{
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
  {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  /* -V as well: what most tools take, and what users type first. */
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0 ||
      strcmp(argv[1], "-V") == 0)
  {
    /* The model loads once libyara is up (as in every command). */
    const malml_model* m =
        yr_initialize() == ERROR_SUCCESS ? malml_model_default() : NULL;
    printf(
        "malml %s (libyara %s; compiled-in model %s)\n",
        PACKAGE_VERSION,
        MALML_LIBYARA_VERSION,
        m != NULL ? malml_model_version(m) : malml_model_default_status());
    yr_finalize();
    return 0;
  }
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
  {
    if (strcmp(argv[1], commands[i].name) == 0)
    {
      if (yr_initialize() != ERROR_SUCCESS)
      {
        fprintf(stderr, "malml: cannot initialise libyara\n");
        return 1;
      }
      int rc = commands[i].run(argc - 1, argv + 1);
      yr_finalize();
      return rc;
    }
  }
  fprintf(stderr, "malml: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
