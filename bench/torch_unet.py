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
import resource
import os
import time

import torch
from torch import nn


def conv_block(cin, cout, k, stride):
    return nn.Sequential(
        nn.Conv3d(cin, cout, k, stride, [(v - 1) // 2 for v in k], bias=True),
        nn.InstanceNorm3d(cout, eps=1e-5, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
    )


class UNet(nn.Module):
    """kernels and strides per stage, one entry per axis (3D)."""

    def __init__(self, cin, features, kernels, strides, n_conv, n_conv_dec, classes):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for f, k, s, n in zip(features, kernels, strides, n_conv):
            self.enc.append(nn.Sequential(conv_block(c, f, k, s), *[conv_block(f, f, k, 1) for _ in range(n - 1)]))
            c = f
        self.up, self.dec, self.heads = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for d, s in enumerate(range(len(features) - 1, 0, -1)):
            below, skip, k = features[s], features[s - 1], kernels[s - 1]
            self.up.append(nn.ConvTranspose3d(below, skip, strides[s], strides[s], bias=True))
            self.dec.append(nn.Sequential(conv_block(2 * skip, skip, k, 1), *[conv_block(skip, skip, k, 1) for _ in range(n_conv_dec[d] - 1)]))
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


def check(path):
    """Forward of nnSeg's exported weights and input (JSON) in PyTorch; prints the outputs (NDHWC)."""
    import numpy as np
    spec = json.load(open(path))
    c = spec['config']
    net = UNet(c['inputChannels'], c['featuresPerStage'], c['kernelSizes'], c['strides'], c['nConvPerStage'], c['nConvPerStageDecoder'], c['numClasses'])
    rename = []
    for s, n in enumerate(c['nConvPerStage']):
        for i in range(n):
            rename.append((f'encoder.stages.{s}.0.convs.{i}.conv', f'enc.{s}.{i}.0'))
            rename.append((f'encoder.stages.{s}.0.convs.{i}.norm', f'enc.{s}.{i}.1'))
    for d, n in enumerate(c['nConvPerStageDecoder']):
        rename.append((f'decoder.transpconvs.{d}', f'up.{d}'))
        rename.append((f'decoder.seg_layers.{d}', f'heads.{d}'))
        for i in range(n):
            rename.append((f'decoder.stages.{d}.convs.{i}.conv', f'dec.{d}.{i}.0'))
            rename.append((f'decoder.stages.{d}.convs.{i}.norm', f'dec.{d}.{i}.1'))
    state = {}
    for name, w in spec['weights'].items():
        prefix, leaf = name.rsplit('.', 1)
        target = dict(rename)[prefix] + '.' + leaf
        arr = np.array(w['data'], dtype=np.float32).reshape(w['shape'])
        if arr.ndim == 5:  # conv [k, k, k, Ci, Co] -> [Co, Ci, k, k, k]; transposed conv [k, k, k, Co, Ci] -> [Ci, Co, k, k, k]
            arr = arr.transpose(4, 3, 0, 1, 2)
        state[target] = torch.from_numpy(np.ascontiguousarray(arr))
    net.load_state_dict(state)
    x = torch.from_numpy(np.array(spec['input']['data'], dtype=np.float32).reshape(spec['input']['shape'])).permute(0, 4, 1, 2, 3)
    with torch.no_grad():
        outs = net(x)
    print(json.dumps([o.permute(0, 2, 3, 4, 1).reshape(-1).tolist() for o in outs]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--check', help='JSON with config, weights and input exported by nnSeg: print PyTorch outputs')
    ap.add_argument('--patch', type=int, default=64)
    ap.add_argument('--batch', type=int, default=2)
    ap.add_argument('--classes', type=int, default=3)
    ap.add_argument('--infer', type=int, default=128)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    a = ap.parse_args()
    if a.check:
        check(a.check)
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    features, strides = [16, 32, 64, 128], [[1, 1, 1]] + [[2, 2, 2]] * 3
    net = UNet(1, features, [[3, 3, 3]] * 4, strides, [2] * 4, [2] * 3, a.classes)
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
    # Peak resident memory of training (KiB on Linux), read before inference can raise it.
    train_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    xi = torch.randn(1, 1, a.infer, a.infer, a.infer)

    def infer():
        with torch.no_grad():
            net(xi)[0].sum().item()

    inference = timed(infer, max(2, a.runs - 2), 1) if a.infer > 0 else []
    print(json.dumps({'trainStepMs': train, 'inference128Ms': inference, 'trainPeakMB': train_peak_mb, 'threads': a.threads, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
