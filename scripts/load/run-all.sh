#!/bin/sh
# Runs every load and crash script once, one after the other (they must not compete for
# the CPU), and collects their summaries in out/load/summary.md, ready to paste into
# BENCHMARKS.md. Needs wrk (apt-get install -y wrk). About 8 minutes on 2 cores.
#
#   sh scripts/load/run-all.sh
set -eu
cd "$(dirname "$0")/../.."
mkdir -p out/load
: > out/load/summary.md
status=0
for s in pages crash outage startup; do
	echo "== $s" >&2
	go run "./scripts/load/$s" > "out/load/$s.md" || status=1
	cat "out/load/$s.md" >> out/load/summary.md
done
echo "summary: out/load/summary.md" >&2
exit $status
