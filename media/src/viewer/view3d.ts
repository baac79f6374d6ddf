/**
 * The 3D render, by niivue (WebGL2 ray casting), created only when a 3D view is asked for: niivue bakes
 * every volume into 3D textures, which a GPU does in milliseconds but a software renderer (SwiftShader)
 * takes seconds for, so the 2D views never wait for it.
 */
import { NVImage, Niivue, SLICE_TYPE } from '@niivue/niivue';

export interface Source3D {
  name: string;
  bytes: ArrayBuffer;
  paired?: ArrayBuffer;
}

export interface Label3D {
  id: string;
  source?: Source3D;
  /** Normalized label values, file order (uint8/uint16). */
  data: Uint8Array | Uint16Array;
  lut: Uint8ClampedArray;
  opacity: number;
}

export class View3D {
  private readonly nv: Niivue;
  private readonly vols = new Map<string, NVImage>();
  private imageVol?: NVImage;
  private ready = false;

  private constructor(readonly canvas: HTMLCanvasElement) {
    this.nv = new Niivue({
      backColor: [0, 0, 0, 1],
      isColorbar: false,
      dragAndDropEnabled: false,
      show3Dcrosshair: true,
      isOrientCube: true,
      logLevel: 'warn',
      loadingText: '',
    });
  }

  static async create(canvas: HTMLCanvasElement): Promise<View3D> {
    const v = new View3D(canvas);
    await v.nv.attachToCanvas(canvas);
    v.nv.setSliceType(SLICE_TYPE.RENDER);
    return v;
  }

  private static async decode(src: Source3D): Promise<NVImage> {
    // prettier-ignore
    return NVImage.new(src.bytes.slice(0), src.name, 'gray', 1, src.paired ? src.paired.slice(0) : null, NaN, NaN, true, 0.02, false, false, '', 0, 0, NaN, NaN, false, null, 0, null);
  }

  async setImage(src: Source3D, lo: number, hi: number, asLabels?: Label3D): Promise<void> {
    const vol = await View3D.decode(src);
    vol.cal_min = lo;
    vol.cal_max = hi;
    if (asLabels) this.applyLabels(vol, asLabels);
    this.imageVol = vol;
    this.nv.addVolume(vol);
    this.ready = true;
  }

  private applyLabels(vol: NVImage, l: Label3D): void {
    const hdr = vol.hdr!;
    vol.img = l.data;
    hdr.datatypeCode = l.data instanceof Uint8Array ? 2 : 512;
    hdr.numBitsPerVoxel = l.data instanceof Uint8Array ? 8 : 16;
    hdr.scl_slope = 1;
    hdr.scl_inter = 0;
    hdr.intent_code = 1002;
    vol.colormapLabel = { lut: l.lut, min: 0, max: l.lut.length / 4 - 1 };
    vol.opacity = l.opacity;
  }

  /** Adds, updates or removes label layers to match `layers` (a layer without source reuses the image's header). */
  async syncLabels(layers: Label3D[], imageSource: Source3D): Promise<void> {
    if (!this.ready || !this.imageVol) return;
    const keep = new Set(layers.map((l) => l.id));
    for (const [id, vol] of this.vols) {
      if (!keep.has(id)) {
        this.nv.removeVolume(vol);
        this.vols.delete(id);
      }
    }
    for (const l of layers) {
      let vol = this.vols.get(l.id);
      if (!vol) {
        vol = await View3D.decode(l.source ?? imageSource);
        this.vols.set(l.id, vol);
        this.applyLabels(vol, l);
        this.nv.addVolume(vol);
      } else this.applyLabels(vol, l);
    }
    this.nv.updateGLVolume();
  }

  setWindow(lo: number, hi: number): void {
    if (!this.imageVol) return;
    this.imageVol.cal_min = lo;
    this.imageVol.cal_max = hi;
    this.nv.updateGLVolume();
  }

  setCrosshair(world: number[]): void {
    if (!this.ready) return;
    this.nv.scene.crosshairPos = this.nv.mm2frac([world[0], world[1], world[2]]);
    this.nv.drawScene();
  }

  resize(): void {
    this.nv.resizeListener();
  }
}
