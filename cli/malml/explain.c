#include "cli/malml/explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/path_json.h"
#include "cli/malml/bucket_examples.h"
#include "cli/malml/pe_values.h"

/* Examples shown for an absent bucket: enough to say what it stands for. */
#define ABSENT_EXAMPLES 4

/* For a bucket the file has nothing in (value 0), the commonest names that
 * map to it (bucket_examples.h), into buf; returns their number, 0 for a
 * feature that is no bag's bucket or not absent. */
static int absent_examples(const explain_item* t, char* buf, size_t size)
{
  buf[0] = '\0';
  if (t->value != 0)
    return 0;
  return bucket_examples_join(t->feature, ABSENT_EXAMPLES, buf, size);
}

static int by_magnitude(const void* a, const void* b)
{
  double x = fabs(((const explain_line*) a)->contribution);
  double y = fabs(((const explain_line*) b)->contribution);
  return (x < y) - (x > y);
}

/* Inserts item into a block's largest members, kept sorted. */
static void keep_member(explain_line* l, const explain_item* item)
{
  int at = l->nmembers;
  while (at > 0 &&
         fabs(l->members[at - 1].contribution) < fabs(item->contribution))
    at--;
  if (at >= EXPLAIN_MAX_MEMBERS)
    return;
  int last =
      l->nmembers < EXPLAIN_MAX_MEMBERS ? l->nmembers : EXPLAIN_MAX_MEMBERS - 1;
  memmove(&l->members[at + 1], &l->members[at], sizeof(*item) * (last - at));
  l->members[at] = *item;
  if (l->nmembers < EXPLAIN_MAX_MEMBERS)
    l->nmembers++;
}

/* One line per feature or block that any split used; returns the count. */
static int make_lines(const float* v, const double* c, explain_line* lines)
{
  int n = 0;
  for (int i = 0; i < MALML_FEATURE_COUNT;)
  {
    int first, size = malml_schema_block_of(i, &first);
    explain_line l = {.first = first, .size = size, .value = v[first]};
    for (int k = first; k < first + size; k++)
    {
      if (c[k] == 0)
        continue; /* never split on where it matters for this file */
      explain_item item = {k, v[k], c[k]};
      l.contribution += c[k];
      l.moved++;
      if (size > 1)
        keep_member(&l, &item);
    }
    if (l.moved > 0)
      lines[n++] = l;
    i = first + size;
  }
  return n;
}

void explain(
    const malml_model* m,
    int g,
    const float* v,
    int ntop,
    double* scratch,
    explanation* out)
{
  /* At most one line per feature; per thread, as workers may be threads. */
  static __thread explain_line lines[MALML_FEATURE_COUNT];
  memset(out, 0, sizeof(*out));
  if (ntop > EXPLAIN_MAX_TOP)
    ntop = EXPLAIN_MAX_TOP;
  out->score = malml_model_score(m, g, v);
  out->margin = malml_model_margin(m, g, v);
  /* Exact Shapley values; a hostile model too deep for them falls back to
     path contributions, which add up all the same. */
  malml_model_shap(m, g, v, scratch, &out->bias);
  int n = make_lines(v, scratch, lines);
  qsort(lines, (size_t) n, sizeof(lines[0]), by_magnitude);
  for (int i = 0; i < n; i++)
  {
    if (i < ntop)
      out->top[out->ntop++] = lines[i];
    else
    {
      out->other += lines[i].contribution;
      out->other_features += lines[i].moved;
    }
  }
}

const char* explain_line_name(const explain_line* l, char* buf, size_t size)
{
  malml_schema_feature_name(l->first, buf, size);
  if (l->size == 1)
    return buf;
  /* "sections.slot[2].name_bucket" -> "sections.slot[2].*";
     "header.byte_hist[0]" -> "header.byte_hist[*]". */
  char* cut =
      l->first >= MALML_F_section_slot && l->first < MALML_F_section_name_bucket
          ? strrchr(buf, '.')
          : strrchr(buf, '[');
  if (cut != NULL && (size_t) (cut - buf) + 4 <= size)
    strcpy(cut, *cut == '.' ? ".*" : "[*]");
  return buf;
}

const char* explain_value_text(int feature, double value, char* buf, size_t n)
{
  double x = value;
  if (isnan(value))
    snprintf(buf, n, "missing");
  else if (feature == MALML_F_machine)
    pe_machine_text((uint64_t) x, buf, n);
  else if (feature == MALML_F_characteristics)
    pe_flags_text((uint64_t) x, 0, buf, n);
  else if (feature == MALML_F_dll_characteristics)
    pe_flags_text((uint64_t) x, 1, buf, n);
  else if (feature == MALML_F_subsystem)
    pe_subsystem_text((uint64_t) x, buf, n);
  else if (feature == MALML_F_timestamp)
    pe_timestamp_text((int64_t) x, buf, n);
  else if (
      feature == MALML_F_image_base || feature == MALML_F_checksum ||
      feature == MALML_F_section_alignment || feature == MALML_F_file_alignment)
    snprintf(buf, n, "0x%llx", (unsigned long long) x);
  else
    snprintf(buf, n, "%.9g", x);
  return buf;
}

static json_t* item_json(const explain_item* t, const bucket_names* names)
{
  char name[96], who[1024];
  json_t* j = json_object();
  malml_schema_feature_name(t->feature, name, sizeof(name));
  json_object_set_new(j, "feature", json_string(name));
  /* Whole numbers as JSON integers: pe's fields read exactly (a
   * timestamp, a size), not 1653467185.0. */
  int whole = isfinite(t->value) && t->value == floor(t->value) &&
              fabs(t->value) < 9007199254740992.0; /* 2^53 */
  json_object_set_new(
      j,
      "value",
      isnan(t->value) ? json_null()
      : whole         ? json_integer((json_int_t) t->value)
                      : json_real(t->value));
  json_object_set_new(j, "contribution", json_real(t->contribution));
  if (names != NULL &&
      bucket_names_join(names, t->feature, who, sizeof(who)) > 0)
    /* Import names are the file's bytes, not always UTF-8: with U+FFFD
       (path_json.h), where json_string gave NULL and the field vanished. */
    json_object_set_new(j, "names", path_json_text(who));
  else if (absent_examples(t, who, sizeof(who)) > 0)
    /* Not the file's: common names of the training corpus that map to
       this bucket, to say what its absence means. */
    json_object_set_new(j, "absent_examples", path_json_text(who));
  return j;
}

static json_t* line_json(const explain_line* l, const bucket_names* names)
{
  char name[96], shown[256];
  if (l->size == 1)
  {
    explain_item one = {l->first, l->value, l->contribution};
    json_t* j = item_json(&one, names);
    json_object_set_new(j, "features", json_integer(1));
    json_object_set_new(
        j,
        "shown",
        json_string(explain_value_text(l->first, l->value, shown, 256)));
    return j;
  }
  json_t* members = json_array();
  for (int i = 0; i < l->nmembers; i++)
    json_array_append_new(members, item_json(&l->members[i], names));
  return json_pack(
      "{s:s, s:i, s:i, s:f, s:o}",
      "feature",
      explain_line_name(l, name, sizeof(name)),
      "features",
      l->size,
      "moved",
      l->moved,
      "contribution",
      l->contribution,
      "members",
      members);
}

json_t* explanation_to_json(const explanation* e, const bucket_names* names)
{
  json_t* top = json_array();
  for (int i = 0; i < e->ntop; i++)
    json_array_append_new(top, line_json(&e->top[i], names));
  return json_pack(
      "{s:f, s:f, s:f, s:o, s:{s:i, s:f}}",
      "score",
      e->score,
      "margin",
      e->margin,
      "bias",
      e->bias,
      "top",
      top,
      "other",
      "features",
      e->other_features,
      "contribution",
      e->other);
}

/* A member's value: "missing" for NaN, as a single feature's line says
 * (explain_value_text), never "nan". */
static const char* member_value(double value, char* buf, size_t size)
{
  if (isnan(value))
    snprintf(buf, size, "missing");
  else
    snprintf(buf, size, "%.6g", value);
  return buf;
}

/* "[56]=1 kernel32!virtualalloc -0.255" for a block's member. */
static void print_member(
    FILE* out,
    const explain_item* t,
    const bucket_names* names,
    const char* sep)
{
  char name[96], who[1024], shown[32];
  malml_schema_feature_name(t->feature, name, sizeof(name));
  const char* tail = strrchr(name, '[');
  const char* dot = strrchr(name, '.');
  if (t->feature >= MALML_F_section_slot &&
      t->feature < MALML_F_section_name_bucket)
    tail = dot != NULL ? dot + 1 : name;
  if (t->feature >= MALML_F_byte_hist &&
      t->feature < MALML_F_byte_hist + MALML_BYTE_HIST_BINS)
    /* The byte value in hex, as an analyst reads it: [0xCC] is MSVC's
     * int3 padding, [0x00] zero fill. */
    fprintf(
        out,
        "%s[0x%02X]=%s",
        sep,
        t->feature - MALML_F_byte_hist,
        member_value(t->value, shown, sizeof(shown)));
  else
    fprintf(
        out,
        "%s%s=%s",
        sep,
        tail != NULL ? tail : name,
        member_value(t->value, shown, sizeof(shown)));
  if (names != NULL &&
      bucket_names_join(names, t->feature, who, sizeof(who)) > 0)
    fprintf(out, " (%s)", who);
  else if (absent_examples(t, who, sizeof(who)) > 0)
    fprintf(out, " (absent; names that map here: e.g. %s)", who);
  fprintf(out, " %+.3f", t->contribution);
}

static void
print_line(FILE* out, const explain_line* l, const bucket_names* names)
{
  char name[96], shown[256], who[1024];
  explain_line_name(l, name, sizeof(name));
  if (l->size == 1)
  {
    fprintf(
        out,
        "      %+7.3f  %s = %s\n",
        l->contribution,
        name,
        explain_value_text(l->first, l->value, shown, sizeof(shown)));
    if (names != NULL &&
        bucket_names_join(names, l->first, who, sizeof(who)) > 0)
      fprintf(out, "               (this file's names there: %s)\n", who);
    return;
  }
  fprintf(
      out,
      "      %+7.3f  %s (%d of %d features; largest: ",
      l->contribution,
      name,
      l->moved,
      l->size);
  for (int i = 0; i < l->nmembers; i++)
    print_member(out, &l->members[i], names, i > 0 ? ", " : "");
  fprintf(out, ")\n");
}

void explanation_print(
    FILE* out,
    const explanation* e,
    const bucket_names* names)
{
  for (int i = 0; i < e->ntop; i++) print_line(out, &e->top[i], names);
  if (e->other_features > 0)
    fprintf(
        out,
        "      %+7.3f  (%d other features)\n",
        e->other,
        e->other_features);
}
