import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as jsonc from 'jsonc-parser';
import type { ExperimentConfig, ResolvedExperimentConfig } from './experimentConfig.generated';
import { experimentSchema, presetDefaults, type Preset } from './schema';
import { NnsegError } from '../util/errors';

export class ConfigError extends NnsegError {}

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(value: unknown): string | undefined {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    ajv.addKeyword('x-nnunet');
    ajv.addKeyword('enumDescriptions');
    validator = ajv.compile(experimentSchema());
  }
  if (validator(value)) return undefined;
  const e = validator.errors![0];
  // ajv's message for these two leaves out what the user must change.
  const detail =
    e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params.additionalProperty)})` : e.keyword === 'enum' ? ` (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})` : '';
  return `${e.instancePath || '(root)'} ${e.message}${detail}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(base[k]) ? merge(base[k] as Record<string, unknown>, v) : v;
  return out;
}

/**
 * Fills in the preset's defaults (from the schema) and validates the result with ajv.
 * `source` names the file in error messages.
 */
export function resolveConfig(raw: unknown, source: string): ResolvedExperimentConfig {
  const first = validate(raw);
  if (first) throw new ConfigError(`${source}: invalid config: ${first}.`, source);
  const cfg = raw as ExperimentConfig;
  const preset: Preset = cfg.preset ?? 'improved';
  const { $schema: _s, ...rest } = cfg as ExperimentConfig & Record<string, unknown>;
  const resolved = merge(presetDefaults(preset), rest) as unknown as ResolvedExperimentConfig;
  const again = validate(resolved);
  if (again) throw new ConfigError(`${source}: invalid config after applying the '${preset}' defaults: ${again}.`, source);
  return resolved;
}

/** Parses a *.nnseg.json file (JSON with comments). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the config (${(e as NodeJS.ErrnoException).code ?? e}).`, file);
  }
  const errors: jsonc.ParseError[] = [];
  const value = jsonc.parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const pos = offsetToLineCol(text, errors[0].offset);
    throw new ConfigError(`${file}:${pos}: not valid JSON (${jsonc.printParseErrorCode(errors[0].error)}).`, file);
  }
  // jsonc.parse assigns keys, so a "__proto__" key becomes the object's prototype: invisible to the
  // schema check, yet its "preset" or "loss" would be read as the config's own.
  let proto: number | undefined;
  jsonc.visit(text, { onObjectProperty: (name, offset) => void (name === '__proto__' && (proto ??= offset)) }, { allowTrailingComma: true });
  if (proto !== undefined) throw new ConfigError(`${file}:${offsetToLineCol(text, proto)}: "__proto__" is not a config key.`, file);
  return value;
}

function offsetToLineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
