#!/usr/bin/env bash
# Packs every public package and installs the tarballs into a scratch npm
# project, then imports each package's entry point from dist and runs the
# bpftool-ts binary: what a user of the published packages would get.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pnpm build >/dev/null
pnpm -r --filter='!@tsbpf/selftests' pack --pack-destination "$work/packs" >/dev/null
mkdir "$work/app"
cp packages/selftests/bpf/build/sim/iter_task.bpf.o "$work/app/"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund "$work"/packs/*.tgz >/dev/null
for pkg in uapi bpf-vm btf verifier kernel-sim bpf-iter libbpf-ts bpftool-ts; do
  node --input-type=module -e "const m = await import('@tsbpf/$pkg'); if (!Object.keys(m).length) throw new Error('@tsbpf/$pkg exports nothing'); console.log('@tsbpf/$pkg', Object.keys(m).length, 'exports')"
done
export TSBPF_STATE_DIR="$work/state"
npx bpftool-ts iter pin iter_task.bpf.o /sys/fs/bpf/task
npx bpftool-ts cat /sys/fs/bpf/task | head -3
npx bpftool-ts rm -f /sys/fs/bpf/task
echo "pack-check: ok"
