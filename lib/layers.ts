/**
 * The layering rule of this repository, checked by `layers.test.ts` in `npm test`: each top-level
 * folder is a layer and may import only the layers listed for it (and itself). The base (`lib/`)
 * imports nothing of ours; contracts (`schemas/`) and the engines (`infra/`) build on it; the four
 * layers of the product meet only through contracts and topics; the system tier composes them;
 * entry points (`tools/`) and integration tests (`test/`) may use anything.
 */
import fs from 'node:fs';
import path from 'node:path';

const PRODUCT_LAYERS = ['ingest', 'batch', 'speed', 'serving'] as const;

export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  lib: [],
  schemas: ['lib'],
  infra: ['lib', 'schemas'],
  ingest: ['lib', 'schemas'],
  batch: ['lib', 'schemas'],
  speed: ['lib', 'schemas'],
  serving: ['lib', 'schemas'],
  system: ['lib', 'schemas', 'infra', ...PRODUCT_LAYERS],
  tools: ['lib', 'schemas', 'infra', ...PRODUCT_LAYERS, 'system'],
  test: ['lib', 'schemas', 'infra', ...PRODUCT_LAYERS, 'system', 'tools'],
};

export interface Edge {
  from: string;
  to: string;
}

/** Relative imports of the TypeScript files below `root` (skipping node_modules and build output), as repo-relative paths. */
export function importEdges(root: string, folders: readonly string[] = Object.keys(ALLOWED)): Edge[] {
  const edges: Edge[] = [];
  for (const folder of folders) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !/\.(ts|mts)$/.test(entry.name)) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (/[\\/](node_modules|target)[\\/]/.test(file)) continue;
      const source = fs.readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), match[1]!);
        edges.push({ from: path.relative(root, file), to: path.relative(root, target) });
      }
    }
  }
  return edges;
}

/** The imports that break the rule: into a layer not allowed for the importing one, or out of the repository's layers. */
export function layerViolations(edges: readonly Edge[], allowed: Readonly<Record<string, readonly string[]>> = ALLOWED): string[] {
  const layerOf = (p: string) => p.split(/[\\/]/)[0]!;
  return edges
    .filter(({ from, to }) => {
      const a = layerOf(from);
      const b = layerOf(to);
      return a !== b && !(allowed[a] ?? []).includes(b);
    })
    .map(({ from, to }) => `${from} imports ${to}: ${layerOf(from)}/ may import only ${(allowed[layerOf(from)] ?? []).join(', ') || 'itself'}`);
}
