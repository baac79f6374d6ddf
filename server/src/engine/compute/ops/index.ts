export { convNormAct, type ConvNormActOptions } from './convNormAct';
export { upConv } from './upConv';
export { convBias } from './conv';
export { concatChannels, splitChannels, sumToChannels } from './channels';
export { diceCELoss, deepSupervisionLoss, deepSupervisionWeights, type DiceCEOptions } from './loss';
export { forceComposite, hasKernels } from './available';
