#!/usr/bin/env python3
"""Makes the tiny "registry" test-benign-builder.sh builds from:
make-benign-packages.py OUTDIR.

OUTDIR/src/ holds artifacts named as registries name them (wheels as zips,
an npm tarball), each with small PE files made here by struct.pack (never a
real binary), OUTDIR/shared/ fake reserved lists, OUTDIR/existing.tsv a
fake existing corpus, OUTDIR/candidates.txt the discovery input, and
OUTDIR/expect.tsv: path, sha256, machine, kind, is_dotnet, toolchain,
signed of every file discovery must pin.
"""
import hashlib
import io
import os
import struct
import sys
import tarfile
import zipfile

I386, AMD64, ARM64 = 0x14C, 0x8664, 0xAA64


def pe(machine=AMD64, dll=False, rich=False, linker=(14, 0), subsystem=3,
       clr=False, signed=False, marker=b"", pad=0, tag=b""):
    """A small PE: DOS header (+ optional Rich stub), COFF and optional
    header, one .text section holding marker bytes and a tag."""
    plus = machine != I386
    dos = bytearray(b"MZ" + b"\0" * 0x3E)
    stub = b"\0" * 0x40 + ((b"DanS" + b"\0" * 12 + b"Rich" + b"\0" * 4) if rich else b"")
    lfanew = 0x40 + len(stub)
    lfanew += (-lfanew) % 8
    struct.pack_into("<I", dos, 0x3C, lfanew)
    optsize = 240 if plus else 224
    chars = 0x0102 | (0x2000 if dll else 0) | (0x20 if plus else 0)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", machine, 1, 0, 0, 0, optsize, chars)
    opt = bytearray(optsize)
    struct.pack_into("<HBB", opt, 0, 0x20B if plus else 0x10B, linker[0], linker[1])
    struct.pack_into("<H", opt, 68, subsystem)
    ddir = 112 if plus else 96
    struct.pack_into("<I", opt, ddir - 4, 16)
    if signed:
        struct.pack_into("<II", opt, ddir + 8 * 4, 0x400, 8)
    if clr:
        struct.pack_into("<II", opt, ddir + 8 * 14, 0x1000, 72)
    sec = struct.pack("<8sIIIIIIHHI", b".text", 0x200, 0x1000, 0x200, 0x400, 0, 0, 0, 0,
                      0x60000020)
    head = bytes(dos) + stub
    head += b"\0" * (lfanew - len(head))
    body = head + coff + bytes(opt) + sec
    body += b"\0" * (0x400 - len(body))
    text = (marker + b"\0" + tag).ljust(0x200, b"\0")
    return body + text + b"\0" * pad


def sha(b):
    return hashlib.sha256(b).hexdigest()


def zipfile_of(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            z.writestr(name, data)


def tgz_of(path, members):
    with tarfile.open(path, "w:gz") as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))


def main():
    out = sys.argv[1]
    src, shared = os.path.join(out, "src"), os.path.join(out, "shared")
    os.makedirs(src)
    os.makedirs(shared)
    expect = []

    def want(path, data, machine, kind, dotnet, tool, signed):
        expect.append((path, sha(data), machine, kind, str(dotnet), tool, str(signed)))
        return data

    a = want("goodpkg/a.pyd", pe(AMD64, dll=True, rich=True, tag=b"a"),
             "amd64", "dll", 0, "msvc", 0)
    b = want("goodpkg/b.exe", pe(I386, linker=(2, 38), tag=b"b"), "i386", "exe", 0, "mingw", 0)
    c = want("goodpkg/lib/Net.dll", pe(I386, dll=True, linker=(48, 0), clr=True, tag=b"c"),
             "i386", "dll", 1, "dotnet-ms", 0)
    d = want("goodpkg/go.exe", pe(ARM64, marker=b"\xff Go buildinf:", signed=True, tag=b"d"),
             "arm64", "exe", 0, "go", 1)
    e = want("goodpkg/boot.efi", pe(AMD64, subsystem=10, tag=b"e"), "amd64", "efi", 0, "unknown", 0)
    f = want("goodpkg/k.sys", pe(AMD64, subsystem=1, rich=True, tag=b"f"),
             "amd64", "driver", 0, "msvc", 0)
    big = pe(AMD64, dll=True, tag=b"big", pad=2 * 1024 * 1024)
    reserved_file = pe(AMD64, dll=True, tag=b"reserved")
    existing_file = pe(AMD64, dll=True, tag=b"existing")
    notpe = b"MZ" + b"\0" * 0x3A + struct.pack("<I", 0x40) + b"NOTPE" + b"\0" * 300
    zipfile_of(os.path.join(src, "goodpkg-1.0-cp312-cp312-win_amd64.whl"), [
        ("goodpkg/__init__.py", b"# nothing\n"), ("goodpkg/a.pyd", a), ("goodpkg/b.exe", b),
        ("goodpkg/lib/Net.dll", c), ("goodpkg/go.exe", d), ("goodpkg/boot.efi", e),
        ("goodpkg/k.sys", f), ("goodpkg/big.dll", big), ("goodpkg/fake.dll", notpe),
        ("goodpkg/reserved.dll", reserved_file), ("goodpkg/existing.dll", existing_file),
        ("goodpkg/copy-of-a.pyd", a)])
    many = [("manypkg/m%02d.dll" % i, pe(AMD64, dll=True, rich=True, tag=b"m%d" % i))
            for i in range(35)]
    zipfile_of(os.path.join(src, "manypkg-2.1-py3-none-win_amd64.whl"), many)
    n1 = want("package/prebuilds/win32-x64/addon.node", pe(AMD64, dll=True, rich=True, tag=b"n1"),
              "amd64", "dll", 0, "msvc", 0)
    n2 = want("package/bin/tool.exe", pe(I386, rich=True, tag=b"n2"), "i386", "exe", 0, "msvc", 0)
    tgz_of(os.path.join(src, "goodnpm-2.0.0.tgz"), [
        ("package/package.json", b"{}"), ("package/prebuilds/win32-x64/addon.node", n1),
        ("package/bin/tool.exe", n2)])
    # a candidate given as a PEP 508 requirement (`Range_Pkg<2`): pinned as range-pkg
    g = want("range_pkg/r.pyd", pe(AMD64, dll=True, rich=True, tag=b"range"),
             "amd64", "dll", 0, "msvc", 0)
    zipfile_of(os.path.join(src, "range_pkg-1.5-cp312-cp312-win_amd64.whl"), [("range_pkg/r.pyd", g)])
    zipfile_of(os.path.join(src, "rsvpkg-1.0-py3-none-win_amd64.whl"),
               [("rsvpkg/r.dll", pe(AMD64, dll=True, tag=b"rsv"))])
    zipfile_of(os.path.join(src, "bucket3-1.0-py3-none-win_amd64.whl"),
               [("bucket3/r.dll", pe(AMD64, dll=True, tag=b"bucket"))])

    zipfile_of(os.path.join(src, "github.com!owner!evil@v1.0.0.zip"),
               [("github.com/owner/evil@v1.0.0/testdata/e.exe", pe(AMD64, tag=b"evil"))])
    with open(os.path.join(shared, "reserved-repos.sha256"), "w") as fh:
        fh.write(sha(b"owner/evil") + "\n")
    with open(os.path.join(shared, "benign.tsv"), "w") as fh:
        fh.write("sha256\tsize\tsource\tsource_path\tmachine\tis_dll\tis_dotnet\ttoolchain_hint\n")
    with open(os.path.join(shared, "reserved-packages.sha256"), "w") as fh:
        fh.write(sha(b"pypi:rsvpkg") + "\n")
    with open(os.path.join(shared, "reserved-files.sha256"), "w") as fh:
        fh.write(sha(reserved_file) + "\n")
    with open(os.path.join(out, "existing.tsv"), "w") as fh:
        fh.write("sha256\tlabel\tgroup\tfamily\tsource\n%s\t0\tx\t\tx\n" % sha(existing_file))
    with open(os.path.join(out, "candidates.txt"), "w") as fh:
        fh.write("pypi goodpkg 1.0 goodpkg-1.0-cp312-cp312-win_amd64.whl\n"
                 "pypi manypkg 2.1 manypkg-2.1-py3-none-win_amd64.whl\n"
                 "npm goodnpm 2.0.0 goodnpm-2.0.0.tgz\n"
                 "pypi Range_Pkg<2 1.5 range_pkg-1.5-cp312-cp312-win_amd64.whl\n"
                 "pypi rsvpkg 1.0 rsvpkg-1.0-py3-none-win_amd64.whl\n"
                 "pypi rsvpkg>=0.9 1.0 rsvpkg-1.0-py3-none-win_amd64.whl\n"
                 "pypi bucket3 1.0 bucket3-1.0-py3-none-win_amd64.whl\n"
                 "go github.com/owner/evil v1.0.0 github.com!owner!evil@v1.0.0.zip\n")
    with open(os.path.join(out, "expect.tsv"), "w") as fh:
        for row in expect:
            fh.write("\t".join(row) + "\n")
    with open(os.path.join(out, "big.tsv"), "w") as fh:
        fh.write("goodpkg/big.dll\t%s\t%d\n" % (sha(big), len(big)))


if __name__ == "__main__":
    main()
