# SPDX-License-Identifier: MIT
"""The five model families of issue 4, written out in plain PyTorch.

torchvision is not packaged for Debian's python3-torch, so ResNet and
MobileNetV2 follow the torchvision definitions by hand; the transformer
blocks are hand-written too so that the exported graph is the ops
torch.onnx emits at opset 13 (LayerNorm and GELU decomposed, attention as
MatMul/Softmax, masks as Where/Add) rather than a fused fast path.
Small sizes keep the parity suite inside its CI budget.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, sizes=(64, 256, 256, 10)):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.act = nn.GELU()

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i + 1 < len(self.layers):
                x = self.act(x)
        return x


# --- ResNet (torchvision.models.resnet, v1.5: stride in the 3x3 conv) ---------------------------

def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * self.expansion
        self.body = nn.Sequential(conv_bn(cin, width, 3, stride), nn.ReLU(inplace=True),
                                  conv_bn(width, cout, 3))
        self.down = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.down(x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * self.expansion
        self.body = nn.Sequential(conv_bn(cin, width, 1), nn.ReLU(inplace=True),
                                  conv_bn(width, width, 3, stride), nn.ReLU(inplace=True),
                                  conv_bn(width, cout, 1))
        self.down = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.down(x))


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=100):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 64, 7, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for i, n in enumerate(layers):
            width = 64 << i
            for j in range(n):
                blocks.append(block(cin, width, 2 if i > 0 and j == 0 else 1))
                cin = width * block.expansion
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.pool(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(x, 1))


def resnet18():
    return ResNet(BasicBlock, [2, 2, 2, 2])


def resnet50():
    return ResNet(Bottleneck, [3, 4, 6, 3])


# --- MobileNetV2 (torchvision.models.mobilenetv2) -------------------------------------------------

def conv_bn_relu6(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(*conv_bn(cin, cout, k, stride, groups), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [conv_bn_relu6(cin, hidden, 1)] if expand != 1 else []
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),  # depthwise
                   *conv_bn(hidden, cout, 1)]                                # linear bottleneck
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(nn.Module):
    # expansion t, channels c, repeats n, stride s (the paper's table 2)
    CONFIG = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
              (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, num_classes=100):
        super().__init__()
        layers, cin = [conv_bn_relu6(3, 32, 3, 2)], 32
        for t, c, n, s in self.CONFIG:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(conv_bn_relu6(cin, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


# --- Transformers -------------------------------------------------------------------------------

class SelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def split(self, x):
        b, t, _ = x.shape
        return x.reshape(b, t, self.heads, self.dh).transpose(1, 2)

    def forward(self, x, bias=None, keep=None):
        """@bias is added to the scores (BERT's padding mask); where @keep is
        False a score is replaced by the lowest float (GPT-2's causal mask)."""
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.dh)
        if bias is not None:
            scores = scores + bias
        if keep is not None:
            scores = torch.where(keep, scores, torch.tensor(torch.finfo(scores.dtype).min))
        y = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2)
        return self.o(y.reshape(x.shape))


class BertLayer(nn.Module):
    """Post-LN encoder layer as in BERT: attention, add & norm, GELU FFN, add & norm."""

    def __init__(self, d, heads, ffn):
        super().__init__()
        self.attn = SelfAttention(d, heads)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, ffn), nn.GELU(), nn.Linear(ffn, d))

    def forward(self, x, bias):
        x = self.ln1(x + self.attn(x, bias))
        return self.ln2(x + self.ffn(x))


class BertEncoder(nn.Module):
    def __init__(self, vocab=1000, d=64, heads=4, ffn=256, layers=2, max_len=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_len, d)
        self.ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList(BertLayer(d, heads, ffn) for _ in range(layers))
        self.register_buffer("positions", torch.arange(max_len))

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.ln(self.tok(input_ids) + self.pos(self.positions[:t]))
        # BERT's additive mask: 0 where attended, -10000 on padding.
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


def gelu_tanh(x):
    """GPT-2's GELU, written out so it exports as Pow/Mul/Add/Tanh."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Block(nn.Module):
    """Pre-LN decoder block: causal self-attention and a GELU-tanh MLP."""

    def __init__(self, d, heads, max_len):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads)
        self.fc, self.proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.register_buffer("causal", torch.tril(torch.ones(max_len, max_len, dtype=torch.bool)))

    def forward(self, x):
        t = x.shape[1]
        x = x + self.attn(self.ln1(x), keep=self.causal[:t, :t])
        return x + self.proj(gelu_tanh(self.fc(self.ln2(x))))


class GPT2(nn.Module):
    def __init__(self, vocab=1000, d=64, heads=4, layers=2, max_len=64):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList(GPT2Block(d, heads, max_len) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("positions", torch.arange(max_len))

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.wte(input_ids) + self.wpe(self.positions[:t])
        for block in self.blocks:
            x = block(x)
        # Tied embeddings: the LM head reuses the token embedding matrix.
        return self.ln_f(x) @ self.wte.weight.t()
