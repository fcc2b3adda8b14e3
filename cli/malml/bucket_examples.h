/*
 * What an ABSENT bucket stands for.  bucket_names.h names a file's own
 * tokens in a bucket; when the feature that moved a score is a bucket the
 * file has nothing in (value 0), the file has no name to show.  These are
 * the commonest names of each bucket in the training corpus (names only,
 * written by model/corpus/bucket-examples.py as bucket_examples.tsv, made
 * into C arrays by build-aux/gen-bucket-examples at build time),
 * hashed here with the module's own rule (modules/malml/features/tokens.h),
 * so each example is shown under the bucket it really maps to.  They are
 * examples of what maps there, not the file's names.
 */
#ifndef MALML_BUCKET_EXAMPLES_H
#define MALML_BUCKET_EXAMPLES_H

#include <stddef.h>

typedef enum
{
  BUCKET_BAG_IMPORT,
  BUCKET_BAG_DLL,
  BUCKET_BAG_EXPORT,
  BUCKET_BAG_SECTION,
  BUCKET_BAG_RICH,
  BUCKET_BAG_ASSEMBLY_REF,
  BUCKET_BAG_MODULEREF,
  BUCKET_BAG_RESOURCE_NAME,
} bucket_bag;

typedef struct
{
  bucket_bag bag;
  const char* const* tokens;
  int count;
} bucket_example_list;

/* The generated lists, one per bag (from bucket_examples.tsv). */
extern const bucket_example_list bucket_example_lists[];
extern const int bucket_example_list_count;

/* Up to `max` example names of `feature`'s bucket, comma-separated, into
 * buf (empty when the feature is no bag's bucket or none is known);
 * returns the number of names written. */
int bucket_examples_join(int feature, int max, char* buf, size_t size);

#endif
