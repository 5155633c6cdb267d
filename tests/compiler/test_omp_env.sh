#!/usr/bin/env bash
# tcc-run bounds libgomp's spinning (tools/omp-env): GOMP_SPINCOUNT is 1000 in
# the process that runs the model unless the user set it or OMP_WAIT_POLICY.
# libgomp prints its settings with OMP_DISPLAY_ENV.  TAP on stdout.
set -uo pipefail
run=$1 model=$2
n=0 fail=0
spin() {	# the GOMP_SPINCOUNT libgomp used last (after the re-exec, if any)
	env "$@" OMP_DISPLAY_ENV=verbose "$run" "$model" 2>&1 | sed -n "s/.*GOMP_SPINCOUNT = '\([0-9]*\)'.*/\1/p" | tail -1
}
t() {	# name, want, got
	n=$((n + 1))
	if [[ $2 == "$3" ]]; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "# want '$2', got '$3'"; fail=1; fi
}
echo "1..3"
t "tcc-run: libgomp spins 1000 loops at a barrier by default" 1000 "$(spin -u GOMP_SPINCOUNT -u OMP_WAIT_POLICY)"
t "tcc-run: a GOMP_SPINCOUNT the user set wins" 7 "$(spin -u OMP_WAIT_POLICY GOMP_SPINCOUNT=7)"
t "tcc-run: OMP_WAIT_POLICY set by the user leaves the spin to libgomp (active: 3e10)" 30000000000 \
	"$(spin -u GOMP_SPINCOUNT OMP_WAIT_POLICY=active)"
exit $fail
