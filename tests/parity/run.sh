#!/usr/bin/env bash
# Numeric parity of tcc-run against PyTorch (the oracle, tests only) on the
# MLP, ResNet-18/50, MobileNetV2, BERT-style and GPT-2-style models of
# tests/models/.  TAP on stdout; see tests/parity/parity.py for the error
# definition and Documentation/testing.md.  Arguments select models.
set -uo pipefail
cd "$(dirname "$0")/../.."
# A fresh compile cache: the first run of each model compiles, the second is a cache hit.
b=${BUILD:-build}	# the Makefile's BUILD, for out-of-tree builds
export TCC_CACHE_DIR=$(realpath -m "$b/parity/cache")
rm -rf "$TCC_CACHE_DIR"
mkdir -p "$TCC_CACHE_DIR"
exec /usr/bin/python3 tests/parity/parity.py --tcc-run "$b/bin/tcc-run" --rerun "$b/tests/parity/rerun" \
	--out "$b/parity" "$@"
