#!/usr/bin/env python3
"""Builds the hostile-input suite: make-hostile.py OUTDIR [--seeds].

Every file is made here from struct.pack calls (Python 3 stdlib only), at
test time, into OUTDIR/files/ (one file per kind, named for it) and
OUTDIR/special/ (a FIFO and symlink loops).  OUTDIR/MANIFEST lists each file
with what a scan must do:

  ok    scanned within the time limit, every malml value exact
  slow  may overrun a short limit (then it must be reported as timed out)
  hang  never finishes inside libyara's pe: must be reported as timed out
  crash makes libyara 4.2.3's pe fault: must be reported as a crash, and
        change no other file's result (test-isolation.sh)

Each kind imitates a class of input from public bug reports against PE
parsers (YARA's pe module, pefile, LIEF, radare2, pe-bear); the comment on
each function names it.  --seeds (libFuzzer seeds) leaves out the files
over 1 MiB, those that are not "ok" and the special files.
"""
import os
import struct
import sys

# Beside this file; also when it is loaded by path (tests/pipelines/check_dask.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import authenticode  # noqa: E402

I386, AMD64, ARM = 0x14C, 0x8664, 0x1C0
PE32, PE32PLUS = 0x10B, 0x20B
HDR = 0x1000  # headers end here; the body (one section) starts here
LFANEW = 0x80

OPT_FIELDS = [  # name, PE32 format, PE32+ format
    ("Magic", "H", "H"), ("MajorLinkerVersion", "B", "B"),
    ("MinorLinkerVersion", "B", "B"), ("SizeOfCode", "I", "I"),
    ("SizeOfInitializedData", "I", "I"), ("SizeOfUninitializedData", "I", "I"),
    ("AddressOfEntryPoint", "I", "I"), ("BaseOfCode", "I", "I"),
    ("BaseOfData", "I", ""), ("ImageBase", "I", "Q"),
    ("SectionAlignment", "I", "I"), ("FileAlignment", "I", "I"),
    ("MajorOperatingSystemVersion", "H", "H"),
    ("MinorOperatingSystemVersion", "H", "H"), ("MajorImageVersion", "H", "H"),
    ("MinorImageVersion", "H", "H"), ("MajorSubsystemVersion", "H", "H"),
    ("MinorSubsystemVersion", "H", "H"), ("Win32VersionValue", "I", "I"),
    ("SizeOfImage", "I", "I"), ("SizeOfHeaders", "I", "I"),
    ("CheckSum", "I", "I"), ("Subsystem", "H", "H"),
    ("DllCharacteristics", "H", "H"), ("SizeOfStackReserve", "I", "Q"),
    ("SizeOfStackCommit", "I", "Q"), ("SizeOfHeapReserve", "I", "Q"),
    ("SizeOfHeapCommit", "I", "Q"), ("LoaderFlags", "I", "I"),
    ("NumberOfRvaAndSizes", "I", "I"),
]
DIR_EXPORT, DIR_IMPORT, DIR_RESOURCE, DIR_SECURITY = 0, 1, 2, 4
DIR_DEBUG, DIR_TLS, DIR_DELAY = 6, 9, 13


def section(name, vsize, va, rawsize, rawptr, chars=0x60000020):
    return struct.pack("<8sIIIIIIHHI", name, vsize, va, rawsize, rawptr,
                       0, 0, 0, 0, chars)


class PE:
    """A small valid PE whose file offsets equal its RVAs: headers in
    [0, HDR), one section from HDR to the end.  Kinds add data with put()
    and override any header field before bytes()."""

    def __init__(self, machine=I386, magic=None):
        self.body = bytearray()
        self.machine = machine
        self.magic = magic or (PE32PLUS if machine == AMD64 else PE32)
        self.opt = {}      # optional-header field overrides
        self.coff = {}     # NumberOfSections, SizeOfOptionalHeader
        self.dirs = {}     # index -> (rva, size)
        self.sections = None  # raw 40-byte entries; None: the one .text
        self.lfanew = LFANEW
        self.put(b"\xc3" * 16)  # the entry point: ret

    def put(self, data, align=4):
        """Appends data to the body and returns its RVA (= file offset)."""
        while len(self.body) % align:
            self.body.append(0)
        rva = HDR + len(self.body)
        self.body += data
        return rva

    def here(self):
        return HDR + len(self.body)

    def optional_header(self):
        wide = self.magic == PE32PLUS
        size = HDR + len(self.body)
        v = dict(Magic=self.magic, MajorLinkerVersion=14,
                 AddressOfEntryPoint=HDR, BaseOfCode=HDR,
                 ImageBase=0x140000000 if wide else 0x400000,
                 SectionAlignment=0x1000, FileAlignment=0x200,
                 MajorOperatingSystemVersion=6, MajorSubsystemVersion=6,
                 SizeOfImage=(size + 0xFFF) & ~0xFFF, SizeOfHeaders=HDR,
                 Subsystem=3, DllCharacteristics=0x8140,
                 SizeOfStackReserve=0x100000, SizeOfStackCommit=0x1000,
                 SizeOfHeapReserve=0x100000, SizeOfHeapCommit=0x1000,
                 NumberOfRvaAndSizes=16, SizeOfCode=size - HDR)
        v.update(self.opt)
        out = b""
        for name, f32, f64 in OPT_FIELDS:
            fmt = f64 if wide else f32
            if fmt:
                out += struct.pack("<" + fmt, v.get(name, 0))
        for i in range(16):
            out += struct.pack("<II", *self.dirs.get(i, (0, 0)))
        return out

    def bytes(self):
        while len(self.body) % 0x200:
            self.body.append(0)
        opt = self.optional_header()
        secs = self.sections
        if secs is None:
            n = len(self.body)
            secs = [section(b".text", n, HDR, n, HDR, 0xE0000020)]
        coff = struct.pack(
            "<HHIIIHH", self.machine,
            self.coff.get("NumberOfSections", len(secs)), 0x5F000000, 0, 0,
            self.coff.get("SizeOfOptionalHeader", len(opt)),
            self.coff.get("Characteristics", 0x0102))
        head = bytearray(HDR)
        dos = b"MZ" + b"\x90" * 0x3A + struct.pack("<I", self.lfanew & 0xFFFFFFFF)
        head[0:0x40] = dos
        head[0x40:0x40 + 39] = b"This program cannot be run in DOS mode.\r\n"[:39]
        nt = b"PE\0\0" + coff + opt + b"".join(secs)
        out = head + self.body
        if self.lfanew + len(nt) > HDR:  # a section table too big for the headers
            out = head[:self.lfanew] + nt
            out += b"\0" * (HDR - len(out)) if len(out) < HDR else b""
            out += self.body
        else:
            out[self.lfanew:self.lfanew + len(nt)] = nt
        return bytes(out)


def imports(pe, dlls):
    """An import directory for [(dll, [function or ordinal, ...]), ...]."""
    entries = []
    for dll, funcs in dlls:
        name = pe.put(dll + b"\0")
        thunks = []
        for f in funcs:
            if isinstance(f, int):
                thunks.append(0x80000000 | f)
            else:
                thunks.append(pe.put(b"\0\0" + f + b"\0", 2))
        ilt = pe.put(struct.pack("<%dI" % (len(thunks) + 1), *thunks, 0))
        iat = pe.put(struct.pack("<%dI" % (len(thunks) + 1), *thunks, 0))
        entries.append(struct.pack("<IIIII", ilt, 0, 0, name, iat))
    table = b"".join(entries) + b"\0" * 20
    pe.dirs[DIR_IMPORT] = (pe.put(table), len(table))


def plain():
    pe = PE()
    imports(pe, [(b"KERNEL32.dll", [b"ExitProcess", b"VirtualAlloc"]),
                 (b"WS2_32.dll", [115])])
    return pe.bytes()


# ---- section tables ------------------------------------------------------

def sections_ffff():
    # NumberOfSections 0xFFFF with one real entry: the table runs on into
    # the body and past EOF (pefile "too many sections", YARA pe's
    # number_of_sections trusted as a loop bound).
    pe = PE()
    pe.coff["NumberOfSections"] = 0xFFFF
    return pe.bytes()


def sections_1000():
    # 1,000 real entries, all over the same bytes (LIEF/radare2 reports of
    # quadratic work per section; pe keeps 96).
    pe = PE()
    pe.put(b"A" * 0x200)
    pe.sections = [section(b".s%d" % i, 0x200, HDR, 0x200, HDR)
                   for i in range(1000)]
    return pe.bytes()


def sections_ranges(kind):
    """One table per bad range; the entry point section stays valid."""
    pe = PE()
    pe.put(b"B" * 0x400)
    size = len(pe.bytes())
    bad = {
        "empty": section(b".empty", 0, 0, 0, 0),
        "past-eof": section(b".past", 0x1000, 0x10000, 0x1000, 0x7FFFFF00),
        "straddle-eof": section(b".strad", 0x10000, 0x10000, 0x10000,
                                size - 0x100),
        "overlap": section(b".over", size, 0, size, 0),  # covers the headers
        "ffffffff": section(b"\xff" * 8, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                            0xFFFFFFFF, 0xFFFFFFFF),
        # offset + size wraps to 0 in 32 bits (YARA's fits_in_pe overflow)
        "wrap": section(b".wrap", 0x1000, 0x20000, 0xFFFFF000, 0x1000),
    }[kind]
    n = size - HDR
    pe.sections = [section(b".text", n, HDR, n, HDR, 0xE0000020), bad,
                   section(b".text", n, HDR, n, HDR, 0xE0000020)]
    return pe.bytes()


def entry_outside():
    # Entry point 0xFFFFFFFF and a virtual size of 0xFFFFFFFF (pefile's
    # get_offset_from_rva overflow reports).
    pe = PE()
    pe.opt["AddressOfEntryPoint"] = 0xFFFFFFFF
    n = 0x200
    pe.sections = [section(b".text", 0xFFFFFFFF, HDR, n, HDR)]
    return pe.bytes()


# ---- imports -------------------------------------------------------------

def import_bomb_descriptors():
    # 20,000 descriptors sharing one name and one 8-thunk table: YARA pe's
    # per-descriptor arrays (issue 10: 16,384 took seconds and 1.45 GB).
    pe = PE()
    name = pe.put(b"bomb.dll\0")
    hint = pe.put(b"\0\0Func\0", 2)
    ilt = pe.put(struct.pack("<9I", *([hint] * 8), 0))
    desc = struct.pack("<IIIII", ilt, 0, 0, name, ilt)
    table = desc * 20000 + b"\0" * 20
    pe.dirs[DIR_IMPORT] = (pe.put(table), len(table))
    return pe.bytes()


def import_bomb_thunks():
    # One descriptor with 300,000 thunks to the same hint/name entry
    # (radare2/LIEF reports of unbounded thunk walks).
    pe = PE()
    name = pe.put(b"thunks.dll\0")
    hint = pe.put(b"\0\0Same\0", 2)
    ilt = pe.put(struct.pack("<I", hint) * 300000 + b"\0\0\0\0")
    table = struct.pack("<IIIII", ilt, 0, 0, name, ilt) + b"\0" * 20
    pe.dirs[DIR_IMPORT] = (pe.put(table), len(table))
    return pe.bytes()


def import_pointers_outside():
    # Name, thunk and hint pointers beyond the image, and a thunk table that
    # is the descriptor table itself (pefile/pe-bear out-of-bounds reads).
    pe = PE()
    here = pe.here()
    descs = [
        struct.pack("<IIIII", 0x7FFFFFF0, 0, 0, 0xFFFFFF00, 0x7FFFFFF0),
        struct.pack("<IIIII", here, 0, 0, here, here),  # into the table
        struct.pack("<IIIII", pe.here() + 100, 0, 0, 0x10000000, 0),
    ]
    table = b"".join(descs) + b"\0" * 20
    pe.dirs[DIR_IMPORT] = (pe.put(table), len(table))
    pe.dirs[DIR_DELAY] = (0xFFFFFFF0, 0xFFFFFFFF)
    return pe.bytes()


def long_names():
    # Megabyte-long DLL, function and export names without a terminator
    # until far on (pefile/LIEF memory reports; malml cuts tokens to 256).
    pe = PE()
    imports(pe, [(b"D" * (1 << 20) + b".dll", [b"F" * (1 << 20)])])
    exp_name = pe.put(b"E" * (1 << 20) + b"\0")
    fn = pe.put(struct.pack("<I", HDR))
    names = pe.put(struct.pack("<I", exp_name))
    ords = pe.put(struct.pack("<H", 0))
    ed = struct.pack("<IIHHIIIIIII", 0, 0, 0, 0, exp_name, 1, 1, 1, fn,
                     names, ords)
    pe.dirs[DIR_EXPORT] = (pe.put(ed), len(ed))
    return pe.bytes()


# ---- exports, resources, debug, TLS, security -----------------------------

def exports_ffffffff():
    # NumberOfFunctions and NumberOfNames 0xFFFFFFFF over small arrays
    # (YARA pe export loop bound, pefile "export count" DoS).
    pe = PE()
    arr = pe.put(struct.pack("<I", HDR) * 64)
    name = pe.put(b"x.dll\0")
    ed = struct.pack("<IIHHIIIIIII", 0, 0, 0, 0, name, 1, 0xFFFFFFFF,
                     0xFFFFFFFF, arr, arr, arr)
    pe.dirs[DIR_EXPORT] = (pe.put(ed), len(ed))
    return pe.bytes()


def resource_loop(entries):
    # A root directory whose entries are all subdirectories pointing back at
    # the root: libyara 4.2.3's pe walks it for ever (issue 10, item 1).
    pe = PE()
    root = struct.pack("<IIHHHH", 0, 0, 0, 0, 0, entries)
    root += b"".join(struct.pack("<II", i + 1, 0x80000000)
                     for i in range(entries))
    pe.dirs[DIR_RESOURCE] = (pe.put(root), len(root))
    return pe.bytes()


def rsrc_directory(targets, characteristics=0):
    """A resource directory of id entries: each target is an offset from the
    root, a subdirectory's when SUBDIR is or'ed in."""
    d = struct.pack("<IIHHHH", characteristics, 0x5F000000, 0, 0, 0,
                    len(targets))
    return d + b"".join(struct.pack("<II", i + 1, t)
                        for i, t in enumerate(targets))


SUBDIR = 0x80000000


def resource_loop_level1(entries):
    # The loop one level down: the root's entries all lead to one
    # subdirectory whose entries point back at itself (pe walks it as the
    # name level, then again as the language level): entries^3 leaves.
    pe = PE()
    sub = 16 + 8 * entries
    tree = rsrc_directory([SUBDIR | sub] * entries)
    tree += rsrc_directory([SUBDIR | sub] * entries)
    pe.dirs[DIR_RESOURCE] = (pe.put(tree), len(tree))
    return pe.bytes()


def resource_shared(entries):
    # No loop and no resource at all: every root entry leads to one shared
    # subdirectory whose entries all lead to a directory pe's sanity check
    # skips (Characteristics 1): entries^2 steps for nothing.
    pe = PE()
    sub = 16 + 8 * entries
    skipped = sub + 16 + 8 * entries
    tree = rsrc_directory([SUBDIR | sub] * entries)
    tree += rsrc_directory([SUBDIR | skipped] * entries)
    tree += rsrc_directory([], characteristics=1)
    pe.dirs[DIR_RESOURCE] = (pe.put(tree), len(tree))
    return pe.bytes()


def resource_wide(types, names, langs):
    # A large tree as resource compilers lay it out (types, then names, then
    # languages; every leaf its own data entry, over one shared blob): far
    # more resources than real files have, yet well under malml's budget,
    # so it must be scanned normally.
    pe = PE()
    rva = pe.put(b"")  # aligned: the tree starts here
    counts = [types] + [names] * types + [langs] * (types * names)
    starts, pos = [], 0
    for c in counts:  # directories breadth first: root, types, names
        starts.append(pos)
        pos += 16 + 8 * c
    leaves, first_leaf = types * names * langs, pos
    tree = rsrc_directory([SUBDIR | starts[1 + t] for t in range(types)])
    for t in range(types):
        tree += rsrc_directory([SUBDIR | starts[1 + types + t * names + n]
                                for n in range(names)])
    for i in range(types * names):
        tree += rsrc_directory([first_leaf + 16 * (i * langs + k)
                                for k in range(langs)])
    blob = b"malml resource\0\0"
    tree += struct.pack("<IIII", rva + first_leaf + 16 * leaves, len(blob),
                        0, 0) * leaves
    tree += blob
    pe.dirs[DIR_RESOURCE] = (pe.put(tree), len(tree))
    return pe.bytes()


def rsrc_tree(rva, nodes):
    """A resource tree at `rva` from nodes laid out in order: (name, "dir",
    targets[, (characteristics, named, ids)]), (name, "data") or (name,
    "blob").  A target is a node's name (a subdirectory when that node is a
    dir) or a raw offset; data entries point at the blob.  Returns (bytes,
    {name: offset})."""
    at, pos = {}, 0
    for node in nodes:
        at[node[0]] = pos
        pos += {"dir": lambda n: 16 + 8 * len(n[2]), "data": lambda n: 16,
                "blob": lambda n: 16}[node[1]](node)
    blob = next(at[n[0]] for n in nodes if n[1] == "blob")
    kinds = {n[0]: n[1] for n in nodes}
    out = b""
    for node in nodes:
        if node[1] == "dir":
            targets = [t if isinstance(t, int) else
                       (SUBDIR if kinds[t] == "dir" else 0) | at[t]
                       for t in node[2]]
            c, named, ids = node[3] if len(node) > 3 else (0, 0, len(targets))
            out += struct.pack("<IIHHHH", c, 0, 0, 0, named, ids)
            out += b"".join(struct.pack("<II", i + 1, t)
                            for i, t in enumerate(targets))
        elif node[1] == "data":
            out += struct.pack("<IIII", rva + blob, 16, 0, 0)
        else:
            out += b"malml resource\0\0"
    return out, at


def resource_edge(kind):
    # Trees where pe's walk stops early, skips a directory, or finds the
    # tree through its RVA mapping's corners: the gate must count exactly
    # what pe counts (tests/unit/test_pe_gate.c), so each corner is here.
    pe = PE()
    leaf = [("L", "data"), ("blob", "blob")]
    if kind in ("subdir-past-eof", "leaf-past-eof"):
        # The second type's name leads past the end of the file: pe's walk
        # stops there, and the third type is never reached.
        bad = 0x7FFFFFF0 | (SUBDIR if kind == "subdir-past-eof" else 0)
        nodes = [("root", "dir", ["A", "B", "C"]), ("A", "dir", ["A2"]),
                 ("A2", "dir", ["L"]), ("B", "dir", [bad]),
                 ("C", "dir", ["C2"]), ("C2", "dir", ["L"])] + leaf
    elif kind == "skipped":
        # Directories pe's sanity checks skip (Characteristics set, more
        # than 32768 named or id entries): the walk goes on past them.
        nodes = [("root", "dir", ["A", "B", "C", "D"]),
                 ("A", "dir", ["L"], (1, 0, 1)),
                 ("B", "dir", ["L"], (0, 40000, 1)),
                 ("C", "dir", ["L"], (0, 0, 40000)),
                 ("D", "dir", ["D2"]), ("D2", "dir", ["L", "L", "L"])] + leaf
    elif kind == "entries-past-eof":
        # The file ends inside a directory's entries: pe stops at the entry
        # that does not fit, before the root's second type.
        nodes = [("root", "dir", ["A", "B"]), ("B", "dir", ["B2"]),
                 ("B2", "dir", ["L"]), ("A2", "dir", ["L"])] + leaf + [
                 ("A", "dir", ["A2", "A2"])]
        rva = pe.put(b"", 0x200)
        tree, at = rsrc_tree(rva, nodes)
        pe.dirs[DIR_RESOURCE] = (pe.put(tree), len(tree))
        return pe.bytes()[:rva + at["A"] + 16 + 8]
    else:
        nodes = [("root", "dir", ["A"]), ("A", "dir", ["A2"]),
                 ("A2", "dir", ["L", "L"])] + leaf
    if kind.startswith("rva-count-"):
        # pe reads data directory 2 when NumberOfRvaAndSizes is 2 or more
        # (its test is "count < index"), so a count of 2 has resources and
        # a count of 1 has none.
        pe.opt["NumberOfRvaAndSizes"] = int(kind[-1])
    if kind == "in-headers":
        # Below the lowest section pe maps an RVA to the same offset.
        tree, _ = rsrc_tree(0x800, nodes)
        pe.dirs[DIR_RESOURCE] = (0x800, len(tree))
        out = bytearray(pe.bytes())
        out[0x800:0x800 + len(tree)] = tree
        return bytes(out)
    rva = pe.put(b"", 0x200)
    tree, _ = rsrc_tree(rva, nodes)
    pe.put(tree)
    if kind == "unaligned":
        # A .rsrc section whose raw offset is 0x10 past a 0x200 boundary:
        # pe rounds it down (to min(FileAlignment, 0x200)) and finds the
        # tree; unrounded, the root would be read from its own entries.
        n = len(pe.bytes()) - HDR
        pe.sections = [section(b".text", n, HDR, n, HDR, 0xE0000020),
                       section(b".rsrc", 0x1000, 0x100000, 0x200, rva + 0x10,
                               0x40000040)]
        rva = 0x100000
    pe.dirs[DIR_RESOURCE] = (rva, len(tree))
    return pe.bytes()


def version_bomb(leaves, strings):
    # One VS_VERSION_INFO blob of `strings` empty strings under `leaves`
    # RT_VERSION leaves: pe 4.2.3 parses the blob once per leaf and records
    # every string each time (version_info_list has no cap), so 200 leaves
    # of 8,000 strings cost Debian's pe 600 MB for a 66 KB file (found in
    # review, issue 20).  One leaf is an ordinary, if long, version blob.
    def wide(text):
        return text.encode("utf-16le") + b"\0\0"
    pe = PE()
    base = pe.put(b"")  # the directory's RVA (= file offset)
    rs = struct.pack("<IIHHHHII", 0, 0, 0, 0, 0, 1, 16, 0x80000018)
    rs += struct.pack("<IIHHHHII", 0, 0, 0, 0, 0, 1, 1, 0x80000030)
    rs += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, leaves)
    entry = 0x30 + 16 + 8 * leaves
    rs += b"".join(struct.pack("<II", i, entry) for i in range(leaves))
    rs += struct.pack("<IIII", base + entry + 16, 0, 0, 0)
    values = struct.pack("<HHH", 8, 0, 1) + b"\0\0"
    table = struct.pack("<HHH", 24 + 8 * strings, 0, 1) + wide("040904B0")
    table += values * strings
    info = struct.pack("<HHH", 36 + len(table), 0, 1) + wide("StringFileInfo")
    blob = struct.pack("<HHH", 92 + len(info) + len(table), 0, 0)
    blob += wide("VS_VERSION_INFO")
    rs += blob + b"\0" * (92 - len(blob)) + info + table + b"\0" * 64
    pe.dirs[DIR_RESOURCE] = (pe.put(rs), len(rs))
    return pe.bytes()


def debug_oversized():
    # A debug directory claiming 0xFFFFFFF0 bytes, entries whose data lies
    # past EOF and a CodeView record whose PDB path never ends (YARA pe
    # pdb_path reports).
    pe = PE()
    cv = pe.put(b"RSDS" + b"\x11" * 20 + b"C:\\" + b"p" * 0x10000)
    ents = [struct.pack("<IIHHIIII", 0, 0, 0, 0, 2, 0xFFFFFFFF, 0, 0x7FFFFFFF),
            struct.pack("<IIHHIIII", 0, 0, 0, 0, 2, 0x10100, cv, cv),
            struct.pack("<IIHHIIII", 0, 0, 0, 0, 2, 0x20, cv, 0xFFFFFFF0)]
    pe.dirs[DIR_DEBUG] = (pe.put(b"".join(ents)), 0xFFFFFFF0)
    return pe.bytes()


def tls_oversized():
    # A TLS directory of size 0xFFFFFFFF whose callback list (12,000 VAs,
    # under libFuzzer's 64 KiB cut) is never terminated (pefile TLS
    # callback walk reports).
    pe = PE()
    cbs = pe.put(struct.pack("<I", 0x400000 + HDR) * 12000)
    tls = struct.pack("<IIIIII", 0x400000 + HDR, 0xFFFFFFFF, 0x400000 + HDR,
                      0x400000 + cbs, 0xFFFFFFFF, 0)
    pe.dirs[DIR_TLS] = (pe.put(tls), 0xFFFFFFFF)
    return pe.bytes()


def security_lie():
    # (Not in the list.) A certificate table whose WIN_CERTIFICATE
    # says 0xFFFFFFFF bytes (YARA pe authenticode parse reports).
    pe = PE()
    cert = struct.pack("<IHH", 0xFFFFFFFF, 0x200, 2) + b"\x30\x82\xff\xff"
    off = pe.put(cert, 8)
    pe.dirs[DIR_SECURITY] = (off, 0xFFFFFFFF)
    return pe.bytes()


def nested_signature(value):
    # A signer whose nested-signature attribute (1.3.6.1.4.1.311.2.4.1) holds
    # `value` where Authenticode has a SEQUENCE: pe 4.2.3 reads it as one
    # and follows a null (NULL) or 0xff (BOOLEAN) pointer (issue 20; the
    # attribute is how signtool nests a second signature).
    pe = PE()
    cert = authenticode.win_certificate(authenticode.signed_data(value))
    pe.dirs[DIR_SECURITY] = (pe.put(cert, 8), len(cert))
    return pe.bytes()


# ---- headers -----------------------------------------------------------

def lfanew(where):
    # e_lfanew near EOF, past EOF, negative as int32, or inside the DOS
    # header (pefile/YARA "e_lfanew out of bounds" reports).
    pe = PE()
    data = bytearray(pe.bytes())
    if where == "near-eof":
        data = data[:0x200]
        data[0x1FC:0x200] = b"PE\0\0"
        data[0x3C:0x40] = struct.pack("<I", 0x1FC)
    elif where == "past-eof":
        data = data[:0x200]
        data[0x3C:0x40] = struct.pack("<I", 0x1000)
    elif where == "negative":
        data[0x3C:0x40] = struct.pack("<I", 0xFFFFFFFC)
    elif where == "in-dos-header":
        data[0x3C:0x40] = struct.pack("<I", 4)
        data[4:8] = b"PE\0\0"
    return bytes(data)


def optional_header_lies(what):
    # SizeOfOptionalHeader 0 / 0xFFFF / 2 and NumberOfRvaAndSizes 0 /
    # 0xFFFFFFFF (LIEF/pefile header-size reports; pe-bear data dirs).
    pe = PE()
    imports(pe, [(b"KERNEL32.dll", [b"ExitProcess"])])
    if what.startswith("soh-"):
        pe.coff["SizeOfOptionalHeader"] = int(what[4:], 16)
    else:
        pe.opt["NumberOfRvaAndSizes"] = int(what[4:], 16)
    return pe.bytes()


def magic_machine(machine, magic):
    # Optional-header magic that contradicts the machine (pefile/LIEF reads
    # a PE32+ layout on an i386 file and the reverse).
    pe = PE(machine, magic)
    imports(pe, [(b"KERNEL32.dll", [b"ExitProcess"])])
    return pe.bytes()


def tiny(n):
    # Files of 0-64 bytes: a DOS header cut anywhere (every parser's first
    # truncation bug).
    head = bytearray(b"MZ" + b"\0" * 62)
    head[0x3C:0x40] = struct.pack("<I", 0x40)
    return bytes(head[:n])


def exact_pe32plus():
    # Rule-visible integers float32 would round (issue 10, item 3):
    # SizeOfImage 0x10000011, stack reserve 0x123456789, heap reserve
    # 2^40+1 and an overlay of 0x1000007 bytes (sparse).
    pe = PE(AMD64)
    imports(pe, [(b"KERNEL32.dll", [b"ExitProcess"])])
    pe.opt.update(SizeOfImage=0x10000011, SizeOfStackReserve=0x123456789,
                  SizeOfHeapReserve=(1 << 40) + 1, SizeOfHeapCommit=0x1001)
    return pe.bytes(), 0x1000007


def exact_pe32():
    # The same in 32 bits: a stack reserve of 0xFFFFFFFF over commit 0, heap
    # commit above reserve (negative difference), SizeOfImage 0 (negative
    # size_dif) and an overlay of 2^24 + 1 bytes.
    pe = PE()
    pe.opt.update(SizeOfImage=0, SizeOfStackReserve=0xFFFFFFFF,
                  SizeOfStackCommit=0, SizeOfHeapReserve=1,
                  SizeOfHeapCommit=0xFFFFFFFF)
    return pe.bytes(), (1 << 24) + 1


def exact_overflow():
    # PE32+ reserves and commits are uint64 that pe hands out as int64, so
    # reserve - commit can overflow int64 (found by fuzz_features under
    # UBSan): stack 2^63 over 1, heap 2^63-1 under 2^63. malml's difference
    # must still equal YARA's own `-` on the two pe fields.
    pe = PE(AMD64)
    pe.opt.update(SizeOfStackReserve=1 << 63, SizeOfStackCommit=1,
                  SizeOfHeapReserve=(1 << 63) - 1, SizeOfHeapCommit=1 << 63)
    return pe.bytes()


def sparse_4g():
    # A sparse file over 4 GiB with a section straddling the 4 GiB mark and
    # an overlay past it (issue 10, item 2: the 3 GiB file that ran 19 s).
    pe = PE()
    n = len(pe.bytes()) - HDR
    pe.sections = [section(b".text", n, HDR, n, HDR),
                   section(b".far", 0x2000, 0x10000, 0x2000, 0xFFFFF000)]
    return pe.bytes(), (1 << 32) + 0x10000 - len(pe.bytes())


# .NET metadata bombs (issue 20): a CLR header, a metadata root and its
# streams whose counts claim far more than the file holds.  YARA 4.2.3's
# dotnet copies a blob once per Constant or AssemblyRef row that names it
# (10,000 rows may name one 100 KB blob: 1 GB) and makes an object per user
# string; newer dotnet modules allocate per claimed row.  The PE is a DLL so
# dotnet skips its entry-point check.
DIR_CLR = 14
T_MODULE, T_TYPEREF, T_METHODDEF, T_CONSTANT = 0x00, 0x01, 0x06, 0x0B
T_MODULEREF, T_ASSEMBLYREF = 0x1A, 0x23


def stream_name(name):
    n = name.encode()
    return n + b"\0" * (4 - len(n) % 4)


def metadata(rows, tables, heap_sizes=0, strings=b"\0", us=b"\0",
             blob=b"\0", claim=None):
    """A metadata root for {table bit: row count} with the table bytes
    `tables`; claim overrides a stream's size by name."""
    valid = sum(1 << b for b in rows)
    tilde = struct.pack("<IBBBBQQ", 0, 2, 0, heap_sizes, 1, valid, 0)
    tilde += b"".join(struct.pack("<I", rows[b]) for b in sorted(rows))
    tilde += tables
    streams = [("#~", tilde), ("#Strings", strings), ("#US", us),
               ("#GUID", b"\x11" * 16), ("#Blob", blob)]
    version = b"v4.0.30319\0\0"
    head = b"BSJB" + struct.pack("<HHII", 1, 1, 0, len(version)) + version
    head += struct.pack("<HH", 0, len(streams))
    at = len(head) + sum(8 + len(stream_name(n)) for n, _ in streams)
    body, where = b"", {}
    for n, data in streams:
        data += b"\0" * (-len(data) % 4)
        where[n] = (at + len(body), len(data))
        body += data
    for n, size in (claim or {}).items():
        where[n] = (where[n][0], size)
    for n, _ in streams:
        head += struct.pack("<II", *where[n]) + stream_name(n)
    return head + body


def dotnet_pe(md):
    pe = PE()
    pe.coff["Characteristics"] = 0x2102  # a DLL
    md_rva = pe.put(md)
    cli = struct.pack("<IHHII", 72, 2, 5, md_rva, len(md)) + b"\0" * 56
    cli = cli[:16] + struct.pack("<I", 1) + cli[20:]  # Flags: IL only
    pe.dirs[DIR_CLR] = (pe.put(cli), len(cli))
    return pe.bytes()


MODULE_ROW = struct.pack("<HHHHH", 0, 1, 1, 0, 0)  # 2-byte indexes


def blob_entry(n):
    """An ECMA-335 blob of n bytes (four-byte length form)."""
    return struct.pack(">I", 0xC0000000 | n) + b"B" * n


def dotnet_constants(rows, size):
    # 10,000 string constants (dotnet's row limit) naming one blob of
    # `size` bytes: YARA 4.2.3 copies the blob once per row.
    row = struct.pack("<BBHH", 0x0E, 0, 0, 1)
    md = metadata({T_MODULE: 1, T_CONSTANT: rows}, MODULE_ROW + row * rows,
                  strings=b"\0m\0", blob=b"\0" + blob_entry(size))
    return dotnet_pe(md)


def dotnet_assemblyrefs(rows, size):
    # AssemblyRef rows whose PublicKeyOrToken all name one big blob.
    row = struct.pack("<HHHHIHHHH", 1, 0, 0, 0, 0, 1, 1, 0, 0)
    md = metadata({T_MODULE: 1, T_ASSEMBLYREF: rows},
                  MODULE_ROW + row * rows, strings=b"\0m\0",
                  blob=b"\0" + blob_entry(size))
    return dotnet_pe(md)


def dotnet_user_strings(n):
    # A #US heap of n one-character strings, two bytes each (no terminal
    # byte): YARA 4.2.3 makes an object of about 124 bytes for each.
    md = metadata({T_MODULE: 1}, MODULE_ROW, strings=b"\0m\0",
                  us=b"\0" + b"\x02A" * n)
    return dotnet_pe(md)


def dotnet_names(rows, run):
    # ModuleRef and AssemblyRef rows whose names start a run of `run` bytes
    # without NUL: dotnet's memmem for each name's end reads the whole run
    # (YARA 4.2.3: 1.8 s of CPU for 10,000 rows of each and an 8 MB run).
    mref = struct.pack("<H", 1) * rows
    aref = struct.pack("<HHHHIHHHH", 1, 0, 0, 0, 0, 0, 1, 0, 0) * rows
    md = metadata({T_MODULE: 1, T_MODULEREF: rows, T_ASSEMBLYREF: rows},
                  MODULE_ROW + mref + aref, strings=b"\0" + b"A" * run)
    return dotnet_pe(md)


def dotnet_rows(table, rows):
    # A row count far past what the #~ stream (and the file) can hold.
    md = metadata({T_MODULE: 1, table: rows}, MODULE_ROW + b"\0" * 4096,
                  strings=b"\0m\0")
    return dotnet_pe(md)


def dotnet_claims(stream, size):
    # A stream whose header claims `size` bytes, past the end of the file.
    md = metadata({T_MODULE: 1}, MODULE_ROW, strings=b"\0m\0",
                  claim={stream: size})
    return dotnet_pe(md)


KINDS = [  # name, expectation, builder
    ("plain.exe", "ok", plain),
    ("sections-ffff.exe", "ok", sections_ffff),
    ("sections-1000.exe", "ok", sections_1000),
    ("entry-outside.exe", "ok", entry_outside),
] + [("section-%s.exe" % k, "ok", (lambda k=k: sections_ranges(k)))
     for k in ("empty", "past-eof", "straddle-eof", "overlap", "ffffffff",
               "wrap")] + [
    ("import-bomb-descriptors.exe", "slow", import_bomb_descriptors),
    ("import-bomb-thunks.exe", "slow", import_bomb_thunks),
    ("import-pointers-outside.exe", "ok", import_pointers_outside),
    ("long-names.exe", "ok", long_names),
    ("exports-ffffffff.exe", "ok", exports_ffffffff),
    ("resource-loop-32768.exe", "hang", lambda: resource_loop(32768)),
    ("resource-loop-1.exe", "ok", lambda: resource_loop(1)),
    ("resource-loop-level1-32768.exe", "hang",
     lambda: resource_loop_level1(32768)),
    ("resource-shared-32768.exe", "slow", lambda: resource_shared(32768)),
    ("resource-loop-1024.exe", "slow", lambda: resource_loop(1024)),
    ("resource-loop-102.exe", "slow", lambda: resource_loop(102)),
    ("resource-loop-101.exe", "ok", lambda: resource_loop(101)),
    ("resource-wide.exe", "ok", lambda: resource_wide(8, 512, 8)),
] + [("resource-edge-%s.exe" % k, "ok", (lambda k=k: resource_edge(k)))
     for k in ("subdir-past-eof", "leaf-past-eof", "skipped",
               "entries-past-eof", "in-headers", "unaligned", "rva-count-1",
               "rva-count-2")] + [
    ("version-bomb-200x8000.exe", "hang", lambda: version_bomb(200, 8000)),
    ("version-strings-400.exe", "ok", lambda: version_bomb(1, 400)),
    ("debug-oversized.exe", "ok", debug_oversized),
    ("tls-oversized.exe", "ok", tls_oversized),
    ("security-lie.exe", "ok", security_lie),
    ("nested-signature-null.exe", "crash",
     lambda: nested_signature(b"\x05\x00")),
    ("nested-signature-boolean.exe", "crash",
     lambda: nested_signature(b"\x01\x01\xff")),
    ("nested-signature-integer.exe", "ok",
     lambda: nested_signature(b"\x02\x01\x05")),
] + [("lfanew-%s.exe" % w, "ok", (lambda w=w: lfanew(w)))
     for w in ("near-eof", "past-eof", "negative", "in-dos-header")] + [
    ("opt-%s.exe" % w, "ok", (lambda w=w: optional_header_lies(w)))
    for w in ("soh-0", "soh-ffff", "soh-2", "rva-0", "rva-ffffffff")] + [
    ("magic-%s.exe" % n, "ok", (lambda m=m, g=g: magic_machine(m, g)))
    for n, m, g in (("amd64-pe32", AMD64, PE32), ("i386-pe32plus", I386, PE32PLUS),
                    ("arm-pe32plus", ARM, PE32PLUS), ("rom", I386, 0x107),
                    ("zero", AMD64, 0))] + [
    ("tiny-%02d.bin" % n, "ok", (lambda n=n: tiny(n)))
    for n in (0, 1, 2, 4, 32, 63, 64)] + [
    ("exact-pe32plus.exe", "ok", exact_pe32plus),
    ("exact-pe32.exe", "ok", exact_pe32),
    ("exact-overflow.exe", "ok", exact_overflow),
    ("sparse-4g.exe", "slow", sparse_4g),
    # .NET metadata bombs: the amplifying kinds (what YARA 4.2.3's dotnet
    # allocates: about 1 GB, 1 GB and 300 MB; the names take it 2 s), then
    # claims past the file.
    ("dotnet-constants.dll", "ok", lambda: dotnet_constants(10000, 100000)),
    ("dotnet-assemblyrefs.dll", "ok",
     lambda: dotnet_assemblyrefs(10000, 100000)),
    ("dotnet-user-strings.dll", "ok", lambda: dotnet_user_strings(2400000)),
    ("dotnet-names.dll", "ok", lambda: dotnet_names(10000, 8 << 20)),
    ("dotnet-rows-typeref.dll", "ok",
     lambda: dotnet_rows(T_TYPEREF, 0xFFFFFF)),
    ("dotnet-rows-methoddef.dll", "ok",
     lambda: dotnet_rows(T_METHODDEF, 0xFFFFFFFF)),
] + [("dotnet-%s-past-eof.dll" % n, "ok",
      (lambda s=s: dotnet_claims(s, 0x7FFFFFFF)))
     for n, s in (("tables", "#~"), ("blob", "#Blob"), ("us", "#US"),
                  ("strings", "#Strings"))]


def write(path, built):
    """built is bytes, or (bytes, n): the bytes followed by n sparse zeros."""
    data, extra = built if isinstance(built, tuple) else (built, 0)
    with open(path, "wb") as f:
        f.write(data)
        if extra:
            f.truncate(len(data) + extra)  # a hole: no disk used


def special(out):
    # Symlink loops and a FIFO in a tree (walkers that follow links for
    # ever, or block opening a FIFO): see test-hostile.sh.
    os.makedirs(os.path.join(out, "sub"))
    os.symlink("self-loop", os.path.join(out, "self-loop"))
    os.symlink("..", os.path.join(out, "sub", "up"))
    os.symlink("nowhere", os.path.join(out, "dangling"))
    os.mkfifo(os.path.join(out, "fifo"))


def main():
    args = [a for a in sys.argv[1:] if a != "--seeds"]
    seeds = "--seeds" in sys.argv
    if len(args) != 1:
        sys.exit("usage: make-hostile.py OUTDIR [--seeds]")
    out = args[0]
    files = os.path.join(out, "files")
    os.makedirs(files)
    manifest = []
    for name, expect, build in KINDS:
        built = build()
        size = len(built[0]) + built[1] if isinstance(built, tuple) else len(built)
        if seeds and (size > (1 << 20) or expect != "ok"):
            continue  # libFuzzer would stop at the first hang
        write(os.path.join(files, name), built)
        manifest.append("%s\t%s\n" % (name, expect))
    if not seeds:
        special(os.path.join(out, "special"))
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.writelines(manifest)


if __name__ == "__main__":
    main()
