import { kernelSuite } from './kernelSuite';

// The plain-tfjs path (composite ops with autodiff): the same checks, so a fallback is never wrong.
kernelSuite('cpu');
