// Where the study keeps what one notebook measured for the next to read: results/study/.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../bench/index.js';

export function studyDir(): string {
  return join(resultsDir(), 'study');
}

export function saveStudyResult(name: string, value: unknown): string {
  const dir = studyDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

export function loadStudyResult<T>(name: string): T | undefined {
  const path = join(studyDir(), `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}
