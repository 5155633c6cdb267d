#!/usr/bin/env bash
# Placeholder until the compiler lands: the main job compiles and runs a model.
echo "run-demo: the model compiler is not built yet" >&2
exit 1
