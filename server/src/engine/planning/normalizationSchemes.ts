/**
 * nnU-Net's channel-name -> normalisation mapping (map_channel_name_to_normalization.py): "CT" gets the
 * dataset-wide clip-and-scale, a few names pick other schemes, everything else is per-image z-score.
 */
const BY_NAME: Record<string, string> = {
  ct: 'CTNormalization',
  nonorm: 'NoNormalization',
  zscore: 'ZScoreNormalization',
  rescale_to_0_1: 'RescaleTo01Normalization',
  rgb_to_0_1: 'RGBTo01Normalization',
};

export const NORMALIZATION_SCHEMES = Object.values(BY_NAME);

export function normalizationSchemeFor(channelName: string): string {
  return BY_NAME[channelName.toLowerCase()] ?? 'ZScoreNormalization';
}

/**
 * Whether the nonzero mask is used for normalisation: only when cropping to the nonzero region shrinks the
 * median image below 3/4 of its size, and then only for schemes that leave the outside at zero (z-score).
 */
export function usesMaskForNorm(medianRelativeSizeAfterCropping: number): boolean {
  return medianRelativeSizeAfterCropping < 3 / 4;
}
