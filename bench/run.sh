#!/bin/bash
# `make bench`: every benchmark program (bench/*.c, built to build/opt/bench/)
# and every bench/*.sh script; figures printed, never asserted.
set -u
cd "$(dirname "$0")/.."
for b in build/opt/bench/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"; "$b"
done
for s in bench/*.sh; do
	[ "$s" = bench/run.sh ] && continue
	echo "== $(basename "$s")"; "$s" ./cvmm
done
