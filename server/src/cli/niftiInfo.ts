import { UsageError } from '../util/errors';
import { type CliCommand, flag, printJson } from './command';
import { affineOf, datatypeByCode, orientationCode, readNifti, readNiftiHeader, scalingOf, voxelStats, type VoxelStats } from '../engine/io';

const fmt = (x: number | null) => (x === null ? 'n/a' : Number.isInteger(x) ? String(x) : x.toPrecision(7));

const command: CliCommand = {
  name: 'nifti-info',
  summary: 'Print a NIfTI header, geometry and voxel statistics',
  usage: 'nnseg nifti-info FILE [--json]',
  options: {},
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`Give exactly one NIfTI file. Usage: ${command.usage}`);
    const file = args.positionals[0];
    const header = await readNiftiHeader(file);
    const { affine, source } = affineOf(header, file);
    // Stats from the stored values with float64 scaling: no float32 rounding, no float copy.
    const dt = datatypeByCode(header.datatypeCode)!;
    let stats: VoxelStats | null = null;
    if (dt.components === 1) {
      const vol = await readNifti(file, { raw: true });
      const { slope, inter } = scalingOf(header, file);
      stats = voxelStats(vol.data, slope, inter);
    } else {
      await readNifti(file, { raw: true }); // still checks the voxel data is all there
    }
    const info = {
      file,
      version: header.version,
      datatype: header.datatype,
      datatypeCode: header.datatypeCode,
      littleEndian: header.littleEndian,
      dim: header.dim,
      pixdim: header.pixdim,
      sclSlope: header.sclSlope,
      sclInter: header.sclInter,
      qformCode: header.qformCode,
      sformCode: header.sformCode,
      affine,
      affineSource: source,
      orientation: orientationCode(affine),
      stats,
    };
    if (flag(args, 'json')) {
      printJson(io, info);
      return 0;
    }
    const n = header.dim[0];
    const lines = [
      `${file}`,
      `  NIfTI-${header.version}, ${header.littleEndian ? 'little' : 'big'}-endian, ${header.datatype} (code ${header.datatypeCode}), ${header.dim.slice(1, n + 1).join(' x ')}`,
      `  voxel size ${header.pixdim.slice(1, Math.min(n, 3) + 1).map(fmt).join(' x ')} ${header.spatialUnits === 'unknown' ? '(units not set)' : header.spatialUnits}${n >= 4 ? `, step ${fmt(header.pixdim[4])} ${header.temporalUnits}` : ''}`,
      `  scaling slope ${fmt(header.sclSlope)} inter ${fmt(header.sclInter)}; qform_code ${header.qformCode}, sform_code ${header.sformCode}`,
      `  orientation ${info.orientation}, affine from ${source}:`,
      ...affine.map((r) => '    ' + r.map((x) => fmt(x).padStart(12)).join(' ')),
      stats
        ? `  values min ${fmt(stats.min)} max ${fmt(stats.max)} mean ${fmt(stats.mean)} sum ${fmt(stats.sum)} over ${stats.count} voxels${stats.nonFinite ? ` (${stats.nonFinite} NaN/Inf left out)` : ''}`
        : `  values: ${dt.components} components per voxel (${header.datatype}), no scalar statistics`,
      ...(header.extensions.length ? [`  extensions: ${header.extensions.map((x) => `code ${x.code} (${x.data.length} bytes)`).join(', ')}`] : []),
      ...(header.descrip ? [`  description: ${header.descrip}`] : []),
    ];
    io.out(lines.join('\n') + '\n');
    return 0;
  },
};
export default command;
