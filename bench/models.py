# SPDX-License-Identifier: MIT
"""The three benchmark models, with seeded random weights.

Imported by export_models.py (ONNX files for tcc and ONNX Runtime) and by
torch_bench.py (PyTorch runs the very same modules and weights).
torchvision is not a Debian dependency here, so ResNet-18 is written out
by hand, layer for layer as torchvision.models.resnet18 builds it.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234


class MLP(nn.Module):
    """Linear 1024 -> 4096 -> 4096 -> 1024 with GELU between (1.61 GFLOP at batch 32)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1024, 4096)
        self.fc2 = nn.Linear(4096, 4096)
        self.fc3 = nn.Linear(4096, 1024)

    def forward(self, x):
        return self.fc3(F.gelu(self.fc2(F.gelu(self.fc1(x)))))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + idt)


class ResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        # torchvision's init, so activations stay in a realistic range.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.uniform_(m.weight, 0.5, 1.5)
                nn.init.uniform_(m.bias, -0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class EncoderLayer(nn.Module):
    """Pre-LN transformer encoder block: d 512, 8 heads, FFN 2048, GELU."""

    def __init__(self, d=512, heads=8, ffn=2048):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ffn)
        self.fc2 = nn.Linear(ffn, d)

    def forward(self, x):
        b, t, d = x.shape
        h, dh = self.heads, d // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q = q.reshape(b, t, h, dh).transpose(1, 2)
        k = k.reshape(b, t, h, dh).transpose(1, 2)
        v = v.reshape(b, t, h, dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) * (1.0 / math.sqrt(dh)), dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


# name -> (constructor, input name, input shape, GFLOP per run)
MODELS = {
    "mlp": (MLP, "x", (32, 1024), 2 * 32 * (1024 * 4096 + 4096 * 4096 + 4096 * 1024) / 1e9),
    "resnet18": (ResNet18, "image", (1, 3, 224, 224), 3.64),
    "encoder": (EncoderLayer, "x", (1, 128, 512), None),
}


def encoder_gflop(t=128, d=512, ffn=2048):
    linear = 2 * t * (d * 3 * d + d * d + 2 * d * ffn)
    attention = 2 * 2 * t * t * d
    return (linear + attention) / 1e9


def build(name):
    """The module with its seeded weights (same for every runtime), in eval mode."""
    ctor = MODELS[name][0]
    torch.manual_seed(SEED)
    return ctor().eval()


def example_input(name):
    shape = MODELS[name][2]
    g = torch.Generator().manual_seed(SEED + 1)
    return torch.randn(*shape, generator=g)


def gflop(name):
    f = MODELS[name][3]
    return encoder_gflop() if f is None else f
