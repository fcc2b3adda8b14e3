/*
 * Loads a malml model file (docs/model-format.md) into a malml_model.
 *
 * The bytes come from a file named on the command line (`yara -x
 * malml=FILE`), so they are untrusted: every read goes through the bounded
 * reader below, every count is checked against both a fixed limit and the
 * bytes actually present before anything is allocated, and every child and
 * feature index is checked before the evaluator may follow it.
 */
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/le.h"
#include "modules/malml/model/model_internal.h"

typedef struct
{
  const uint8_t* data;
  size_t size; /* readable bytes: the file less its trailing checksum */
  size_t off;
  char* err;
  size_t errlen;
  int failed;
} reader;

static int fail(reader* r, const char* fmt, ...)
{
  if (!r->failed)
  {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
  }
  r->failed = 1;
  return -1;
}

/* Returns a pointer to the next n bytes, or NULL (and fails) if the file
 * ends first.  Written to survive n near SIZE_MAX. */
static const uint8_t* take(reader* r, size_t n, const char* what)
{
  if (r->failed)
    return NULL;
  if (n > r->size - r->off)
  {
    fail(r, "truncated: %s at offset %zu needs %zu bytes", what, r->off, n);
    return NULL;
  }
  const uint8_t* p = r->data + r->off;
  r->off += n;
  return p;
}

static uint32_t rd_u32(reader* r, const char* what)
{
  const uint8_t* p = take(r, 4, what);
  return p != NULL ? malml_le32(p) : 0;
}

static float f32_at(const uint8_t* p)
{
  uint32_t u = malml_le32(p);
  float f;
  memcpy(&f, &u, sizeof(f));
  return f;
}

static double rd_f64(reader* r, const char* what)
{
  const uint8_t* p = take(r, 8, what);
  uint64_t u =
      p != NULL ? (uint64_t) malml_le32(p) | (uint64_t) malml_le32(p + 4) << 32
                : 0;
  double d;
  memcpy(&d, &u, sizeof(d));
  return d;
}

/* A u32-length-prefixed string of at most max bytes without NUL, returned
 * NUL-terminated in malloc'ed memory. */
static char* rd_string(reader* r, uint32_t max, const char* what)
{
  uint32_t n = rd_u32(r, what);
  if (!r->failed && n > max)
  {
    fail(r, "%s is %u bytes long, more than the %u allowed", what, n, max);
    return NULL;
  }
  const uint8_t* p = take(r, n, what);
  if (p == NULL)
    return NULL;
  if (memchr(p, 0, n) != NULL)
  {
    fail(r, "%s contains a NUL byte", what);
    return NULL;
  }
  char* s = malloc((size_t) n + 1);
  if (s == NULL)
  {
    fail(r, "out of memory");
    return NULL;
  }
  memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

/* One pass over the file gives both digests: `body` of everything before
 * the trailing checksum (what the checksum must equal) and `whole` of the
 * whole file (the model's identity, malml.model.sha256).  Hashing a 20 MB
 * model twice would cost a good part of the load-time budget. */
static int sha256_both(
    const uint8_t* data,
    size_t size,
    uint8_t body[32],
    uint8_t whole[32])
{
  EVP_MD_CTX* a = EVP_MD_CTX_new();
  EVP_MD_CTX* b = EVP_MD_CTX_new();
  int ok =
      a != NULL && b != NULL && EVP_DigestInit_ex(a, EVP_sha256(), NULL) == 1 &&
      EVP_DigestUpdate(a, data, size - 32) == 1 &&
      EVP_MD_CTX_copy_ex(b, a) == 1 && EVP_DigestFinal_ex(a, body, NULL) == 1 &&
      EVP_DigestUpdate(b, data + size - 32, 32) == 1 &&
      EVP_DigestFinal_ex(b, whole, NULL) == 1;
  EVP_MD_CTX_free(a);
  EVP_MD_CTX_free(b);
  return ok ? 0 : -1;
}

static int hex_to_bytes(const char* hex, uint8_t out[32])
{
  for (int i = 0; i < 32; i++)
  {
    unsigned int b;
    if (sscanf(hex + 2 * i, "%2x", &b) != 1)
      return -1;
    out[i] = (uint8_t) b;
  }
  return 0;
}

/* Magic and major version come before the checksum so that a file from a
 * newer release is reported as such rather than as corrupt. */
static int
check_identity(const uint8_t* data, size_t size, reader* r, uint8_t whole[32])
{
  if (size < MALML_MODEL_HEADER_SIZE + 32)
    return fail(r, "too small to be a malml model (%zu bytes)", size);
  if (memcmp(data, MALML_MODEL_MAGIC, 8) != 0)
    return fail(r, "not a malml model file (bad magic)");
  unsigned major = data[8] | data[9] << 8, minor = data[10] | data[11] << 8;
  if (major != MALML_MODEL_MAJOR)
    return fail(
        r,
        "model format %u.%u is not supported (this build reads "
        "%d.x)",
        major,
        minor,
        MALML_MODEL_MAJOR);
  uint8_t digest[32];
  if (sha256_both(data, size, digest, whole) != 0)
    return fail(r, "SHA-256 failed");
  if (memcmp(digest, data + size - 32, 32) != 0)
    return fail(r, "checksum mismatch: the file is corrupt or truncated");
  return 0;
}

typedef struct
{
  uint32_t feature_count, group_count, model_count, threshold_count;
  uint32_t node_size;
  int has_counts; /* format 1.1+: a count after the 1.0 node record */
} header;

static void to_hex(const uint8_t* d, int n, char* out)
{
  for (int i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The schemas earlier releases computed, by hash, so that a model of one of
 * them is refused with its name rather than a bare hash. */
static const char* known_schema(const char* hex)
{
  static const struct
  {
    const char* hash;
    const char* name;
  } known[] = {
      {"5567c2b4e242d6fe5c030c513b431be62e1ed3f09bb06edfe6986527d5995a47",
       "feature schema 1 (malml 0.1 and 0.2)"},
  };
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(known[i].hash, hex) == 0)
      return known[i].name;
  return "an unknown feature schema";
}

/* Format 1.0 has 28-byte node records; 1.1 appends the training counts,
 * so its records are at least 36 bytes. */
static int read_node_size(reader* r, const uint8_t* version, header* h)
{
  if (h->node_size < MALML_MODEL_NODE_SIZE_1_0 || h->node_size > 1024)
    return fail(r, "node size %u is not supported", h->node_size);
  unsigned minor = version[10] | version[11] << 8;
  h->has_counts = minor >= 1;
  if (h->has_counts && h->node_size < MALML_MODEL_NODE_SIZE)
    return fail(
        r, "format 1.%u with node size %u has no counts", minor, h->node_size);
  return 0;
}

static int read_header(reader* r, header* h)
{
  uint8_t want[32];
  const uint8_t* version = take(r, 12, "magic and version");
  uint32_t header_size = rd_u32(r, "header size");
  h->feature_count = rd_u32(r, "feature count");
  h->group_count = rd_u32(r, "group count");
  h->model_count = rd_u32(r, "model count");
  h->threshold_count = rd_u32(r, "threshold count");
  h->node_size = rd_u32(r, "node size");
  rd_u32(r, "reserved");
  const uint8_t* hash = take(r, 32, "schema hash");
  if (r->failed)
    return -1;
  if (header_size < MALML_MODEL_HEADER_SIZE)
    return fail(
        r, "header size %u is below %d", header_size, MALML_MODEL_HEADER_SIZE);
  /* A later minor version may grow the header: skip what we do not know. */
  take(r, header_size - 72, "header");
  if (hex_to_bytes(malml_schema_hash(), want) != 0)
    return fail(r, "schema hash not initialised");
  if (memcmp(hash, want, 32) != 0)
  {
    char theirs[65];
    to_hex(hash, 32, theirs);
    return fail(
        r,
        "model was trained on %s (hash %.16s...), this build computes "
        "feature schema %d (hash %.16s...): retrain it with this build's "
        "`malml train`",
        known_schema(theirs),
        theirs,
        MALML_SCHEMA_VERSION,
        malml_schema_hash());
  }
  if (h->feature_count != MALML_FEATURE_COUNT)
    return fail(
        r,
        "model has %u features, this build %d",
        h->feature_count,
        MALML_FEATURE_COUNT);
  if (h->group_count != MALML_GROUP_COUNT ||
      h->model_count != MALML_MODEL_COUNT)
    return fail(
        r,
        "model has %u groups and %u sub-models, expected %d and "
        "%d",
        h->group_count,
        h->model_count,
        MALML_GROUP_COUNT,
        MALML_MODEL_COUNT);
  if (read_node_size(r, version, h) != 0)
    return -1;
  if (h->threshold_count > MALML_MODEL_MAX_THRESHOLDS)
    return fail(
        r,
        "%u thresholds, at most %d allowed",
        h->threshold_count,
        MALML_MODEL_MAX_THRESHOLDS);
  return r->failed ? -1 : 0;
}

static int read_groups(reader* r, const header* h)
{
  for (uint32_t g = 0; g < h->group_count && !r->failed; g++)
  {
    const malml_group_info* info = malml_schema_group((malml_group) g);
    uint32_t begin = rd_u32(r, "group table");
    uint32_t end = rd_u32(r, "group table");
    if (!r->failed &&
        (begin != (uint32_t) info->begin || end != (uint32_t) info->end))
      return fail(
          r,
          "group %u spans features [%u, %u), this build's %s "
          "group [%d, %d)",
          g,
          begin,
          end,
          info->name,
          info->begin,
          info->end);
  }
  return r->failed ? -1 : 0;
}

typedef struct
{
  uint32_t ntrees, nnodes;
  double base_margin;
} table_entry;

static int read_table(reader* r, table_entry* t)
{
  uint64_t total = 0;
  for (int g = 0; g < MALML_MODEL_COUNT && !r->failed; g++)
  {
    uint32_t group = rd_u32(r, "model table");
    uint32_t objective = rd_u32(r, "model table");
    t[g].ntrees = rd_u32(r, "model table");
    t[g].nnodes = rd_u32(r, "model table");
    t[g].base_margin = rd_f64(r, "model table");
    take(r, 8, "model table");
    if (r->failed)
      break;
    if (group != (uint32_t) g)
      return fail(r, "sub-model %d is labelled group %u", g, group);
    if (objective != MALML_MODEL_OBJECTIVE_LOGISTIC)
      return fail(r, "sub-model %d has unknown objective %u", g, objective);
    if (t[g].ntrees > MALML_MODEL_MAX_TREES)
      return fail(
          r,
          "sub-model %d has %u trees, at most %u allowed",
          g,
          t[g].ntrees,
          MALML_MODEL_MAX_TREES);
    if (!isfinite(t[g].base_margin))
      return fail(r, "sub-model %d has a non-finite base margin", g);
    total += t[g].nnodes;
  }
  if (!r->failed && total > MALML_MODEL_MAX_NODES)
    return fail(
        r,
        "%llu nodes, at most %u allowed",
        (unsigned long long) total,
        MALML_MODEL_MAX_NODES);
  return r->failed ? -1 : 0;
}

/* The features a sub-model may split on: a group model only its group's
 * (it was trained with the other columns unused), the all-features model
 * any.  A split elsewhere means the trainer mixed up its models. */
typedef struct
{
  uint32_t begin, end;
  const char* name;
} feature_range;

static feature_range range_of(int g)
{
  feature_range all = {0, MALML_FEATURE_COUNT, "all"};
  if (g >= MALML_GROUP_COUNT)
    return all;
  const malml_group_info* info = malml_schema_group((malml_group) g);
  feature_range r = {(uint32_t) info->begin, (uint32_t) info->end, info->name};
  return r;
}

/* Decodes one node record at p (the caller has taken the record's bytes);
 * `at` is its tree-local index, `base` the index of its tree's first node and
 * `n` the tree's node count.  Raw reads, not the reader: a model has up to
 * millions of nodes and load time counts (yara parses -x FILE per run). */
static void read_node(
    reader* r,
    const feature_range* range,
    const uint8_t* p,
    uint32_t base,
    uint32_t at,
    uint32_t n,
    malml_node* node)
{
  uint32_t left = malml_le32(p), right = malml_le32(p + 4),
           feature = malml_le32(p + 8);
  float threshold = f32_at(p + 12), value = f32_at(p + 16);
  float cover = f32_at(p + 20);
  if (!isfinite(cover) || cover < 0)
    fail(r, "node %u has an invalid cover", base + at);
  node->cover = cover;
  if (left == MALML_MODEL_NO_CHILD && right == MALML_MODEL_NO_CHILD)
  {
    node->left = node->right = -1;
    node->feature = 0;
    node->split = value;
    if (!isfinite(value))
      fail(r, "leaf %u has a non-finite value", base + at);
    return;
  }
  /* Children after their parent: no cycle, and every walk ends. */
  if (left <= at || right <= at || left >= n || right >= n)
    fail(
        r,
        "node %u has children (%u, %u) outside its tree of %u nodes or "
        "not after it",
        base + at,
        left,
        right,
        n);
  else if (feature < range->begin || feature >= range->end)
    fail(
        r,
        "node %u splits on feature %u, outside its sub-model's %s "
        "features [%u, %u)",
        base + at,
        feature,
        range->name,
        range->begin,
        range->end);
  else if (isnan(threshold))
    fail(r, "node %u has a NaN threshold", base + at);
  node->left = (int32_t) (base + left);
  node->right = (int32_t) (base + right);
  node->feature = feature;
  if (malml_le32(p + 24) & MALML_MODEL_NODE_DEFAULT_LEFT)
    node->feature |= MALML_NODE_DEFAULT_LEFT;
  node->split = threshold;
}

/* Saabas expectations: leaf value at leaves, cover-weighted mean of the
 * children above them, as XGBoost's FillNodeMeanValues.  Children come after
 * parents, so one backward pass fills them.  Covers are read from the file's
 * records at p (already checked finite and >= 0). */
static void fill_means(malml_submodel* s, const uint8_t* p, uint32_t size)
{
  for (uint32_t i = s->nnodes; i-- > 0;)
  {
    malml_node* n = &s->nodes[i];
    if (n->left < 0)
    {
      n->mean = n->split;
      continue;
    }
    float ca = f32_at(p + (size_t) n->left * size + 20);
    float cb = f32_at(p + (size_t) n->right * size + 20);
    float cn = f32_at(p + (size_t) i * size + 20);
    float ma = s->nodes[n->left].mean, mb = s->nodes[n->right].mean;
    n->mean = cn > 0 ? (ma * ca + mb * cb) / cn : (ma + mb) / 2;
  }
}

/* Node i's count of training files of `label` (0 benign, 1 malware). */
static uint32_t
count_at(const uint8_t* p, uint32_t size, uint32_t i, int label)
{
  return malml_le32(p + (size_t) i * size + 28 + 4 * label);
}

/* One class's counts: every tree's root holds the same n files and each
 * inner node the sum of its children, or the counts mean nothing. */
static int check_counts(
    reader* r,
    const malml_submodel* s,
    const uint8_t* p,
    uint32_t size,
    int g,
    int label)
{
  const char* what = label ? "malware" : "benign";
  uint32_t n = s->ntrees > 0 ? count_at(p, size, s->roots[0], label) : 0;
  for (uint32_t t = 0; t < s->ntrees; t++)
    if (count_at(p, size, s->roots[t], label) != n)
      return fail(
          r,
          "sub-model %d: tree %u holds %u %s training files, tree 0 %u",
          g,
          t,
          count_at(p, size, s->roots[t], label),
          what,
          n);
  for (uint32_t i = 0; i < s->nnodes; i++)
  {
    const malml_node* node = &s->nodes[i];
    if (node->left >= 0 &&
        (uint64_t) count_at(p, size, i, label) !=
            (uint64_t) count_at(p, size, node->left, label) +
                count_at(p, size, node->right, label))
      return fail(
          r,
          "sub-model %d node %u: its %s count is not its children's sum",
          g,
          i,
          what);
  }
  return 0;
}

/* Format 1.1's counts (N = 0 throughout: the writer had no rows).  The
 * all-features model's leaves get their familiarity terms (model.h), the
 * only ones a scan reads: a log per leaf of every sub-model would add to
 * each run's load. */
static int fill_counts(
    reader* r,
    malml_submodel* s,
    const uint8_t* p,
    uint32_t size,
    int g)
{
  if (check_counts(r, s, p, size, g, 0) != 0 ||
      check_counts(r, s, p, size, g, 1) != 0)
    return -1;
  for (int label = 0; label < 2; label++)
    s->rows[label] = s->ntrees > 0 ? count_at(p, size, s->roots[0], label) : 0;
  uint32_t n = s->rows[0];
  for (uint32_t i = 0; i < s->nnodes && n > 0 && g == MALML_MODEL_ALL; i++)
  {
    malml_node* node = &s->nodes[i];
    uint32_t c = count_at(p, size, i, 0);
    c = c < n ? c : n; /* a node no walk reaches may hold anything */
    if (node->left < 0)
      node->feature = (uint32_t) lround(
          MALML_FAMILIARITY_LEVELS * log1p((double) c) / log1p((double) n));
  }
  return 0;
}

static int read_trees(reader* r, const header* h, malml_submodel* s, int g)
{
  uint64_t sum = 0;
  for (uint32_t t = 0; t < s->ntrees && !r->failed; t++)
  {
    uint32_t n = rd_u32(r, "tree sizes");
    if (!r->failed && (n == 0 || n > MALML_MODEL_MAX_TREE_NODES))
      return fail(r, "sub-model %d tree %u has %u nodes", g, t, n);
    s->roots[t] = (uint32_t) sum;
    sum += n;
  }
  if (!r->failed && sum != s->nnodes)
    return fail(
        r,
        "sub-model %d: tree sizes add up to %llu, not %u",
        g,
        (unsigned long long) sum,
        s->nnodes);
  const uint8_t* p = take(r, (size_t) s->nnodes * h->node_size, "nodes");
  feature_range range = range_of(g);
  for (uint32_t t = 0; t < s->ntrees && !r->failed; t++)
  {
    uint32_t base = s->roots[t];
    uint32_t n = (t + 1 < s->ntrees ? s->roots[t + 1] : s->nnodes) - base;
    for (uint32_t i = 0; i < n && !r->failed; i++)
      read_node(
          r,
          &range,
          p + (size_t) (base + i) * h->node_size,
          base,
          i,
          n,
          &s->nodes[base + i]);
  }
  if (!r->failed && h->has_counts)
    fill_counts(r, s, p, h->node_size, g);
  if (!r->failed)
  {
    fill_means(s, p, h->node_size);
    malml_submodel_compact(s);
  }
  return r->failed ? -1 : 0;
}

/* Allocates only what the remaining bytes can actually describe, so a
 * forged count cannot make us allocate more than the file's size allows. */
static int alloc_submodel(
    reader* r,
    const header* h,
    const table_entry* t,
    malml_submodel* s,
    int g)
{
  uint64_t need =
      (uint64_t) t->ntrees * 4 + (uint64_t) t->nnodes * h->node_size;
  if (need > r->size - r->off)
    return fail(
        r,
        "truncated: sub-model %d needs %llu bytes",
        g,
        (unsigned long long) need);
  s->base_margin = t->base_margin;
  s->ntrees = t->ntrees;
  s->nnodes = t->nnodes;
  s->roots = calloc(t->ntrees ? t->ntrees : 1, sizeof(*s->roots));
  s->nodes = calloc(t->nnodes ? t->nnodes : 1, sizeof(*s->nodes));
  if (s->roots == NULL || s->nodes == NULL)
    return fail(r, "out of memory");
  return 0;
}

static int read_thresholds(reader* r, const header* h, malml_model* m)
{
  for (uint32_t i = 0; i < h->threshold_count && !r->failed; i++)
  {
    malml_model_threshold* t = &m->thresholds[i];
    char* name = rd_string(r, MALML_MODEL_MAX_NAME, "threshold name");
    if (name == NULL)
      break;
    t->name = name;
    m->nthresholds = (int) i + 1;
    t->value = rd_f64(r, "threshold value");
    t->target_fpr = rd_f64(r, "threshold target");
    if (!r->failed && (!isfinite(t->value) || !isfinite(t->target_fpr)))
      fail(r, "threshold '%s' is not a finite number", name);
    for (uint32_t j = 0; j < i && !r->failed; j++)
      if (strcmp(m->thresholds[j].name, name) == 0)
        fail(r, "threshold '%s' appears twice", name);
  }
  return r->failed ? -1 : 0;
}

static int parse(reader* r, malml_model* m)
{
  header h = {0};
  table_entry table[MALML_MODEL_COUNT];
  if (read_header(r, &h) != 0 || read_groups(r, &h) != 0 ||
      read_table(r, table) != 0)
    return -1;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    if (alloc_submodel(r, &h, &table[g], &m->sub[g], g) != 0 ||
        read_trees(r, &h, &m->sub[g], g) != 0)
      return -1;
  if (read_thresholds(r, &h, m) != 0)
    return -1;
  m->version = rd_string(r, MALML_MODEL_MAX_VERSION, "version string");
  m->meta = rd_string(r, MALML_MODEL_MAX_META, "meta JSON");
  if (r->failed)
    return -1;
  if (r->off != r->size)
    return fail(
        r, "%zu unexpected bytes before the checksum", r->size - r->off);
  return 0;
}

int malml_model_load(
    const uint8_t* data,
    size_t size,
    malml_model** out,
    char* err,
    size_t errlen)
{
  reader r = {data, 0, 0, err, errlen, 0};
  uint8_t whole[32];
  *out = NULL;
  if (data == NULL && size > 0)
    return fail(&r, "no data");
  if (check_identity(data, size, &r, whole) != 0)
    return -1;
  r.size = size - 32;
  malml_model* m = calloc(1, sizeof(*m));
  if (m == NULL)
    return fail(&r, "out of memory");
  if (parse(&r, m) != 0)
  {
    malml_model_free(m);
    return -1;
  }
  to_hex(whole, 32, m->sha256);
  *out = m;
  return 0;
}

void malml_model_free(malml_model* m)
{
  if (m == NULL)
    return;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    free(m->sub[g].roots);
    free(m->sub[g].nodes);
    free(m->sub[g].fast);
    free(m->sub[g].fast_roots);
  }
  for (int i = 0; i < m->nthresholds; i++) free((char*) m->thresholds[i].name);
  free(m->version);
  free(m->meta);
  free(m);
}
