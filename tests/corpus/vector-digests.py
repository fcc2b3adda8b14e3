#!/usr/bin/env python3
"""Reads `malml features` JSON lines on stdin and prints, per file, the first
16 hex digits of its sha256 and of the SHA-256 of its feature values (every
key but "path", sorted, as JSON), sorted by file: a short fingerprint of the
vectors that shows which files changed.

The named "features" show pe's integers exactly (1630779072) where the
vector holds float32 (1630779136); they are digested as the float32 the
vector holds, printed to 9 digits as the vectors are, so the digests
fingerprint what a model sees, and a named integer whose float32 is not the
vector's value changes its file's digest."""
import hashlib
import json
import struct
import sys


def as_float32(x):
    """An exact integer as the vectors print its float32 (%.9g)."""
    if isinstance(x, int) and not isinstance(x, bool):
        return float("%.9g" % struct.unpack("f", struct.pack("f", x))[0])
    return x


rows = []
for line in sys.stdin:
    obj = json.loads(line)
    obj.pop("path", None)
    if "features" in obj:
        obj["features"] = {k: as_float32(v) for k, v in obj["features"].items()}
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    rows.append((obj["sha256"][:16], hashlib.sha256(text.encode()).hexdigest()[:16]))
for sha, digest in sorted(rows):
    print(sha, digest)
