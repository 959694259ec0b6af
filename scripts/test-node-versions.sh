#!/usr/bin/env bash
# Runs the whole test suite under other Node majors (default: 22 and 24),
# installed from the npm package `node` into a cache directory. The machines
# run Node 20; users run 22 and 24.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${TSBPF_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsbpf-node}
status=0
for major in "${@:-22 24}"; do
  for v in $major; do
    dir="$cache/$v"
    if [ ! -x "$dir/node_modules/.bin/node" ]; then
      mkdir -p "$dir"
      [ -f "$dir/package.json" ] || echo '{"private":true}' >"$dir/package.json"
      (cd "$dir" && npm install --no-audit --no-fund "node@$v" >/dev/null)
    fi
    echo "== Node $("$dir/node_modules/.bin/node" --version)"
    PATH="$dir/node_modules/.bin:$PATH" pnpm exec turbo run test --force --output-logs=errors-only || status=1
  done
done
exit $status
