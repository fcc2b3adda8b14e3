#include "model/train/training_list.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/mapped.h"
#include "cli/common/sha256.h"

/* The first 16 hex digits of a hex SHA-256 as a number; -1 if not hex. */
static int prefix_of(const char* hex, uint64_t* out)
{
  uint64_t v = 0;
  for (int i = 0; i < 16; i++)
  {
    char c = hex[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v << 4 | (uint64_t) d;
  }
  *out = v;
  return 0;
}

static int by_value(const void* a, const void* b)
{
  uint64_t x = *(const uint64_t*) a, y = *(const uint64_t*) b;
  return (x > y) - (x < y);
}

/* The hex SHA-256 of the file at path into out; -1 when unreadable. */
static int file_sha256(const char* path, char out[65])
{
  mapped_file m;
  if (mapped_open(path, &m) != 0)
    return -1;
  int rc = sha256_hex(m.data, m.size, out);
  mapped_close(&m);
  return rc;
}

/* The rows' prefixes, sorted, with their class counts. */
static uint64_t* sorted_prefixes(
    const dataset* d,
    const size_t* index,
    size_t n,
    size_t count[2])
{
  uint64_t* p = malloc((n ? n : 1) * sizeof(*p));
  for (size_t k = 0; p != NULL && k < n; k++)
  {
    size_t i = index != NULL ? index[k] : k;
    if (prefix_of(d->sha256[i], &p[k]) != 0)
      p[k] = 0; /* dataset rows are hex SHA-256s: not reached */
    count[d->y[i] != 0]++;
  }
  if (p != NULL)
    qsort(p, n, sizeof(*p), by_value);
  return p;
}

int training_list_write(
    const char* model_path,
    const char* version,
    const dataset* d,
    const size_t* index,
    size_t n)
{
  char path[4096], model_sha[65];
  size_t count[2] = {0, 0};
  if (snprintf(path, sizeof(path), "%s%s", model_path, TRAINING_LIST_SUFFIX) >=
          (int) sizeof(path) ||
      file_sha256(model_path, model_sha) != 0)
  {
    fprintf(
        stderr,
        "malml train: %s: cannot hash it for its training list\n",
        model_path);
    return -1;
  }
  uint64_t* p = sorted_prefixes(d, index, n, count);
  FILE* f = p != NULL ? fopen(path, "w") : NULL;
  if (f != NULL)
  {
    fprintf(
        f,
        "# malml training files: first 16 hex digits of each one's SHA-256, "
        "sorted\n# model %s\n# model-sha256 %s\n"
        "# files %zu (%zu malware, %zu benign)\n",
        version,
        model_sha,
        n,
        count[1],
        count[0]);
    for (size_t k = 0; k < n; k++) fprintf(f, "%016" PRIx64 "\n", p[k]);
  }
  free(p);
  if (f == NULL || ferror(f) || fclose(f) != 0)
  {
    fprintf(stderr, "malml train: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* One line of the list into t (grown as needed); -1 when it is not 16 hex
 * digits or memory runs out. */
static int add_line(training_list* t, size_t* cap, const char* line)
{
  const char* tag = "# model-sha256 ";
  if (line[0] == '#')
  {
    if (strncmp(line, tag, strlen(tag)) == 0)
      snprintf(t->model_sha256, 65, "%.64s", line + strlen(tag));
    return 0;
  }
  if (strspn(line, " \t\r\n") == strlen(line))
    return 0;
  if (t->n == *cap)
  {
    size_t c = *cap ? 2 * *cap : 4096;
    uint64_t* p = realloc(t->prefix, c * sizeof(*p));
    if (p == NULL)
      return -1;
    t->prefix = p;
    *cap = c;
  }
  if (strlen(line) < 16 || prefix_of(line, &t->prefix[t->n]) != 0 ||
      strspn(line + 16, " \t\r\n") != strlen(line + 16))
    return -1;
  t->n++;
  return 0;
}

/* Reads an open list; 0, or -1 with the reason in why. */
static int read_stream(FILE* f, training_list* t, char* why, size_t size)
{
  char* line = NULL;
  size_t len = 0, cap = 0, lineno = 0;
  int rc = 0;
  while (rc == 0 && getline(&line, &len, f) != -1)
    if (++lineno, add_line(t, &cap, line) != 0)
    {
      snprintf(why, size, "line %zu is not 16 hex digits of a SHA-256", lineno);
      rc = -1;
    }
  if (rc == 0 && ferror(f))
    rc = -1, snprintf(why, size, "%s", strerror(errno));
  free(line);
  if (rc == 0 && t->n > 0)
    qsort(t->prefix, t->n, sizeof(*t->prefix), by_value);
  return rc;
}

int training_list_read(
    const char* path,
    training_list* t,
    char* why,
    size_t size)
{
  FILE* f = fopen(path, "r");
  if (f == NULL)
  {
    snprintf(why, size, "%s", strerror(errno));
    return errno == ENOENT ? 1 : -1;
  }
  int rc = read_stream(f, t, why, size);
  fclose(f);
  return rc;
}

int training_list_parse(
    const uint8_t* text,
    size_t len,
    training_list* t,
    char* why,
    size_t size)
{
  if (len == 0)
  {
    snprintf(why, size, "none was compiled in");
    return 1;
  }
  FILE* f = fmemopen((void*) text, len, "r");
  if (f == NULL)
  {
    snprintf(why, size, "%s", strerror(errno));
    return -1;
  }
  int rc = read_stream(f, t, why, size);
  fclose(f);
  return rc;
}

int training_list_has(const training_list* t, const char* sha256)
{
  uint64_t key;
  if (t->n == 0 || strlen(sha256) < 16 || prefix_of(sha256, &key) != 0)
    return 0;
  return bsearch(&key, t->prefix, t->n, sizeof(key), by_value) != NULL;
}

void training_list_free(training_list* t)
{
  free(t->prefix);
  memset(t, 0, sizeof(*t));
}
