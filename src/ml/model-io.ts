// A TensorFlow.js IOHandler for plain folders (tfjs's file:// handler lives only in tfjs-node):
// model.json (topology + weights manifest, the layout tfjs writes) and one weights shard.
// Every file is written to a temporary name, fsynced, then renamed, so a reader never sees
// half a file; the model store adds the same guarantee for a whole version folder.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'group1-shard1of1.bin';

/** Writes `data` to `path` atomically: temporary file in the same folder, fsync, rename. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'w');
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** fsync a folder so a rename inside it survives a crash. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic there.
  }
}

function joinWeights(data: tfjs.io.WeightData): Uint8Array {
  return Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
}

/** An IOHandler that saves to and loads from `dir` (which must exist). */
export function folderHandler(dir: string): tfjs.io.IOHandler {
  return {
    async save(artifacts: tfjs.io.ModelArtifacts): Promise<tfjs.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('binary model topologies are not supported');
      const weights = artifacts.weightData ? joinWeights(artifacts.weightData) : new Uint8Array(0);
      const modelJson: tfjs.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
      const json = JSON.stringify(modelJson);
      writeFileAtomic(join(dir, MODEL_JSON), json);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: json.length,
          weightSpecsBytes: JSON.stringify(modelJson.weightsManifest).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tfjs.io.ModelArtifacts> {
      const modelJson = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as tfjs.io.ModelJSON;
      const specs: tfjs.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          if (p.includes('/') || p.includes('\\') || p.startsWith('.')) throw new Error(`weights path ${p} in ${dir} leaves the model folder`);
          buffers.push(readFileSync(join(dir, p)));
        }
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      return {
        modelTopology: withoutInitializers(modelJson.modelTopology),
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        userDefinedMetadata: modelJson.userDefinedMetadata,
        weightSpecs: specs,
        weightData,
      };
    },
  };
}

/**
 * The topology with every weight initializer replaced by zeros. Loading builds each layer (which
 * runs its initializer) before the saved weights overwrite it: for ResNet-50 drawing 25 million
 * random numbers is a large part of a cold start, and zeros cost almost nothing.
 */
export function withoutInitializers<T>(topology: T): T {
  if (Array.isArray(topology)) return topology.map((v) => withoutInitializers(v)) as T;
  if (topology === null || typeof topology !== 'object') return topology;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(topology)) {
    out[k] = k.endsWith('_initializer') && v !== null && typeof v === 'object' ? { class_name: 'Zeros', config: {} } : withoutInitializers(v);
  }
  return out as T;
}
