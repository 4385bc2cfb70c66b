#!/usr/bin/env bash
# Instructions per simulated LLM call: a steadier figure than wall time on a shared, noisy machine.
#
#   bash bench/sim-instructions.sh [CALLS]      (default 300000; needs valgrind: apt-get install valgrind)
#
# Runs bench/sim.ts twice under callgrind (Node single-threaded, so GC and JIT work is counted on one
# thread and the count repeats run to run): a day of ~1,000 calls and a day of ~CALLS calls. What the
# two share (Node, tsx, loading the scenario, the day's 86,400 samples, JIT warm-up) cancels out in the
# difference; the rest, divided by the difference in calls, is the cost of one call with its turn's
# share of the pipeline, the provider model, the recorder and the garbage collector.
# Output: `key value` lines, as bench/sim.ts prints.
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-300000}
command -v valgrind >/dev/null || { echo "bench/sim-instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }

run() { # prints "<calls> <instructions>"
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --import tsx bench/sim.ts --calls "$1" --no-kernel 2>&1 |
    awk '/^calls /{c=$2} /Collected :/{i=$NF} END{print c, i}'
}
# Warm tsx's transform cache first, so both counted runs load the same compiled files.
node --import tsx bench/sim.ts --calls 1000 --no-kernel >/dev/null
read -r c1 i1 < <(run 1000)
read -r c2 i2 < <(run "$calls")
printf '%-24s %s\n' calls_small "$c1" instructions_small "$i1" calls_large "$c2" instructions_large "$i2"
printf '%-24s %s\n' instructions_per_call "$(( (i2 - i1) / (c2 - c1) ))"
