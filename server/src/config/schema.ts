import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/version';

/** A JSON schema node, as far as nnSeg reads it. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  enumDescriptions?: string[];
  default?: unknown;
  /** nnU-Net v2's value: what the 'baseline' preset uses. */
  'x-nnunet'?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
  [key: string]: unknown;
}

export const experimentSchemaPath = path.join(packageRoot, 'schemas', 'experiment.schema.json');
export const experimentSchemaUri = 'https://nnseg.dev/schemas/experiment.schema.json';

let cached: SchemaNode | undefined;

export function experimentSchema(): SchemaNode {
  cached ??= JSON.parse(fs.readFileSync(experimentSchemaPath, 'utf8')) as SchemaNode;
  return cached;
}

/** The node with its $ref resolved (siblings of $ref, like default and description, win). */
export function deref(node: SchemaNode, root: SchemaNode = experimentSchema()): SchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.replace('#/definitions/', '');
  const target = root.definitions?.[name];
  if (!target) throw new Error(`schema: unresolved $ref ${node.$ref}`);
  const { $ref: _ref, ...rest } = node;
  return { ...target, ...rest, $refName: name };
}

export type JsonPath = (string | number)[];

/** The schema node describing the value at `path` (array indices step into `items`). */
export function schemaAt(path: JsonPath, root: SchemaNode = experimentSchema()): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const seg of path) {
    if (!node) return undefined;
    node = deref(node, root);
    if (typeof seg === 'number') node = node.items;
    // Own keys only: a config key like "constructor" must not find Object.prototype's.
    else node = node.properties && Object.hasOwn(node.properties, seg) ? node.properties[seg] : undefined;
  }
  return node ? deref(node, root) : undefined;
}

export type Preset = 'improved' | 'baseline';

/** The default of one schema node under a preset: `default` for improved, `x-nnunet` for baseline. */
export function defaultFor(node: SchemaNode, preset: Preset): unknown {
  if (preset === 'baseline' && node['x-nnunet'] !== undefined) return node['x-nnunet'];
  return node.default;
}

/** Every default of the schema under a preset, as one object (objects always present). */
export function presetDefaults(preset: Preset, node: SchemaNode = experimentSchema()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(node.properties ?? {})) {
    if (key === '$schema') continue;
    const prop = deref(raw);
    if (prop.type === 'object' && prop.properties) out[key] = presetDefaults(preset, prop);
    else {
      const d = defaultFor(prop, preset);
      if (d !== undefined) out[key] = structuredClone(d);
    }
  }
  return out;
}
