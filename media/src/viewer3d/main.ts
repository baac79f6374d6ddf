/**
 * The niivue part of the viewer (3D render and image colormaps), a separate bundle the viewer loads
 * only when it is needed: the 2D views start without parsing niivue's 1.5 MB.
 */
import { cmapper } from '@niivue/niivue';
import { View3D } from '../viewer/view3d';

export interface Niivue3D {
  View3D: typeof View3D;
  colormap(name: string): Uint8ClampedArray;
}

(window as unknown as { __nnsegNiivue: Niivue3D }).__nnsegNiivue = {
  View3D,
  colormap: (name: string) => cmapper.colormap(name),
};
