#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds a small world of processes on the real kernel, in a fresh PID (and
mount) namespace, reads a pinned BPF iterator there, and reports what Linux
printed plus a snapshot of the namespace's tasks, so that the same world can
be replayed in tsbpf and the outputs compared byte for byte.

Usage (root, bpftool in PATH):
  linux-world.py SPEC.json OBJ.o [READ_SIZE]   -> JSON on stdout (the pin is read with
                                               read(2)s of READ_SIZE bytes, 65536 by default)
SPEC: {"processes": [{"comm": "...", "parent": index|null,
                      "threads": ["comm", ...],
                      "files": [FILE, ...]}]}
FILE: {"fd": 3, "path": "...", "mode": "r"|"w"}     a file opened read-only / read-write (created)
      {"fd": 4, "socket": "unix"|"unix-dgram"|"tcp"|"udp"|"tcp6"|"udp6"|"netlink"}
      {"fd": 5, "pipe": "read"|"write"}            one end of a new pipe (the other is closed)
      {"fd": 6, "inherit": true}                    keep the parent's fd 6
The iterator is read by the namespace's init (pid 1, comm "tsbpf-reader"),
which holds only fds 0-2 besides the iterator's own fd; every process starts
with the init's stdin/stdout (pipes) and stderr (a temporary file).
Output: {"output", "reads": [bytes each read(2) returned], "read_size", "tasks": [{pid, tgid, ppid_global, nspid, comm, files:
[{fd, target, ino, flags, sockproto?}]}], "init", "reader_fd": {fd, ino, name}}.
"""
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)


def set_comm(name: str) -> None:
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


SOCKETS = {
    "unix": (socket.AF_UNIX, socket.SOCK_STREAM, 0),
    "unix-dgram": (socket.AF_UNIX, socket.SOCK_DGRAM, 0),
    "tcp": (socket.AF_INET, socket.SOCK_STREAM, 0),
    "udp": (socket.AF_INET, socket.SOCK_DGRAM, 0),
    "tcp6": (socket.AF_INET6, socket.SOCK_STREAM, 0),
    "udp6": (socket.AF_INET6, socket.SOCK_DGRAM, 0),
    "netlink": (socket.AF_NETLINK, socket.SOCK_RAW, 0),
}


def place(fd: int, want: int) -> None:
    """Moves fd to number want."""
    if fd != want:
        os.dup2(fd, want)
        os.close(fd)


def open_file(f) -> None:
    if f.get("inherit"):
        return
    if "path" in f:
        mode = os.O_RDONLY if f.get("mode", "r") == "r" else os.O_RDWR | os.O_CREAT
        place(os.open(f["path"], mode, 0o644), f["fd"])
    elif "socket" in f:
        s = socket.socket(*SOCKETS[f["socket"]])
        place(s.detach(), f["fd"])
    elif "pipe" in f:
        r, w = os.pipe()
        keep, other = (r, w) if f["pipe"] == "read" else (w, r)
        os.close(other)
        place(keep, f["fd"])
    else:
        raise SystemExit(f"bad file spec {f!r}")


def start_threads(names) -> None:
    """Threads that name themselves (PR_SET_NAME names the calling thread) and sleep."""
    named = threading.Semaphore(0)

    def body(name):
        set_comm(name)
        named.release()
        threading.Event().wait()

    for name in names:
        threading.Thread(target=body, args=(name,), daemon=True).start()
    for _ in names:
        named.acquire()


def spawn(spec, index, children_of, ready_w):
    """Forks process `index` (already in the namespace) and its children."""
    pid = os.fork()
    if pid:
        return pid
    proc = spec["processes"][index]
    set_comm(proc["comm"])
    for f in proc.get("files", []):
        open_file(f)
    keep = {0, 1, 2} | {f["fd"] for f in proc.get("files", [])}
    # The children's own fds are opened after the fork; what they inherit is
    # what this process keeps.
    for fd in range(3, 256):
        if fd not in keep and fd != ready_w:
            try:
                os.close(fd)
            except OSError:
                pass
    for child in children_of.get(index, []):
        spawn(spec, child, children_of, ready_w)
    start_threads(proc.get("threads", []))
    os.write(ready_w, b"x")
    os.close(ready_w)
    while True:
        signal.pause()


def inner(spec_path: str, obj: str, pin: str, read_size: int) -> None:
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
    # Every process writes one byte and then closes its end: EOF means all of
    # them are set up and none holds the pipe any more.
    os.close(ready_w)
    count = 0
    while os.read(ready_r, 1):
        count += 1
    os.close(ready_r)
    if count != len(spec["processes"]):
        raise SystemExit(f"{count} of {len(spec['processes'])} processes came up")
    # Close everything but stdio, so the reader's fd table is 0, 1, 2.
    os.closerange(3, 1024)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()  # the outer side has taken its snapshot
    subprocess.run(["bpftool", "iter", "pin", obj, pin], check=True)
    fd = os.open(pin, os.O_RDONLY)
    reader_fd = {"fd": fd, "ino": os.fstat(fd).st_ino, "name": os.path.basename(pin)}
    chunks = []
    while True:
        b = os.read(fd, read_size)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    os.unlink(pin)
    result = {"output": b"".join(chunks).decode("latin-1"), "reader_fd": reader_fd,
              "read_size": read_size, "reads": [len(c) for c in chunks]}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def status_fields(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def fdinfo_flags(pid: int, fd: int) -> int:
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        for line in f:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    return 0


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
                        link = f"/proc/{d}/fd/{fd}"
                        try:
                            target = os.readlink(link)
                            ino = os.stat(link).st_ino
                            flags = fdinfo_flags(int(d), fd)
                        except OSError:
                            continue
                        entry = {"fd": fd, "target": target, "ino": ino, "flags": flags}
                        if target.startswith("socket:["):
                            # sockfs names a socket's dentry after its protocol.
                            entry["sockproto"] = os.getxattr(link, "system.sockprotoname").rstrip(b"\0").decode()
                        files.append(entry)
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


def outer(spec_path: str, obj: str, read_size: int) -> None:
    pin = f"/sys/fs/bpf/tsbpf_diff_{os.getpid()}"
    # The world's stderr: a regular file of its own (not whatever ours is).
    err = tempfile.NamedTemporaryFile(prefix="tsbpf-world-", suffix=".err", delete=False)
    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, __file__, "--inner", spec_path, obj, pin,
         str(read_size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            err.seek(0)
            raise SystemExit(f"namespace setup failed: {line!r} {err.read().decode(errors='replace')}")
        # unshare's child is the namespace init; find it among unshare's children.
        deadline = time.time() + 5
        init = None
        while init is None and time.time() < deadline:
            kids = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
            init = int(kids[0]) if kids else None
        tasks = snapshot(init)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            err.seek(0)
            raise SystemExit(f"reading the iterator failed: {err.read().decode(errors='replace')}")
        result = json.loads(line)
        result["tasks"] = tasks
        result["init"] = init
        print(json.dumps(result))
    finally:
        proc.kill()
        proc.wait()
        if os.path.exists(pin):
            os.unlink(pin)
        err.close()
        os.unlink(err.name)


if __name__ == "__main__":
    if sys.argv[1] == "--inner":
        inner(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        outer(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 65536)
