/** Axis permutation of a C-order 3D array: output axis k is input axis perm[k] (numpy's transpose). */
export function transpose3<T extends { length: number; [i: number]: number }>(
  data: T,
  shape: number[],
  perm: number[],
  make: (n: number) => T,
): { data: T; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  if (perm[0] === 0 && perm[1] === 1 && perm[2] === 2) return { data, shape: outShape };
  const inStrides = [shape[1] * shape[2], shape[2], 1];
  const s0 = inStrides[perm[0]];
  const s1 = inStrides[perm[1]];
  const s2 = inStrides[perm[2]];
  const out = make(data.length);
  let o = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      let i = a * s0 + b * s1;
      for (let c = 0; c < outShape[2]; c++, i += s2) out[o++] = data[i];
    }
  }
  return { data: out, shape: outShape };
}
