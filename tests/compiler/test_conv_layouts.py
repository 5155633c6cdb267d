#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Conv-net blocks as torchvision writes them (MobileNetV3's squeeze-and-
excitation with HardSwish/HardSigmoid, EfficientNet's SiLU, ResNet's residual
Add), exported by PyTorch and run through tcc-run: outputs against PyTorch at
both optimisation levels and with NHWC propagation off, then what the passes
promise: activations absorbed into the convs as oneDNN post-ops, the
squeeze-and-excitation Mul a generated loop, and no activation reordered
between ops at run time (oneDNN's verbose log counts the reorders of one
run).  Prints TAP."""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

TCC_RUN = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="tcc-conv-layouts-")
results = []
torch.manual_seed(3)


def conv_bn_act(cin, cout, k, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, *([act()] if act else []))


class SqueezeExcite(nn.Module):
    def __init__(self, c, squeeze, gate):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)
        self.act, self.gate = nn.ReLU(), gate()

    def forward(self, x):
        s = nn.functional.adaptive_avg_pool2d(x, 1)
        return x * self.gate(self.fc2(self.act(self.fc1(s))))


class InvertedResidual(nn.Module):
    """MobileNetV3 (HardSwish, HardSigmoid gate) or EfficientNet MBConv (SiLU, Sigmoid gate)."""

    def __init__(self, c, expand, act, gate):
        super().__init__()
        self.body = nn.Sequential(conv_bn_act(c, expand, 1, act=act), conv_bn_act(expand, expand, 3, groups=expand, act=act),
                                  SqueezeExcite(expand, 8, gate), conv_bn_act(expand, c, 1))

    def forward(self, x):
        return x + self.body(x)


class Net(nn.Module):
    def __init__(self, act, gate):
        super().__init__()
        self.stem = conv_bn_act(3, 16, 3, 2, act=act)
        self.blocks = nn.Sequential(InvertedResidual(16, 48, act, gate), InvertedResidual(16, 64, act, gate))
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        y = self.blocks(self.stem(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


def randomise_bn(m):
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
    return m.eval()


def export(name, model, x):
    path = f"{tmp}/{name}.onnx"
    torch.onnx.export(model, torch.tensor(x), path, opset_version=14, input_names=["x"], output_names=["y"])
    with torch.no_grad():
        return path, model(torch.tensor(x)).numpy().astype(np.float64)


def run(path, x, opt_level=1, env=None, bench=0):
    """The output, the kernel of each node (TCC_PROFILE) and oneDNN's exec log."""
    np.save(f"{tmp}/x.npy", x)
    args = [TCC_RUN, path, "--input", f"x={tmp}/x.npy", "--output-dir", f"{tmp}/out", "--threads", "2",
            "--opt-level", str(opt_level)] + (["--bench", str(bench)] if bench else [])
    r = subprocess.run(args, capture_output=True, text=True,
                       env=dict(os.environ, TCC_PROFILE="1", ONEDNN_VERBOSE="1", **(env or {})))
    if r.returncode:
        raise RuntimeError(r.stderr.strip() or r.stdout.strip())
    kernels, execs = {}, []
    for line in (r.stdout + r.stderr).splitlines():
        m = re.match(r"\s+[\d.]+ ms\s+[\d.]+%\s+(\S+)\s+(\S+)\s+\[(.*)\]$", line)
        if m:
            kernels.setdefault(m.group(1), []).append(m.group(3))
        if line.startswith("onednn_verbose,exec,"):
            execs.append(line.split(",")[3])
    return np.load(f"{tmp}/out/y.npy"), kernels, execs


def close(got, want, what):
    err = np.abs(got.astype(np.float64) - want).max() / max(np.abs(want).max(), 1e-30)
    if err > 1e-4:
        raise AssertionError(f"{what}: max relative error {err:.2e}")


def reorders_per_run(path, x):
    """Reorders oneDNN executes in one more run: the run-time ones, not those at load."""
    one = run(path, x, bench=1)[2].count("reorder")
    three = run(path, x, bench=3)[2].count("reorder")
    return (three - one) / 2


native_bf16 = any(f in open("/proc/cpuinfo").read().split() for f in ("avx512_bf16", "amx_bf16"))


def block_checks(name, act, gate, absorbed):
    x = np.random.default_rng(5).standard_normal((1, 3, 32, 32)).astype(np.float32)
    path, want = export(name, randomise_bn(Net(act, gate)), x)

    def same_answers():
        for level, env in ((1, None), (0, None), (1, {"TCC_NO_NHWC": "1"})):
            close(run(path, x, level, env)[0], want, f"O{level} {env or ''}")

    def activations_absorbed():
        kernels = run(path, x)[1]
        for op in absorbed:
            if op in kernels:
                raise AssertionError(f"{op} still runs: {kernels[op]}")
        muls = kernels.get("Mul", [])	# only the two SE scales are left
        if len(muls) != 2 or not all(k.startswith("generated C loop") for k in muls):
            raise AssertionError(f"Mul nodes: {muls}")

    def no_reorders_between_ops():
        n = reorders_per_run(path, x)
        if n > 1:	# the input, NCHW into the first conv
            raise AssertionError(f"{n} reorders per run")

    def bf16_between_convs():
        np.save(f"{tmp}/x.npy", x)
        r = subprocess.run([TCC_RUN, path, "--input", f"x={tmp}/x.npy", "--output-dir", f"{tmp}/out", "--bf16"],
                           capture_output=True, text=True, env=dict(os.environ, ONEDNN_VERBOSE="1"))
        if r.returncode:
            raise RuntimeError(r.stderr)
        got = np.load(f"{tmp}/out/y.npy")
        err = np.abs(got - want).max() / np.abs(want).max()
        convs = [l for l in r.stdout.splitlines() if l.startswith("onednn_verbose,exec,cpu,convolution")]
        if err > 2e-2 or not any("dst_bf16" in l for l in convs):
            raise AssertionError(f"bf16: error {err:.2e}; convs writing bf16: "
                                 f"{sum('dst_bf16' in l for l in convs)} of {len(convs)}")

    check(f"{name}: outputs match PyTorch at -O1, -O0 and without NHWC", same_answers)
    if native_bf16:
        check(f"{name}: --bf16 keeps activations bf16 from a conv into the conv after it", bf16_between_convs)
    else:
        results.append((True, f"{name}: bf16 between convs # SKIP no AVX512-BF16 or AMX on this CPU", ""))
    check(f"{name}: {', '.join(absorbed)} absorbed into oneDNN ops, the SE Mul is generated", activations_absorbed)
    check(f"{name}: activations stay NHWC between ops (at most the input is reordered)", no_reorders_between_ops)


def check(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:  # a failed check, reported as TAP
        results.append((False, name, str(e).replace("\n", "\n# ")))


class Fire(nn.Module):
    """SqueezeNet's fire module: squeeze, two expands, Concat of their ReLUs."""

    def __init__(self, cin, sq, ex):
        super().__init__()
        self.sq, self.e1, self.e3 = nn.Conv2d(cin, sq, 1), nn.Conv2d(sq, ex, 1), nn.Conv2d(sq, ex, 3, padding=1)

    def forward(self, x):
        s = torch.relu(self.sq(x))
        return torch.cat([torch.relu(self.e1(s)), torch.relu(self.e3(s))], 1)


class DenseLayer(nn.Module):
    """DenseNet: BN-ReLU-conv on the Concat of every earlier feature map."""

    def __init__(self, cin, growth):
        super().__init__()
        self.norm, self.conv = nn.BatchNorm2d(cin), nn.Conv2d(cin, growth, 3, padding=1, bias=False)

    def forward(self, feats):
        return self.conv(torch.relu(self.norm(torch.cat(feats, 1))))


class ConcatNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 2, 1)
        self.fire = Fire(16, 8, 16)
        self.dense = nn.ModuleList(DenseLayer(32 + 8 * i, 8) for i in range(3))
        self.head = nn.Conv2d(56, 4, 1)

    def forward(self, x):
        feats = [self.fire(torch.relu(self.stem(x)))]
        for layer in self.dense:
            feats.append(layer(feats))
        return self.head(torch.cat(feats, 1))


def concat_checks():
    x = np.random.default_rng(6).standard_normal((1, 3, 32, 32)).astype(np.float32)
    path, want = export("concat_net", randomise_bn(ConcatNet()), x)

    def same_answers():
        for level, env in ((1, None), (0, None), (1, {"TCC_NO_NHWC": "1"})):
            close(run(path, x, level, env)[0], want, f"O{level} {env or ''}")

    def concats_and_bns():
        kernels = run(path, x)[1]
        if "BatchNormalization" in kernels:
            raise AssertionError(f"BatchNormalization still runs: {kernels['BatchNormalization']}")
        cats = kernels.get("Concat", [])
        if len(cats) != 5 or not all(k.startswith("oneDNN concat") for k in cats):
            raise AssertionError(f"Concat nodes: {cats}")

    def no_reorders_between_ops():
        n = reorders_per_run(path, x)
        if n > 2:	# the input, and the output back to NCHW
            raise AssertionError(f"{n} reorders per run")

    check("fire + dense blocks: outputs match PyTorch at -O1, -O0 and without NHWC", same_answers)
    check("fire + dense blocks: Concats run on oneDNN, BNs after them become generated loops", concats_and_bns)
    check("fire + dense blocks: activations stay NHWC through the Concats", no_reorders_between_ops)


class Pads(nn.Module):
    """Zero pads before a conv and a pool (folded), a pad of ones and a crop (kept)."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        y = self.c1(nn.functional.pad(x, (1, 2, 0, 1)))
        y = nn.functional.avg_pool2d(nn.functional.pad(y, (1, 1, 1, 1)), 2)
        y = self.c2(nn.functional.pad(y, (1, 1, 1, 1), value=1.0))
        return nn.functional.pad(y, (-1, 0, 0, -1))


def pad_checks():
    x = np.random.default_rng(8).standard_normal((1, 3, 17, 16)).astype(np.float32)
    path, want = export("pads", Pads().eval(), x)

    def same_answers():
        for level in (1, 0):
            close(run(path, x, level)[0], want, f"O{level}")

    def zero_pads_folded():
        pads = run(path, x)[1].get("Pad", [])
        if len(pads) != 2:	# the pad of ones and the crop
            raise AssertionError(f"Pad nodes left: {pads}")

    check("zero Pads before a Conv and an AveragePool: outputs match PyTorch", same_answers)
    check("zero Pads fold into the Conv's and the pool's pads; others stay", zero_pads_folded)


class GatedDecoder(nn.Module):
    """A U-Net step: ConvTranspose up, Concat skip, and a one-channel spatial gate (C = 1)."""

    def __init__(self):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.LeakyReLU(0.1))
        self.e2 = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.GELU())
        self.up = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.d = nn.Sequential(nn.Conv2d(32, 16, 3, padding=1), nn.ReLU6(), nn.Conv2d(16, 4, 1))
        self.att = nn.Conv2d(16, 1, 1)

    def forward(self, x):
        a = self.e1(x)
        u = torch.relu(self.up(self.e2(a)))
        y = self.d(torch.cat([u, a], 1))
        return y * torch.sigmoid(self.att(a)) + 0.5 * torch.tanh(y)


def gate_checks():
    x = np.random.default_rng(9).standard_normal((2, 3, 20, 24)).astype(np.float32)
    path, want = export("gated_decoder", randomise_bn(GatedDecoder()), x)

    def same_answers():
        for level, env in ((1, None), (0, None), (1, {"TCC_NO_NHWC": "1"})):
            close(run(path, x, level, env)[0], want, f"O{level} {env or ''}")

    def nhwc_kept():	# a [N, 1, H, W] tensor is the same bytes in both layouts: no reason to give up
        n = reorders_per_run(path, x)
        if n > 2:	# the input, and the output back to NCHW
            raise AssertionError(f"{n} reorders per run")

    check("gated decoder (ConvTranspose, Concat, 1-channel gate): outputs match PyTorch", same_answers)
    check("gated decoder: a one-channel gate does not turn NHWC off", nhwc_kept)


block_checks("mobilenetv3_block", nn.Hardswish, nn.Hardsigmoid, ["HardSwish", "HardSigmoid"])
gate_checks()
pad_checks()
concat_checks()
block_checks("efficientnet_block", nn.SiLU, nn.Sigmoid, ["Sigmoid"])

print(f"1..{len(results)}")
for i, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}" + ("" if ok else f"\n# {why}"))
sys.exit(0 if all(r[0] for r in results) else 1)
