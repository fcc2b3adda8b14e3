#!/usr/bin/env python3
"""json-vs-text.py TEXT JSON [COUNT]

TEXT is `yara -e -s` output, JSON `yara --output-format=json -s` output of
the same run, COUNT (optional) `yara -c` output.  Checks that every JSON line
is an object with the documented keys, that both carry the same matches and
strings, and that there is one object per file `-c` lists.  Exits 1 with
the first differences on stderr.
"""
import json
import re
import sys
from collections import Counter

STRING_LINE = re.compile(r"^0x([0-9a-f]+):(\$[^:]*): (.*)$")


CESCAPES = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r"}


def as_json_text(raw):
    """Bytes as yara's JSON output writes text other than paths:
    themselves when UTF-8, else the escapes of -m (cli/yara_json.h)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out = []
    for b in raw:
        if b in b"\"'\\":
            out.append("\\" + chr(b))
        elif b >= 127:
            out.append("\\%03o" % b)
        elif b >= 32:
            out.append(chr(b))
        elif b in CESCAPES:
            out.append("\\" + CESCAPES[b])
        else:
            out.append("\\%03o" % b)
    return "".join(out)


def parse_text(path):
    rules, strings, current = Counter(), Counter(), None
    with open(path, "rb") as f:
        for raw in f:
            line = as_json_text(raw.rstrip(b"\n"))
            m = STRING_LINE.match(line)
            if m and current is not None:
                strings[current + (int(m.group(1), 16), m.group(2),
                                   m.group(3))] += 1
                continue
            qualified, _, file = line.partition(" ")
            ns, _, rule = qualified.partition(":")
            current = (file, ns, rule)
            rules[current] += 1
    return rules, strings


def json_path(obj):
    """The file's name as as_json_text writes it: from "path_bytes" (the
    exact bytes, lower-case hex) when the name is not UTF-8; "path" is
    then the name with each invalid byte as U+FFFD (path_json.h)."""
    if "path_bytes" not in obj:
        obj["path"].encode("utf-8")  # no lone surrogate
        return obj["path"]
    raw = bytes.fromhex(obj["path_bytes"])
    if obj["path_bytes"] != raw.hex():
        raise ValueError("path_bytes %r is not lower-case hex" % obj["path_bytes"])
    replaced = re.sub("[\udc80-\udcff]", "\ufffd",
                      raw.decode("utf-8", "surrogateescape"))
    if replaced == raw.decode("utf-8", "surrogateescape"):
        raise ValueError("path_bytes for a UTF-8 name %r" % obj["path"])
    if obj["path"] != replaced:
        raise ValueError("path %r is not path_bytes with U+FFFD" % obj["path"])
    return as_json_text(raw)


def parse_json(path):
    rules, strings, files = Counter(), Counter(), Counter()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            obj = json.loads(line)
            if not isinstance(obj, dict) or "path" not in obj:
                raise ValueError("line %d: not an object with a path" % n)
            name = json_path(obj)
            files[name] += 1
            for m in obj.get("matches", []):
                for key in ("rule", "namespace", "tags", "meta", "strings"):
                    if key not in m:
                        raise ValueError("line %d: match without %s" % (n, key))
                key = (name, m["namespace"], m["rule"])
                rules[key] += 1
                for s in m["strings"]:
                    strings[key + (s["offset"], s["identifier"],
                                   s["data"])] += 1
    return rules, strings, files


def report(what, a, b):
    if a == b:
        return True
    print("%s differ: text-only %s, json-only %s" % (
        what, list((a - b).items())[:3], list((b - a).items())[:3]),
        file=sys.stderr)
    return False


def main():
    t_rules, t_strings = parse_text(sys.argv[1])
    try:
        j_rules, j_strings, j_files = parse_json(sys.argv[2])
    except (ValueError, KeyError, TypeError, UnicodeError) as e:
        print("invalid JSON lines: %s" % e, file=sys.stderr)
        return 1
    ok = report("matches", t_rules, j_rules)
    ok = report("strings", t_strings, j_strings) and ok
    if len(sys.argv) > 3:
        with open(sys.argv[3], "rb") as f:
            listed = Counter(as_json_text(l.rstrip(b"\n").rpartition(b": ")[0])
                             for l in f)
        ok = report("files", listed, j_files) and ok
    if sum(t_rules.values()) == 0:
        print("no matches at all: the comparison proves nothing",
              file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
