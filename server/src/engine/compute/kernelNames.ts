/**
 * The contract between the network code and the compute paths (wasm kernels, native oneDNN kernels).
 *
 * Both paths plug in the same way: they register tfjs kernels, by name, on their tfjs backend
 * (`wasm` or `cpu`) with `tf.registerKernel`. Standard kernels (Conv3D, Conv3DBackpropInputV2,
 * Conv3DBackpropFilterV2, Conv2D, ...) are replaced under their tfjs names, so every tf op and its
 * gradient uses them. The fused layers the U-Net needs are custom kernels under the names below,
 * called by the backend-agnostic ops in `compute/ops/`, which fall back to composite tf ops when the
 * active backend has no such kernel.
 *
 * Layouts are tfjs's: activations NDHWC (N, D, H, W, C), conv filters DHWIO (kd, kh, kw, Cin, Cout).
 */

/**
 * Fused conv + bias + instance norm (affine) + leaky ReLU, forward.
 * inputs:  x [N,D,H,W,Ci], filter [kd,kh,kw,Ci,Co], bias [Co], gamma [Co], beta [Co]
 * attrs:   { strides: [sd,sh,sw], eps: number (1e-5), slope: number (0.01), pads?: [pd,ph,pw] }
 *          pads absent: 'same' padding by tfjs's rule. pads present: symmetric zero padding of pads[i] on
 *          both sides of axis i, output size floor((in + 2p - k) / s) + 1 (PyTorch's Conv3d(padding=p) rule,
 *          which nnU-Net uses: p = (k-1)/2). The two differ only for stride 2 on even sizes; the network
 *          always passes pads so its weights and outputs match PyTorch's PlainConvUNet.
 *          D = 1 with kd = 1 is valid (the 2D configuration runs as 3D with one slice).
 * outputs: out [N,D',H',W',Co] (activated), conv [N,D',H',W',Co] (conv + bias, before the norm),
 *          mean [N,Co], invStd [N,Co]
 * 2D variant: the same names with the `2D` suffix and NHWC / HWIO layouts.
 */
export const CONV_NORM_ACT = 'NnsegConvNormAct';

/**
 * Backward of CONV_NORM_ACT.
 * inputs:  dy [N,D',H',W',Co], x, filter, conv, mean, invStd, gamma, beta
 * attrs:   as the forward, plus optional inputGrad: false when x needs no gradient (the network's input);
 *          a kernel may then return zeros for dx without computing it
 * outputs: dx, dfilter, dbias, dgamma, dbeta
 */
export const CONV_NORM_ACT_GRAD = 'NnsegConvNormActGrad';

/**
 * Transposed convolution with kernel 2 and stride 2 on every pooled axis (the U-Net's upsampling).
 * inputs:  x [N,D,H,W,Ci], filter [kd,kh,kw,Co,Ci] (tf.conv3dTranspose's layout)
 * attrs:   { strides: [sd,sh,sw] } (each 1 or 2, equal to the kernel size on that axis); no bias (the op adds it)
 * outputs: y [N,D*sd,H*sh,W*sw,Co]
 */
export const UP_CONV = 'NnsegUpConv';

/**
 * Backward of UP_CONV.
 * inputs:  dy, x, filter   outputs: dx, dfilter
 */
export const UP_CONV_GRAD = 'NnsegUpConvGrad';

export const customKernelNames = [CONV_NORM_ACT, CONV_NORM_ACT_GRAD, UP_CONV, UP_CONV_GRAD] as const;

/** The compute paths, fastest first where available. */
export type ComputePath = 'tensorflow' | 'native' | 'wasm' | 'cpu';
