#!/usr/bin/env bash
# Builds the BPF C programs of this directory with clang into committed objects:
#   build/sim/<name>.bpf.o   against the simulator's vmlinux.h (generated from kernel-sim's BTF)
#   build/host/<name>.bpf.o  against this machine's kernel BTF (needs bpftool and /sys/kernel/btf/vmlinux)
# DWARF is stripped (llvm-strip -g); .BTF and .BTF.ext stay. Usage: bpf/build.sh [sim|host|all]
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-all}
CFLAGS=(-O2 -g -target bpf -Wall -Werror)
STRIP=$(command -v llvm-strip || command -v llvm-strip-14)

build() { # variant header
  local variant=$1 header=$2 tmp
  tmp=$(mktemp -d)
  cp "$header" "$tmp/vmlinux.h"
  mkdir -p "build/$variant"
  for src in *.bpf.c; do
    clang "${CFLAGS[@]}" -I"$tmp" -c "$src" -o "build/$variant/${src%.c}.o"
    "$STRIP" -g "build/$variant/${src%.c}.o"
  done
  rm -rf "$tmp"
}

if [ "$what" = sim ] || [ "$what" = all ]; then build sim vmlinux.h; fi
if [ "$what" = host ] || [ "$what" = all ]; then
  host_h=$(mktemp)
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$host_h"
  build host "$host_h"
  rm -f "$host_h"
fi
