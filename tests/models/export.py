#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Export the test models to ONNX together with inputs and PyTorch's outputs.

    export.py OUT_DIR [NAME...]

For each model (all when no NAME is given) writes OUT_DIR/NAME/:
    model.onnx            torch.onnx.export, opset 13, static shapes (symbolic where DYNAMIC says)
    inputs/<input>.npy    the seeded random inputs
    expected/<out>.npy    PyTorch's outputs for them (the oracle)
    meta.json             input and output names, shapes, dtypes, export mode
    alt/{inputs,expected}/ for symbolic-dim models: a second input shape
A model is regenerated only when this script or families.py is newer than its
meta.json.  Everything is seeded: the same files come out every time.
"""
import json
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families  # noqa: E402

OPSET = 13
SEED = 1234
PRESERVE = torch.onnx.TrainingMode.PRESERVE  # keeps BatchNormalization nodes (eval semantics)
EVAL = torch.onnx.TrainingMode.EVAL          # the exporter folds BatchNormalization into Conv


def image(shape=(1, 3, 64, 64)):
    return {"image": torch.randn(*shape)}


def image_224():
    return image((1, 3, 224, 224))


def token_ids(batch, seq, vocab=1000):
    return torch.randint(0, vocab, (batch, seq), dtype=torch.int64)


def bert_inputs():
    mask = torch.ones(2, 16, dtype=torch.int64)
    mask[1, 12:] = 0  # the second sequence is padded
    return {"input_ids": token_ids(2, 16), "attention_mask": mask}


# name: (constructor, input maker, output names, export mode, what it covers)
MODELS = {
    "mlp": (families.MLP, lambda: {"x": torch.randn(8, 64)}, ["logits"], EVAL,
            "Gemm + GELU (Erf), batch 8"),
    "resnet18": (families.resnet18, lambda: image((2, 3, 64, 64)), ["logits"], PRESERVE,
                 "Conv, BatchNormalization kept, MaxPool, residual Add, GlobalAveragePool, batch 2, 2x3x64x64"),
    "resnet50": (families.resnet50, image, ["logits"], EVAL,
                 "bottleneck blocks, BN folded by the exporter, 1x3x64x64"),
    "mobilenetv2": (families.MobileNetV2, lambda: image((1, 3, 72, 72)), ["logits"], PRESERVE,
                    "depthwise Conv, ReLU6 as Clip, inverted residuals, 1x3x72x72 (odd maps: 9, 5, 3)"),
    "bert": (families.BertEncoder, bert_inputs, ["hidden"], EVAL,
             "2 post-LN layers d64 h4: Gather, LayerNorm decomposed, MatMul attention, padding mask, GELU"),
    "gpt2": (lambda: families.GPT2(vocab=997, d=48, heads=4), lambda: {"input_ids": token_ids(1, 13, 997)},
             ["logits"], EVAL,
             "2 pre-LN blocks d48 h4 seq 13 (odd sizes): causal mask (Where), GELU-tanh, tied embedding LM head"),
    "mlp_odd": (lambda: families.MLP((37, 129, 67, 5)), lambda: {"x": torch.randn(3, 37)}, ["logits"], EVAL,
                "Gemm + GELU with sizes 37-129-67-5, batch 3: no dimension a multiple of a vector width"),
    # The benchmark's sizes (bench/, issue 4): where blocked layouts, big-GEMM
    # kernels and thread splits kick in, parity must hold as well.
    "mlp_bench": (lambda: families.MLP((1024, 4096, 4096, 1024)), lambda: {"x": torch.randn(32, 1024)},
                  ["logits"], EVAL, "the bench MLP: 1024-4096-4096-1024 GELU, batch 32"),
    "resnet18_224": (families.resnet18, image_224, ["logits"], EVAL, "the bench ResNet-18: 1x3x224x224"),
    "encoder_bench": (lambda: families.BertEncoder(d=512, heads=8, ffn=2048, layers=1, max_len=128),
                      lambda: {"input_ids": token_ids(1, 128), "attention_mask": torch.ones(1, 128, dtype=torch.int64)},
                      ["hidden"], EVAL, "the bench encoder layer: d 512, 8 heads, FFN 2048, seq 128"),
    "bert_dyn": (families.BertEncoder, bert_inputs, ["hidden"], EVAL,
                 "the BERT encoder with symbolic batch and sequence dims (Shape/Gather/Concat/Reshape "
                 "chains), traced at 1x8, run at 2x16"),
}

# Models exported with symbolic dims, as users export for variable batch and
# sequence length; traced on other sizes than they are run with, so that a
# shape baked in at export or compile time shows up as a wrong result.
DYNAMIC = {
    "bert_dyn": {
        "axes": {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                 "hidden": {0: "batch", 1: "seq"}},
        "trace_inputs": lambda: {"input_ids": token_ids(1, 8),
                                 "attention_mask": torch.ones(1, 8, dtype=torch.int64)},
        # A second shape for the same model file (and compile cache), saved under alt/.
        "alt_inputs": lambda: {"input_ids": token_ids(3, 5),
                               "attention_mask": torch.tensor([[1] * 5, [1] * 3 + [0] * 2, [1] * 5])},
    },
}


def randomize_batchnorm(model):
    """Give BatchNorm non-trivial statistics so that folding it is actually tested."""
    g = torch.Generator().manual_seed(SEED + 1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)


def up_to_date(meta_path):
    if not os.path.exists(meta_path):
        return False
    here = os.path.dirname(os.path.abspath(__file__))
    newest = max(os.path.getmtime(os.path.join(here, f)) for f in ("export.py", "families.py"))
    return os.path.getmtime(meta_path) > newest


def export(name, out_root):
    make_model, make_inputs, output_names, mode, covers = MODELS[name]
    out = os.path.join(out_root, name)
    meta_path = os.path.join(out, "meta.json")
    if up_to_date(meta_path):
        return
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    torch.manual_seed(SEED)
    model = make_model()
    randomize_batchnorm(model)
    model.eval()
    inputs = make_inputs()
    args = tuple(inputs.values())
    with torch.no_grad():
        outputs = model(*args)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    dyn = DYNAMIC.get(name, {})
    trace_args = tuple(dyn["trace_inputs"]().values()) if dyn else args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-derived Python ints
        torch.onnx.export(model, trace_args, os.path.join(out, "model.onnx"), opset_version=OPSET,
                          input_names=list(inputs), output_names=output_names, training=mode,
                          do_constant_folding=True, dynamic_axes=dyn.get("axes"))
    if "alt_inputs" in dyn:
        alt = dyn["alt_inputs"]()
        with torch.no_grad():
            alt_out = model(*alt.values())
        alt_out = alt_out if isinstance(alt_out, (tuple, list)) else (alt_out,)
        for sub, tensors in (("inputs", alt), ("expected", dict(zip(output_names, alt_out)))):
            os.makedirs(os.path.join(out, "alt", sub), exist_ok=True)
            for k, v in tensors.items():
                np.save(os.path.join(out, "alt", sub, f"{k}.npy"), v.numpy())
    meta = {"name": name, "covers": covers, "opset": OPSET, "dynamic_axes": dyn.get("axes"),
            "alt_shape": "alt_inputs" in dyn,
            "export_mode": "preserve (BatchNormalization kept)" if mode == PRESERVE else "eval",
            "inputs": [], "outputs": []}
    for k, v in inputs.items():
        np.save(os.path.join(out, "inputs", f"{k}.npy"), v.numpy())
        meta["inputs"].append({"name": k, "shape": list(v.shape), "dtype": str(v.numpy().dtype)})
    for k, v in zip(output_names, outputs):
        np.save(os.path.join(out, "expected", f"{k}.npy"), v.numpy())
        meta["outputs"].append({"name": k, "shape": list(v.shape), "dtype": str(v.numpy().dtype)})
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    names = sys.argv[2:] or list(MODELS)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    for name in names:
        if name not in MODELS:
            sys.exit(f"export.py: unknown model '{name}' (known: {', '.join(MODELS)})")
        export(name, sys.argv[1])


if __name__ == "__main__":
    main()
