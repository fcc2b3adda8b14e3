"""Scale-out on a Dask LocalCluster of two worker processes on loopback:
every file comes back exactly once, with malml's scores; a file that loops
inside libyara's pe is reported as timed out (after one retry) while the
rest of its batch is scanned; a worker killed mid-run loses nothing.

usage: check_dask.py MALML_BIN HOSTILE_GENERATOR FILE...
"""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import dask
from distributed import Client, LocalCluster

from malml import dask_scan

def fail(why):
    print("check_dask: " + why, file=sys.stderr)
    sys.exit(1)


def looping_pe(generator, directory):
    spec = importlib.util.spec_from_file_location("hostile", generator)
    hostile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hostile)
    path = os.path.join(directory, "resource-loop.exe")
    hostile.write(path, hostile.resource_loop(32768))
    return path


def left_running(marker):
    """Processes that inherited the marker variable, other than this one
    and its own children (multiprocessing's resource tracker lives as long
    as this process): workers, or their scanning children, that outlived
    the cluster.  {pid: command line}."""
    found = {}
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                if marker.encode() not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                    continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                found[int(d)] = f.read().replace(b"\0", b" ")[:80].decode()
        except (OSError, ValueError, IndexError):
            pass  # gone, or not ours
    return found


def main(malml_bin, generator, files):
    # Every process the cluster starts inherits this: none may outlive it.
    marker = "MALML_CHECK_DASK=%d" % os.getpid()
    os.environ["MALML_CHECK_DASK"] = str(os.getpid())
    tmp = tempfile.mkdtemp()
    loop = looping_pe(generator, tmp)
    # Many small tasks, so that the kill lands mid-run.
    paths = files * 8
    paths = [p for p in paths] + [loop]
    unique = sorted(set(paths))
    # A loaded CI machine starts workers slowly: generous connect timeouts.
    dask.config.set({"distributed.comm.timeouts.connect": "120s",
                     "distributed.comm.timeouts.tcp": "120s"})
    # death_timeout: workers left behind by a killed test (CI's timeout)
    # close once the scheduler (this process) has been gone 2 minutes (it
    # also bounds a worker's start, which takes long on a loaded machine).
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           death_timeout=120)
    client = Client(cluster)
    pids = list(client.run(os.getpid).values())
    killed = threading.Event()

    def kill_one():
        os.kill(pids[0], signal.SIGKILL)
        killed.set()

    results = []
    try:
        for r in dask_scan.scan(client, unique, batch_size=2, timeout=2):
            results.append(r)
            if len(results) == 3:
                kill_one()
    finally:
        client.close()
        cluster.close()
    # The killed worker's child was scanning; the nanny's replacement may
    # be scanning the looping file when the cluster closes.  Give the
    # kernel a moment to deliver the parent-death signal.
    for _ in range(50):
        stray = left_running(marker)
        if not stray:
            break
        time.sleep(0.1)
    if stray:
        for pid in stray:
            os.kill(pid, signal.SIGKILL)
        fail("%d processes outlived the cluster (killed now): %s"
             % (len(stray), json.dumps(stray)))
    if not killed.is_set():
        fail("the worker was never killed")
    got = [r["path"] for r in results]
    if sorted(got) != unique:
        dup = sorted({p for p in got if got.count(p) > 1})
        fail("paths lost or doubled: %d results for %d files; doubled %s"
             % (len(got), len(unique), dup[:3]))
    by_path = {r["path"]: r for r in results}
    lr = by_path[loop]
    if "timed out" not in lr.get("error", "") or lr.get("attempts") != 2:
        fail("the looping file: %s" % json.dumps(lr))
    for path in files:
        r = by_path[path]
        cli = json.loads(subprocess.run(
            [malml_bin, "score", "--json", "-p", "1", path], check=True,
            capture_output=True, text=True).stdout)
        got, want = r.get("malml", {}), cli["malml"]
        if r.get("error") or got.get("is_pe") != want["is_pe"]:
            fail("%s: %s" % (path, json.dumps(r)))
        if want["is_pe"] and (
                abs(got["scores"]["score"] - want["scores"]["score"]) > 1e-7
                or got["levels"] != want["levels"]):
            fail("%s: %s vs malml score %s" % (path, got, want))
    print("dask: %d files, one result each, worker %d killed mid-run, "
          "looping file: %s" % (len(unique), pids[0], lr["error"]))


# Dask starts its workers by spawning: they import this file again.
if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
