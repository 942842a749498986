#!/usr/bin/env bash
# The replay page in a real headless Chromium (Debian's chromium, driven by
# playwright-core): makes the --out of short runs, then runs
# replay.test.mjs on them. Usage: tests/browser/run.sh [--screenshot FILE]
# (FILE relative to the repository). Needs /usr/bin/chromium, node and
# npm; installs the pinned node packages (package-lock.json) when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${FACTORY5G:-$root/target/release/factory5g}"
if [ ! -x "$bin" ]; then
  (cd "$root" && cargo build --release --quiet)
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/pngjs" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One shift of sany18 as built in (48 h warm-up, an 8 h shift), with its trace.
"$bin" run sany18 -R 1 --quiet --out "$work/out" --trace "$work/trace.jsonl" > /dev/null 2> "$work/run.log"
# The same with a limit that bites.
"$bin" run sany18 -R 1 --quiet --out "$work/limited" --replay-limit 20000 > /dev/null 2>> "$work/run.log"
# A lossy network: AGVs' heartbeats fail and they stop (protective stops).
"$bin" run sany18 -R 1 --quiet --set network.model=fixed --set network.fixed.latency=2ms \
  --set network.fixed.loss=0.1 --out "$work/stops" --trace "$work/stops.jsonl" > /dev/null 2>> "$work/run.log"
# No layout, no AGVs, no network.
"$bin" run mm3 -R 1 --horizon 200h --warmup 10h --quiet --out "$work/bare" > /dev/null 2>> "$work/run.log"
args=("$work")
if [ "${1:-}" = "--screenshot" ]; then
  args+=(--screenshot "$(cd "$root" && realpath -m "$2")")
fi
cd "$here"
node replay.test.mjs "${args[@]}"
