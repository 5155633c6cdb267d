#!/usr/bin/env bash
# The main job: generate a small ResNet-style CNN with the project's own
# generator (random weights, nothing downloaded), compile it for this CPU and
# run it with tcc-run on the embedded default (no kernel module, no root).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${TCC_DEMO_DIR:-build/demo}
if ! mkdir -p "$out" 2>/dev/null || [[ ! -w $out ]]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/tcc-demo.XXXXXX")	# read-only checkout: work elsewhere
fi
model=$out/resnet_tiny.onnx
if [[ ! -s $model || examples/make_model.py -nt $model ]]; then
	echo "run-demo: generating $model (examples/make_model.py cnn)"
	/usr/bin/python3 examples/make_model.py cnn "$model"
fi
threads=$(nproc)
((threads > 2)) && threads=2
echo "run-demo: build/bin/tcc-run $model --output-dir $out/outputs --bench 20 --threads $threads"
build/bin/tcc-run "$model" --output-dir "$out/outputs" --bench 20 --threads "$threads" --verbose
