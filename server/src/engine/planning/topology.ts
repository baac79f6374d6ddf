/**
 * U-Net topology from spacing and patch size: nnU-Net v2's get_pool_and_conv_props
 * (nnunetv2/experiment_planning/experiment_planners/network_topology.py), rule for rule.
 *
 * Pool an axis while its feature map is at least 2x the minimum edge and its spacing is within a factor 2 of
 * the finest valid axis; a lone poolable axis needs 3x the minimum edge. Conv kernels start at 1 on axes that
 * are much coarser and become 3 (for good) once the axis spacing gets within a factor 2 of the finest.
 */

export interface Topology {
  numPoolPerAxis: number[];
  /** Per stage; the first is all ones. */
  poolOpKernelSizes: number[][];
  /** Per stage, including the bottleneck (always 3s). */
  convKernelSizes: number[][];
  /** The patch size padded so every axis is divisible by 2^numPool. */
  patchSize: number[];
  mustBeDivisibleBy: number[];
}

/** The network's total stride per axis: the product of every stage's pooling stride. */
export function totalStrides(strides: number[][]): number[] {
  return strides.reduce((acc, s) => acc.map((v, i) => v * s[i]), strides[0]?.map(() => 1) ?? []);
}

/** Axes of `patch` not divisible by `total`, said as "18 on axis 0 (stride 4)"; empty when it fits. */
export function strideMismatches(patch: number[], total: number[]): string[] {
  return patch.flatMap((p, a) => (p % total[a] !== 0 ? [`${p} on axis ${a} (stride ${total[a]})`] : []));
}

/** nnU-Net's pad_shape: rounds each axis up to a multiple (an exact multiple stays). */
export function padShape(shape: number[], divisibleBy: number[]): number[] {
  return shape.map((s, i) => {
    const d = divisibleBy[i];
    let n = s + d - (s % d);
    if (s % d === 0) n -= d;
    return Math.trunc(n);
  });
}

export function getPoolAndConvProps(
  spacing: number[],
  patchSize: number[],
  minFeatureMapSize: number,
  maxNumPool = 999999,
): Topology {
  const dim = spacing.length;
  const currentSpacing = spacing.slice();
  const currentSize = patchSize.slice();
  const poolOpKernelSizes: number[][] = [new Array(dim).fill(1)];
  const convKernelSizes: number[][] = [];
  const numPoolPerAxis = new Array(dim).fill(0);
  const kernelSize = new Array(dim).fill(1);

  for (;;) {
    let valid = range(dim).filter((i) => currentSize[i] >= 2 * minFeatureMapSize);
    if (valid.length < 1) break;
    const minSpacingOfValid = Math.min(...valid.map((i) => currentSpacing[i]));
    valid = valid.filter((i) => currentSpacing[i] / minSpacingOfValid < 2);
    valid = valid.filter((i) => numPoolPerAxis[i] < maxNumPool);
    if (valid.length === 1 && !(currentSize[valid[0]] >= 3 * minFeatureMapSize)) break;
    if (valid.length < 1) break;

    const minSpacing = Math.min(...currentSpacing);
    for (let d = 0; d < dim; d++) {
      if (kernelSize[d] !== 3 && currentSpacing[d] / minSpacing < 2) kernelSize[d] = 3;
    }
    const pool = new Array(dim).fill(1);
    for (const v of valid) {
      pool[v] = 2;
      numPoolPerAxis[v] += 1;
      currentSpacing[v] *= 2;
      currentSize[v] = Math.ceil(currentSize[v] / 2);
    }
    poolOpKernelSizes.push(pool);
    convKernelSizes.push(kernelSize.slice());
  }

  const mustBeDivisibleBy = numPoolPerAxis.map((n) => 2 ** n);
  convKernelSizes.push(new Array(dim).fill(3));
  return {
    numPoolPerAxis,
    poolOpKernelSizes,
    convKernelSizes,
    patchSize: padShape(patchSize, mustBeDivisibleBy),
    mustBeDivisibleBy,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
