/**
 * numpy's legacy RandomState (MT19937 seeded with an integer), with the two draws nnU-Net makes:
 * `randint(0, n, size)` (what `choice(a, size, replace=True)` does) and `permutation(n)` (what
 * `choice(n, size, replace=False)` does). Same seed, same numbers as numpy, so nnSeg samples exactly the
 * voxels nnU-Net samples (fingerprint intensities, foreground locations).
 */
/** numpy's rk_interval mask: the smallest all-ones bit pattern covering `max` (rejection sampling draws under it). */
function bitMask(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

export class RandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i in 32-bit arithmetic
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let v = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A value in [0, max] by masked rejection (numpy's random_interval / bounded masked uint32). */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new Error('RandomState.interval: ranges above 2^32 are not supported');
    if (max === 0xffffffff) return this.nextUint32();
    const mask = bitMask(max);
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /**
   * randint(0, n, size) tallied: counts[i] += how often i was drawn. The same stream as `randint`, without
   * a call per draw (the fingerprint draws 1e8 values).
   */
  countDraws(n: number, size: number, counts: Uint32Array): void {
    const max = n - 1;
    if (max === 0) {
      counts[0] += size;
      return;
    }
    if (max >= 0xffffffff) {
      this.randint(n, size, (i) => counts[i]++);
      return;
    }
    const mask = bitMask(max);
    const mt = this.mt;
    let index = this.index;
    let drawn = 0;
    while (drawn < size) {
      if (index >= 624) {
        this.twist();
        index = 0;
      }
      let y = mt[index++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      const v = (y & mask) >>> 0;
      if (v <= max) {
        counts[v]++;
        drawn++;
      }
    }
    this.index = index;
  }

  /** randint(0, n, size): `size` integers in [0, n). `onEach` avoids materialising huge index arrays. */
  randint(n: number, size: number, onEach: (index: number) => void): void {
    const max = n - 1;
    for (let i = 0; i < size; i++) onEach(this.interval(max));
  }

  /** permutation(n): a shuffled 0..n-1 (Fisher-Yates from the end, as numpy's legacy shuffle). */
  permutation(n: number): Int32Array | Float64Array {
    const a = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
