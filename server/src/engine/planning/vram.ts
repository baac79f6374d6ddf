/**
 * The planner's memory proxy: the total number of feature-map elements a PlainConvUNet produces for one
 * patch, as dynamic_network_architectures' compute_conv_feature_map_size (encoder + decoder, no deep
 * supervision heads except the last, which is what the planner instantiates). nnU-Net compares it against a
 * reference value scaled to the memory budget; it is not bytes.
 */

export interface UNetShape {
  featuresPerStage: number[];
  strides: number[][];
  nConvPerStage: number[];
  nConvPerStageDecoder: number[];
  numClasses: number;
  deepSupervision?: boolean;
}

export function convFeatureMapSize(patchSize: number[], net: UNetShape): number {
  const n = net.featuresPerStage.length;
  let total = 0;
  // encoder: the first conv of a stage carries the stride, the rest run at the strided size
  let size = patchSize.slice();
  const stageSizes: number[][] = [];
  for (let s = 0; s < n; s++) {
    const after = size.map((v, i) => Math.floor(v / net.strides[s][i]));
    total += net.nConvPerStage[s] * net.featuresPerStage[s] * product(after);
    stageSizes.push(after);
    size = after;
  }
  // decoder, from the bottleneck up: convs, transposed conv, segmentation head
  for (let s = 0; s < n - 1; s++) {
    const skip = stageSizes[n - 2 - s];
    const f = net.featuresPerStage[n - 2 - s];
    total += net.nConvPerStageDecoder[s] * f * product(skip);
    total += f * product(skip);
    if (net.deepSupervision || s === n - 2) total += net.numClasses * product(skip);
  }
  return total;
}

function product(v: number[]): number {
  return v.reduce((a, b) => a * b, 1);
}
