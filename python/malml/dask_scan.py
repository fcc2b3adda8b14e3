"""Scan a share on a Dask cluster: when one machine is not enough.

    python3 -m malml.dask_scan --scheduler tcp://HOST:8786 LIST_OR_DIR... > results.jsonl
    python3 -m malml.dask_scan --local 2 /srv/share > results.jsonl

The file list is cut into batches, one task each.  A Dask worker scans its
batch with yara-python and malml (malml.Scanner) in a child process, one
file at a time, so that a file that loops inside a parser (libyara 4.2.3's
pe on a resource directory pointing back at itself) or crashes one is cut
off after --timeout seconds without taking the worker down: that file comes
back with "error" and is retried once in a later task; the others of its
batch are scanned by a fresh child.  A worker that dies mid-task is Dask's
to handle: the task runs again elsewhere and its results arrive once.  So
every input path gives exactly one JSON line (its last attempt).

Every worker host needs the malml-enabled libyara (MALML_LIBDIR or the
install path, see malml.load_library) and this package on its PYTHONPATH;
paths must name the same files on every host (a shared mount).  Start a
real cluster with `dask-scheduler` on one host and `dask-worker
tcp://HOST:8786 --nthreads 1 --nworkers N` on each (Debian's
python3-distributed); GNU parallel over ssh with `malml-env yara` stays the
zero-dependency alternative (README).
"""

import argparse
import json
import os
import select
import signal
import sys
import time

from malml import _result

RETRYABLE = ("timed out", "crashed")  # what a second attempt may fix

_scanner = None  # one per worker process (and its children)


def _get_scanner(opts):
    global _scanner
    if _scanner is None:
        import malml
        _scanner = malml.Scanner(rules=opts.get("rules"),
                                 model=opts.get("model"),
                                 timeout=opts.get("timeout", 60))
    return _scanner


def _child(paths, opts, fd):
    """In a forked child: scan paths in order, a JSON line each."""
    try:
        scanner = _get_scanner(opts)
        with os.fdopen(fd, "w") as out:
            for path in paths:
                out.write(json.dumps(scanner.scan_file(path)) + "\n")
                out.flush()
    finally:
        os._exit(0)


def _die_with_parent(parent):
    """In the child: a worker killed or closed mid-batch must not leave its
    child scanning (a file that loops inside libyara's pe would spin for
    ever), so on Linux the child asks for SIGKILL when its parent goes."""
    try:
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                                signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the parent's timeout still stops a stuck child
    if os.getppid() != parent:  # the parent went before prctl took hold
        os._exit(1)


def _lost(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return "the scan crashed: %s (signal %d)" % (signal.strsignal(sig), sig)
    return "the scan crashed: its process exited with %d" % (
        os.WEXITSTATUS(status))


def _run_child(paths, opts):
    """Scans paths in a forked child (os.fork: Dask's workers are daemonic
    and multiprocessing refuses them children).  Returns (results, index of
    the file the child overran or died on, why); index None when done."""
    r, w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _die_with_parent(parent)
        _child(paths, opts, w)
    os.close(w)
    results, buf, why = [], b"", None
    limit = opts.get("timeout", 60) + 5
    with os.fdopen(r, "rb", buffering=0) as pipe:
        while len(results) < len(paths):
            if not select.select([pipe], [], [], limit)[0]:
                os.kill(pid, signal.SIGKILL)
                why = ("scanning timed out: still running after %d s, its "
                       "process was stopped" % limit)
                break
            chunk = pipe.read(65536)
            if not chunk:
                why = ""  # died: the reason comes from its status
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            results.extend(json.loads(line) for line in lines)
    _, status = os.waitpid(pid, 0)
    if why is None:
        return results, None, None
    return results, len(results), why or _lost(status)


def scan_batch(paths, opts):
    """A Dask task: the results of paths, in order, one dict each."""
    _get_scanner(opts)  # compiled once per worker; children inherit it
    out = []
    while paths:
        results, stuck, why = _run_child(paths, opts)
        out.extend(results)
        if stuck is None:
            break
        out.append(_result(paths[stuck], None, [], {}, error=why))
        paths = paths[stuck + 1:]
    return out


def _batches(paths, size):
    for i in range(0, len(paths), size):
        yield paths[i:i + size]


def scan(client, paths, batch_size=32, **opts):
    """Yields one result dict per path (scan_file's shape), in completion
    order; a file that timed out or crashed its scan is retried once and
    only its last attempt is yielded."""
    from distributed import as_completed
    futures = [client.submit(scan_batch, b, opts, pure=False)
               for b in _batches(list(paths), batch_size)]
    retry = []
    for future in as_completed(futures):
        for r in future.result():
            if any(w in r.get("error", "") for w in RETRYABLE):
                retry.append(r["path"])
            else:
                yield r
        future.release()
    for batch in _batches(retry, 1):
        for r in client.submit(scan_batch, batch, opts, pure=False).result():
            r["attempts"] = 2
            yield r


def _walk(targets):
    for t in targets:
        if os.path.isdir(t):
            for root, dirs, files in os.walk(t):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if os.path.isfile(full):
                        yield full
        elif t.endswith(".list") or t == "-":
            with (sys.stdin if t == "-" else open(t)) as f:
                yield from (line.rstrip("\n") for line in f if line.strip())
        else:
            yield t


class _Progress:
    """The line malml's programs draw (cli/common/progress.c): files done of
    the total, the rate and the time left, on stderr; redrawn in place on
    a terminal, a plain line every 10 s otherwise when asked (--progress)."""

    def __init__(self, total, mode):
        self.total, self.done, self.start = total, 0, time.monotonic()
        tty = sys.stderr.isatty()
        self.on = mode != "off" and (tty or mode == "lines")
        self.tty, self.last = tty, 0.0

    def _line(self):
        secs = time.monotonic() - self.start
        rate = self.done / secs if secs > 0 else 0.0
        pct = 100.0 * self.done / self.total if self.total else 100.0
        line = "%d / %d files, %.1f%%, %.1f files/s" % (
            self.done, self.total, pct, rate)
        if 0 < self.done < self.total and rate > 0:
            left = int((self.total - self.done) / rate + 0.5)
            line += ", %d:%02d:%02d left" % (left // 3600, left // 60 % 60,
                                             left % 60)
        return "dask_scan: " + line

    def tick(self, last=False):
        self.done += not last
        now = time.monotonic()
        if not self.on or (not last and now - self.last <
                           (0.5 if self.tty else 10.0)):
            return
        self.last = now
        if self.tty:
            sys.stderr.write("\r\033[K" + self._line() + ("\n" if last else "\r"))
        else:
            sys.stderr.write(self._line() + "\n")
        sys.stderr.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m malml.dask_scan",
                                 description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", help="address of a Dask scheduler")
    where.add_argument("--local", type=int, metavar="N",
                       help="start a LocalCluster of N worker processes")
    ap.add_argument("--batch", type=int, default=32, help="files per task")
    ap.add_argument("--timeout", type=int, default=60,
                    help="seconds per file (default 60)")
    ap.add_argument("--rules", help="rule file (default: the shipped rules)")
    ap.add_argument("--model", help="model file (default: the compiled-in one)")
    ap.add_argument("--progress", action="store_const", const="lines",
                    default="auto", help="progress on stderr even when it "
                    "is not a terminal (a line every 10 s)")
    ap.add_argument("--no-progress", dest="progress", action="store_const",
                    const="off", help="no progress line on a terminal")
    ap.add_argument("targets", nargs="+",
                    help="files, directories, or FILE.list / - (one path a line)")
    a = ap.parse_args(argv)
    from distributed import Client, LocalCluster
    cluster = None
    if a.local:
        cluster = LocalCluster(n_workers=a.local, threads_per_worker=1,
                               processes=True, host="127.0.0.1",
                               dashboard_address=None)
    client = Client(cluster if cluster is not None else a.scheduler)
    failed = 0
    paths = list(_walk(a.targets))
    progress = _Progress(len(paths), a.progress)
    try:
        for r in scan(client, paths, a.batch,
                      timeout=a.timeout, rules=a.rules, model=a.model):
            failed += "error" in r
            print(json.dumps(r), flush=True)
            progress.tick()
        progress.tick(last=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
