/**
 * The engine's image layer: NIfTI-1/2 reading and writing, and volume geometry. See README.md here.
 */
export type { TypedArray, DatatypeName, Datatype } from './datatypes';
export { DATATYPES, datatypeByCode, datatypeByName } from './datatypes';
export { NiftiError } from './errors';
export type { NiftiHeader, NiftiExtension, SpatialUnits, TemporalUnits } from './header';
export { NIFTI_INTENT_LABEL, voxelCount } from './header';
export type { NiftiVolume, ReadOptions } from './read';
export { readNifti, readNiftiHeader, defaultMaxBytes, scalingOf } from './read';
export type { Mat4, AffineSource } from './geometry';
export { affineOf, spacingOf, orientationCode, ioOrientation, affineVoxelSizes, invertAffine, matMul } from './geometry';
export { affineToQform, qformAffine, sformAffine, pixdimAffine, voxelSizes } from './geometry';
export type { WriteOptions } from './write';
export { writeNifti, headerForWrite } from './write';
export type { AxisOrientation, Reoriented } from './reorient';
export { reorientToCanonical, reorientFromCanonical, reorientData, canonicalOrientation, invertOrientation, reorientAffine } from './reorient';
export type { GeometryDifference, GeometryTolerances } from './compare';
export { compareGeometry } from './compare';
export type { VoxelStats } from './stats';
export { voxelStats } from './stats';
