// The engine's parametrised kernel suite (test/unit/compute/kernelSuite.ts) on the native path.
import { kernelSuite } from '../compute/kernelSuite';
import { skipNoNative } from './helpers';

kernelSuite('native', skipNoNative);
