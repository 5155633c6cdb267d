#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A zoo of torchvision's model families, exported to ONNX with PyTorch's outputs.

    zoo.py --small OUT_DIR [NAME...]    reduced resolution and width (tests/zoo, make check)
    zoo.py --full OUT_DIR [NAME...]     224 px (299 for Inception v3), standard widths (bench/zoo.sh)
    zoo.py --list                       names, one a line

For each model writes OUT_DIR/NAME/:
    model.onnx            torch.onnx.export, batch 1, opset 14 (13 where ZOO says)
    inputs/image.npy      the seeded random input, 1x3xHxW float32
    expected/logits.npy   PyTorch's fp32 output for it (the oracle)
    meta.json             names, shapes, opset, export mode, parameter count, and the
                          digest of this script and the torch/torchvision versions

The architectures are torchvision's own classes (nobody here wrote them), with
seeded random weights: torchvision's initialisation, then BatchNorm running
statistics and affine parameters, ConvNeXt's layer scales and zero-initialised
weights (ViT's head) randomised so that BatchNorm folding and every branch
really contribute.  Most
models are exported with BatchNormalization kept (TrainingMode.PRESERVE in
eval mode: tcc folds it), some with the exporter's own Conv+BN folding
(TrainingMode.EVAL).  A model is regenerated only when the digest recorded in
its meta.json differs from the current one: reruns cost nothing.

The small set keeps each family's structure (block types, groups, squeeze-
and-excitation, shuffles, concats, attention, shifted windows) with fewer
channels where torchvision has a width knob (width_mult, alpha, growth rate,
width per group, embedding dims, block settings) and small inputs where the
architecture allows.  AlexNet and VGG pool adaptively to 6x6 / 7x7, which
the exporter supports only when the feature map is a multiple of that, so
they stay at 224 px (AlexNet's features at full width; both with a narrow
classifier, the part that dominates their size).
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import torch
import torchvision
from torchvision import models as tvm
from torchvision.models import convnext, efficientnet, regnet, resnet, swin_transformer, vgg

SEED = 20240
PRESERVE = torch.onnx.TrainingMode.PRESERVE  # BatchNormalization nodes kept, eval semantics
EVAL = torch.onnx.TrainingMode.EVAL          # the exporter folds Conv+BatchNormalization itself
INPUT, OUTPUT = "image", "logits"


def _resnet50_like(small, groups=1, width_per_group=64):
    # Bottleneck widths scale with width_per_group (x groups); the small set
    # divides it by 4 and keeps the block counts, groups ratio and expansion.
    return resnet.ResNet(resnet.Bottleneck, [3, 4, 6, 3], groups=groups,
                         width_per_group=width_per_group // 4 if small else width_per_group,
                         num_classes=10 if small else 1000)


def _efficientnet_b0(small):
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.5 if small else 1.0,
                                                    depth_mult=0.5 if small else 1.0)
    return efficientnet.EfficientNet(setting, dropout=0.2, last_channel=last, num_classes=10 if small else 1000)


def _regnet(small, full_params, small_params):
    p = small_params if small else full_params
    return regnet.RegNet(regnet.BlockParams.from_init_params(**p), num_classes=10 if small else 1000,
                         stem_width=16 if small else 32)


def _convnext_t(small):
    c = convnext.CNBlockConfig
    setting = ([c(16, 32, 1), c(32, 64, 1), c(64, 128, 2), c(128, None, 1)] if small else
               [c(96, 192, 3), c(192, 384, 3), c(384, 768, 9), c(768, None, 3)])
    return convnext.ConvNeXt(setting, stochastic_depth_prob=0.1, num_classes=10 if small else 1000)


def _vit_b_16(small):
    if small:
        return tvm.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                                     mlp_dim=64, num_classes=10)
    return tvm.vit_b_16()


def _swin_t(small):
    if small:
        # Two blocks a stage: the second one shifts its windows (roll + mask).
        return swin_transformer.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2, 2, 2],
                                                num_heads=[1, 2, 4, 8], window_size=[4, 4],
                                                stochastic_depth_prob=0.2, num_classes=10)
    return tvm.swin_t()


def _densenet121(small):
    if small:
        return tvm.DenseNet(growth_rate=8, block_config=(2, 3, 4, 3), num_init_features=16, num_classes=10)
    return tvm.densenet121()


def _alexnet(small):
    m = tvm.alexnet(num_classes=10 if small else 1000)
    if small:  # the same three-layer classifier, 64 wide instead of 4096
        m.classifier[1] = torch.nn.Linear(256 * 6 * 6, 64)
        m.classifier[4] = torch.nn.Linear(64, 64)
        m.classifier[6] = torch.nn.Linear(64, 10)
    return m


def _vgg11(small):
    if not small:
        return tvm.vgg11()
    cfg = [c // 8 if c != "M" else c for c in vgg.cfgs["A"]]
    m = vgg.VGG(vgg.make_layers(cfg), num_classes=10)
    m.classifier[0] = torch.nn.Linear(64 * 7 * 7, 64)
    m.classifier[3] = torch.nn.Linear(64, 64)
    m.classifier[6] = torch.nn.Linear(64, 10)
    return m


def _nc(small):
    return 10 if small else 1000


# name: (family, opset, export mode, builder(small) -> nn.Module, small px, full px)
ZOO = {
    "resnet18": ("ResNet-18", 13, PRESERVE, lambda s: tvm.resnet18(num_classes=_nc(s)), 32, 224),
    "resnet50": ("ResNet-50", 14, EVAL, lambda s: _resnet50_like(s), 32, 224),
    "resnext50_32x4d": ("ResNeXt-50 32x4d", 14, PRESERVE,
                        lambda s: _resnet50_like(s, groups=32 if not s else 8, width_per_group=4 if not s else 16),
                        32, 224),
    "wide_resnet50_2": ("Wide ResNet-50-2", 14, PRESERVE, lambda s: _resnet50_like(s, width_per_group=128), 32, 224),
    "mobilenet_v2": ("MobileNetV2", 13, PRESERVE,
                     lambda s: tvm.mobilenet_v2(width_mult=0.5 if s else 1.0, num_classes=_nc(s)), 64, 224),
    "mobilenet_v3_small": ("MobileNetV3-Small", 14, PRESERVE,
                           lambda s: tvm.mobilenet_v3_small(width_mult=0.5 if s else 1.0, num_classes=_nc(s)),
                           64, 224),
    "mobilenet_v3_large": ("MobileNetV3-Large", 14, EVAL,
                           lambda s: tvm.mobilenet_v3_large(width_mult=0.5 if s else 1.0, num_classes=_nc(s)),
                           64, 224),
    "efficientnet_b0": ("EfficientNet-B0", 14, PRESERVE, _efficientnet_b0, 64, 224),
    "regnet_y_400mf": ("RegNetY-400MF", 14, PRESERVE,
                       lambda s: _regnet(s, dict(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8, se_ratio=0.25),
                                         dict(depth=6, w_0=16, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25)),
                       32, 224),
    "regnet_x_400mf": ("RegNetX-400MF", 13, PRESERVE,
                       lambda s: _regnet(s, dict(depth=22, w_0=24, w_a=24.48, w_m=2.54, group_width=16),
                                         dict(depth=6, w_0=16, w_a=8.0, w_m=2.0, group_width=8)),
                       32, 224),
    "convnext_tiny": ("ConvNeXt-T", 14, EVAL, _convnext_t, 64, 224),
    "vit_b_16": ("ViT-B/16", 14, EVAL, _vit_b_16, 32, 224),
    "swin_t": ("Swin-T", 14, EVAL, _swin_t, 64, 224),
    "densenet121": ("DenseNet-121", 14, PRESERVE, _densenet121, 64, 224),
    "squeezenet1_1": ("SqueezeNet 1.1", 13, EVAL, lambda s: tvm.squeezenet1_1(num_classes=_nc(s)), 64, 224),
    "shufflenet_v2_x1_0": ("ShuffleNetV2 1.0", 14, PRESERVE,
                           lambda s: tvm.shufflenet_v2_x0_5(num_classes=10) if s else tvm.shufflenet_v2_x1_0(),
                           64, 224),
    "googlenet": ("GoogLeNet", 14, PRESERVE,
                  lambda s: tvm.GoogLeNet(num_classes=_nc(s), aux_logits=False, transform_input=False,
                                          init_weights=True), 32, 224),
    "inception_v3": ("Inception v3", 13, PRESERVE,
                     lambda s: tvm.Inception3(num_classes=_nc(s), aux_logits=False, transform_input=False,
                                              init_weights=True), 75, 299),
    "mnasnet1_0": ("MNASNet 1.0", 14, PRESERVE, lambda s: tvm.MNASNet(0.5 if s else 1.0, num_classes=_nc(s)), 64, 224),
    "alexnet": ("AlexNet", 13, EVAL, _alexnet, 224, 224),
    "vgg11": ("VGG-11", 14, EVAL, _vgg11, 224, 224),
}


def digest():
    """What decides the exported files: this script and the exporter's versions."""
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    h.update(f"torch {torch.__version__} torchvision {torchvision.__version__}".encode())
    return h.hexdigest()[:16]


def randomize(model, seed):
    """Non-trivial BatchNorm statistics and affine terms (identity BN would make
    folding untested), and layer scales of order 1 (ConvNeXt's 1e-6 would hide
    every block behind its residual)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.BatchNorm1d)):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                    m.bias.copy_(torch.randn(n, generator=g) * 0.1)
            ls = getattr(m, "layer_scale", None)
            if isinstance(ls, torch.nn.Parameter):
                ls.copy_(torch.rand(ls.shape, generator=g) * 0.5 + 0.25)
        # Zero-initialised tensors (ViT's head and class token) would make
        # the output a constant: give them fan-in scaled values.
        for name, p in model.named_parameters():
            if p.dim() >= 2 and not p.any():
                fan_in = p[0].numel() if p.shape[0] > 1 else p.shape[-1]
                p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)


def build(name, size):
    """(eval-mode module with seeded random weights, seeded input tensor) for
    @name at @size ("small" or "full"); the same every call."""
    family, opset, mode, make, small_px, full_px = ZOO[name]
    small = size == "small"
    torch.manual_seed(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # init warnings (e.g. GoogLeNet's scipy-free truncnorm)
        model = make(small)
    randomize(model, SEED + 1)
    model.eval()
    px = small_px if small else full_px
    x = torch.randn(1, 3, px, px, generator=torch.Generator().manual_seed(SEED + 2))
    return model, x


def meta_path(out_dir, name):
    return os.path.join(out_dir, name, "meta.json")


def up_to_date(out_dir, name, size):
    try:
        with open(meta_path(out_dir, name)) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    return meta.get("digest") == digest() and meta.get("size") == size and \
        os.path.exists(os.path.join(out_dir, name, "model.onnx"))


def export(name, size, out_dir):
    """Writes OUT_DIR/NAME/ unless it is up to date; returns its meta dict."""
    if up_to_date(out_dir, name, size):
        with open(meta_path(out_dir, name)) as f:
            return json.load(f)
    family, opset, mode, _, _, _ = ZOO[name]
    out = os.path.join(out_dir, name)
    for sub in ("inputs", "expected"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    model, x = build(name, size)
    with torch.no_grad():
        y = model(x)
    onnx_path = os.path.join(out, "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-derived Python values
        torch.onnx.export(model, (x,), onnx_path + ".tmp", opset_version=opset, input_names=[INPUT],
                          output_names=[OUTPUT], training=mode, do_constant_folding=True)
    os.replace(onnx_path + ".tmp", onnx_path)
    np.save(os.path.join(out, "inputs", INPUT + ".npy"), x.numpy())
    np.save(os.path.join(out, "expected", OUTPUT + ".npy"), y.numpy())
    meta = {"name": name, "family": family, "size": size, "opset": opset,
            "export_mode": "preserve (BatchNormalization kept)" if mode == PRESERVE else "eval (exporter folds BN)",
            "params": sum(p.numel() for p in model.parameters()),
            "covers": f"{family}, torchvision {torchvision.__version__}, 1x3x{x.shape[2]}x{x.shape[3]}, opset {opset}",
            "digest": digest(),
            "inputs": [{"name": INPUT, "shape": list(x.shape), "dtype": "float32"}],
            "outputs": [{"name": OUTPUT, "shape": list(y.shape), "dtype": "float32"}]}
    with open(meta_path(out_dir, name) + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path(out_dir, name) + ".tmp", meta_path(out_dir, name))
    return meta


def main():
    args = sys.argv[1:]
    if args[:1] == ["--list"]:
        print("\n".join(ZOO))
        return 0
    if len(args) < 2 or args[0] not in ("--small", "--full"):
        sys.exit(__doc__)
    size, out_dir, names = args[0][2:], args[1], args[2:] or list(ZOO)
    unknown = [n for n in names if n not in ZOO]
    if unknown:
        sys.exit(f"zoo.py: unknown model(s) {', '.join(unknown)} (known: {', '.join(ZOO)})")
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    for n in names:
        meta = export(n, size, out_dir)
        print(f"{n}: {meta['covers']}, {meta['params']} parameters", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
