#!/usr/bin/env python3
"""Reads `malml features` JSON lines on stdin and prints, per file, the first
16 hex digits of its sha256 and of the SHA-256 of its feature values (every
key but "path", sorted, as JSON), sorted by file: a short fingerprint of the
vectors that shows which files changed."""
import hashlib
import json
import sys

rows = []
for line in sys.stdin:
    obj = json.loads(line)
    obj.pop("path", None)
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    rows.append((obj["sha256"][:16], hashlib.sha256(text.encode()).hexdigest()[:16]))
for sha, digest in sorted(rows):
    print(sha, digest)
