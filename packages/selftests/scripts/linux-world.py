#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds a small world of processes on the real kernel, in a fresh PID (and
mount) namespace, reads a pinned BPF iterator there, and reports what Linux
printed plus a snapshot of the namespace's tasks, so that the same world can
be replayed in tsbpf and the outputs compared byte for byte.

Usage (root, bpftool in PATH):
  linux-world.py SPEC.json OBJ.o          -> JSON on stdout
SPEC: {"processes": [{"comm": "...", "parent": index|null, "files": [{"fd": 3, "path": "..."}]}]}
The iterator is read by the namespace's init (pid 1, comm "tsbpf-reader"),
which holds only fds 0-2 besides the iterator's own fd.
"""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)


def set_comm(name: str) -> None:
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def spawn(spec, index, children_of, ready_w):
    """Forks process `index` (already in the namespace) and its children."""
    pid = os.fork()
    if pid:
        return pid
    proc = spec["processes"][index]
    set_comm(proc["comm"])
    for f in proc.get("files", []):
        fd = os.open(f["path"], os.O_RDONLY if f.get("mode", "r") == "r" else os.O_RDWR | os.O_CREAT, 0o644)
        if fd != f["fd"]:
            os.dup2(fd, f["fd"])
            os.close(fd)
    for child in children_of.get(index, []):
        spawn(spec, child, children_of, ready_w)
    keep = {0, 1, 2} | {f["fd"] for f in proc.get("files", [])}
    for fd in range(3, 256):
        if fd not in keep and fd != ready_w:
            try:
                os.close(fd)
            except OSError:
                pass
    os.write(ready_w, b"x")
    os.close(ready_w)
    while True:
        signal.pause()


def inner(spec_path: str, obj: str, pin: str) -> None:
    spec = json.load(open(spec_path))
    set_comm("tsbpf-reader")
    children_of = {}
    for i, p in enumerate(spec["processes"]):
        children_of.setdefault(p.get("parent"), []).append(i)
    r, w = os.pipe()
    # Keep the readiness pipe far above the fds the world asks for.
    ready_r, ready_w = os.dup2(r, 250), os.dup2(w, 251)
    os.close(r)
    os.close(w)
    for top in children_of.get(None, []):
        spawn(spec, top, children_of, ready_w)
    for _ in spec["processes"]:
        os.read(ready_r, 1)
    os.close(ready_r)
    os.close(ready_w)
    # Close everything but stdio, so the reader's fd table is 0, 1, 2.
    os.closerange(3, 1024)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()  # the outer side has taken its snapshot
    subprocess.run(["bpftool", "iter", "pin", obj, pin], check=True)
    fd = os.open(pin, os.O_RDONLY)
    chunks = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    os.unlink(pin)
    sys.stdout.write(json.dumps({"output": b"".join(chunks).decode("latin-1")}) + "\n")
    sys.stdout.flush()


def status_fields(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def snapshot(init_global_pid: int) -> list:
    """Tasks of the namespace whose init has this global pid, with global ids."""
    ns = os.readlink(f"/proc/{init_global_pid}/ns/pid")
    tasks = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{d}/ns/pid") != ns:
                continue
            st = status_fields(int(d))
            for tid in sorted(int(t) for t in os.listdir(f"/proc/{d}/task")):
                tst = status_fields(tid) if tid != int(d) else st
                files = []
                if tid == int(d):
                    for fd in sorted(int(x) for x in os.listdir(f"/proc/{d}/fd")):
                        try:
                            target = os.readlink(f"/proc/{d}/fd/{fd}")
                            ino = os.stat(f"/proc/{d}/fd/{fd}").st_ino
                        except OSError:
                            continue
                        files.append({"fd": fd, "target": target, "ino": ino})
                tasks.append({
                    "pid": tid,
                    "tgid": int(tst["Tgid"]),
                    "ppid_global": int(tst["PPid"]),
                    "nspid": [int(x) for x in tst["NSpid"].split()],
                    "comm": open(f"/proc/{tid}/comm").read().rstrip("\n"),
                    "files": files,
                })
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    tasks.sort(key=lambda t: t["pid"])
    return tasks


def outer(spec_path: str, obj: str) -> None:
    pin = f"/sys/fs/bpf/tsbpf_diff_{os.getpid()}"
    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, __file__, "--inner", spec_path, obj, pin],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"namespace setup failed: {line!r}")
        # unshare's child is the namespace init; find it among unshare's children.
        deadline = time.time() + 5
        init = None
        while init is None and time.time() < deadline:
            kids = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
            init = int(kids[0]) if kids else None
        tasks = snapshot(init)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        result = json.loads(proc.stdout.readline())
        result["tasks"] = tasks
        result["init"] = init
        print(json.dumps(result))
    finally:
        proc.kill()
        proc.wait()
        if os.path.exists(pin):
            os.unlink(pin)


if __name__ == "__main__":
    if sys.argv[1] == "--inner":
        inner(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        outer(sys.argv[1], sys.argv[2])
