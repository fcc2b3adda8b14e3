#include "cli/malml/model_file.h"

#include <stdio.h>
#include <string.h>

#include "cli/common/mapped.h"

const malml_model*
model_file_open(const char* prog, const char* path, malml_model** owned)
{
  char err[256];
  mapped_file mf;
  *owned = NULL;
  if (path == NULL)
  {
    const malml_model* m = malml_model_default();
    if (m == NULL)
      fprintf(
          stderr,
          "%s: %s; give a model file\n",
          prog,
          malml_model_default_status());
    return m;
  }
  int e = mapped_open(path, &mf);
  if (e != 0)
  {
    fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(e));
    return NULL;
  }
  if (malml_model_load(mf.data, mf.size, owned, err, sizeof(err)) != 0)
    fprintf(stderr, "%s: %s: %s\n", prog, path, err);
  mapped_close(&mf);
  return *owned;
}
