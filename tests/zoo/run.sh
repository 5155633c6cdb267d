#!/usr/bin/env bash
# Parity of tcc-run on torchvision's model families at small sizes
# (tests/models/zoo.py --small): fp32 against PyTorch, --bf16 against fp32.
# TAP on stdout, a totals line last; see tests/zoo/zoo_parity.py.  The
# exported models are cached in $BUILD/zoo/small (re-exported when zoo.py or
# torch/torchvision change), the compile cache in $BUILD/zoo/cache (keyed by
# the generated source), so a rerun costs the tcc-run calls only.
# Arguments select models (tests/models/zoo.py --list).
set -uo pipefail
cd "$(dirname "$0")/../.."
b=${BUILD:-build}	# the Makefile's BUILD, for out-of-tree builds
export TCC_CACHE_DIR=$(realpath -m "$b/zoo/cache")
mkdir -p "$TCC_CACHE_DIR"
exec /usr/bin/python3 tests/zoo/zoo_parity.py --tcc-run "$b/bin/tcc-run" --out "$b/zoo/small" "$@"
