#!/usr/bin/env bash
# The origin's flow on the embedded default machine, in separate processes:
# pin a task iterator, read it, remove it. Run from the repo root after a build
# (`pnpm demo` builds first). The machine lives in a fresh state directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bpftool_ts() { node packages/bpftool-ts/dist/main.js "$@"; }
export TSBPF_STATE_DIR=${TSBPF_STATE_DIR:-$(mktemp -d)}
obj=packages/selftests/bpf/build/sim/iter_task.bpf.o

run() { printf '$ %s\n' "$*"; "$@"; }
run bpftool_ts iter pin "$obj" /sys/fs/bpf/task
run bpftool_ts cat /sys/fs/bpf/task
run bpftool_ts rm -f /sys/fs/bpf/task
run bpftool_ts cat /sys/fs/bpf/task || echo "(gone, as expected)"
