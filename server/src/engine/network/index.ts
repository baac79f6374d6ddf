/**
 * The U-Net and its training pieces, for the training and inference stages:
 *   const compute = await selectCompute();                 // compute/select.ts
 *   const net = new UNet(unetConfigFromPlans(plans.configurations['3d_fullres'], 1, numClasses));
 *   const opt = new SGD({ lr: polyLR(1e-2, epoch, 1000) });
 *   const { loss } = trainStep(net, opt, x, targets, { loss: { weightDice: 1.5, weightCE: 0.5 } });
 *   const logits = inferLogits(net, patch);                 // [N, ...patch, classes]
 */
export { UNet, type Param } from './unet';
export { unetConfigFromPlans, totalStride, type UNetConfig } from './config';
export { SGD, polyLR, clipGradNorm, type SGDOptions } from './optimizer';
export { trainStep, inferLogits, type TrainStepOptions } from './train';
