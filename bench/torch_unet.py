#!/usr/bin/python3
"""The PyTorch side of `npm run bench -- engine`: the same U-Net, loss and optimizer step on the CPU.

Used only by the benchmark (Debian python3-torch). Mirrors nnU-Net's PlainConvUNet as nnSeg's
network/ builds it: per stage n_conv x (conv k3 + bias -> InstanceNorm(eps 1e-5, affine) ->
LeakyReLU 0.01), the first conv of a stage strided, transposed conv (kernel = stride) with bias
for upsampling, skip concat, 1x1x1 heads with deep supervision. Loss 1.5 soft Dice (no background,
smooth 1e-5) + 0.5 CE per output, deep-supervision weights 1/2^i with the lowest output at 0,
normalised; SGD lr 1e-2, momentum 0.99, Nesterov, weight decay 3e-5, gradient norm clipped at 12.

Prints one JSON object: {"trainStepMs": [...], "inference128Ms": [...], "threads": n, "torch": version}.
"""
import argparse
import json
import os
import time

import torch
from torch import nn


def conv_block(cin, cout, stride):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, stride, 1, bias=True),
        nn.InstanceNorm3d(cout, eps=1e-5, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
    )


class UNet(nn.Module):
    def __init__(self, cin, features, strides, n_conv, classes):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for f, s in zip(features, strides):
            self.enc.append(nn.Sequential(conv_block(c, f, s), *[conv_block(f, f, 1) for _ in range(n_conv - 1)]))
            c = f
        self.up, self.dec, self.heads = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for s in range(len(features) - 1, 0, -1):
            below, skip = features[s], features[s - 1]
            self.up.append(nn.ConvTranspose3d(below, skip, strides[s], strides[s], bias=True))
            self.dec.append(nn.Sequential(conv_block(2 * skip, skip, 1), *[conv_block(skip, skip, 1) for _ in range(n_conv - 1)]))
            self.heads.append(nn.Conv3d(skip, classes, 1, 1, 0, bias=True))

    def forward(self, x):
        skips = []
        for stage in self.enc:
            x = stage(x)
            skips.append(x)
        outs = []
        x = skips[-1]
        for i in range(len(self.dec)):
            x = self.up[i](x)
            x = torch.cat((x, skips[-(i + 2)]), 1)
            x = self.dec[i](x)
            outs.append(self.heads[i](x))
        return outs[::-1]


def soft_dice(logits, onehot, smooth=1e-5):
    p = torch.softmax(logits, 1)[:, 1:]
    y = onehot[:, 1:]
    axes = tuple(range(2, logits.ndim))
    inter = (p * y).sum(axes)
    denom = p.sum(axes) + y.sum(axes)
    return -((2 * inter + smooth) / torch.clip(denom + smooth, 1e-8)).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--patch', type=int, default=64)
    ap.add_argument('--batch', type=int, default=2)
    ap.add_argument('--classes', type=int, default=3)
    ap.add_argument('--infer', type=int, default=128)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    features, strides = [16, 32, 64, 128], [1, 2, 2, 2]
    net = UNet(1, features, strides, 2, a.classes)
    opt = torch.optim.SGD(net.parameters(), lr=1e-2, momentum=0.99, nesterov=True, weight_decay=3e-5)
    x = torch.randn(a.batch, 1, a.patch, a.patch, a.patch)
    seg = torch.randint(0, a.classes, (a.batch, a.patch, a.patch, a.patch))
    n_out = len(features) - 1
    w = [1 / 2 ** i for i in range(n_out)]
    w[-1] = 0
    w = [v / sum(w) for v in w]
    targets = [seg[:, ::2 ** i, ::2 ** i, ::2 ** i].contiguous() for i in range(n_out)]
    onehots = [nn.functional.one_hot(t, a.classes).permute(0, 4, 1, 2, 3).float() for t in targets]
    ce = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        outs = net(x)
        loss = 0
        for o, t, oh, wi in zip(outs, targets, onehots, w):
            if wi == 0:
                continue
            loss = loss + wi * (1.5 * soft_dice(o, oh) + 0.5 * ce(o, t))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 12)
        opt.step()
        return float(loss)

    def timed(f, runs, warmup):
        for _ in range(warmup):
            f()
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            f()
            out.append((time.perf_counter() - t0) * 1000)
        return out

    train = timed(step, a.runs, a.warmup)
    xi = torch.randn(1, 1, a.infer, a.infer, a.infer)

    def infer():
        with torch.no_grad():
            net(xi)[0].sum().item()

    inference = timed(infer, max(2, a.runs - 2), 1) if a.infer > 0 else []
    print(json.dumps({'trainStepMs': train, 'inference128Ms': inference, 'threads': a.threads, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
