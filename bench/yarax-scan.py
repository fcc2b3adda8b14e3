"""bench/yarax-scan.py RULES DIR: YARA-X (PyPI's yara-x, its Python API)
doing what `yara -r RULES DIR` does, for bench/rules-vs-pe.sh: compiles
RULES once, then scans every file under DIR (symlinks followed, as yara
does by default) with one Scanner, one file at a time in this one thread,
and prints "RULE PATH" per match as yara does.  A file YARA-X cannot scan
is reported on stderr and the scan goes on; the exit status is then 1.
"""
import os
import sys

import yara_x


def main():
    rules_path, top = sys.argv[1], sys.argv[2]
    with open(rules_path) as f:
        scanner = yara_x.Scanner(yara_x.compile(f.read()))
    status = 0
    for root, dirs, files in os.walk(top, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                results = scanner.scan_file(path)
            except (yara_x.ScanError, yara_x.TimeoutError, OSError) as e:
                print("error scanning %s: %s" % (path, e), file=sys.stderr)
                status = 1
                continue
            for rule in results.matching_rules:
                print(rule.identifier, path)
    return status


if __name__ == "__main__":
    sys.exit(main())
