// Parses CSV and JSONL manifests (`path,label[,split]`) into rows, and keeps their paths inside
// the manifest's folder. Pure: text in, rows out; reading files and checking existence is the loader's.
import * as path from 'path';
import { DataError } from '../errors';
import type { SplitName } from './types';

export type ManifestFormat = 'csv' | 'jsonl';

export interface ManifestRow {
  /** 1-based line where the row ends in the manifest (a quoted CSV field may span lines) */
  line: number;
  /** as written in the manifest, relative to the manifest's folder */
  path: string;
  label: string;
  split?: SplitName;
}

const MANIFEST_HINT =
  'A manifest is a CSV with a header `path,label` (optional third column `split`: train, val or test) ' +
  'or a JSONL file with one {"path": ..., "label": ...} object per line; paths are relative to the manifest.';

export function manifestFormatOf(file: string): ManifestFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

/** train, val, validation, test (any case); undefined for anything else. */
export function parseSplitName(s: string): SplitName | undefined {
  const v = s.trim().toLowerCase();
  if (v === 'train') return 'train';
  if (v === 'val' || v === 'validation') return 'val';
  if (v === 'test') return 'test';
  return undefined;
}

/**
 * Parses a whole manifest. `where` names the file in errors. Every row must have a path and a
 * label; either every row or no row has a split.
 */
export function parseManifest(text: string, format: ManifestFormat, where: string): ManifestRow[] {
  const raw = format === 'csv' ? parseCsvRows(text, where) : parseJsonlRows(text, where);
  const rows: ManifestRow[] = [];
  let withSplit = 0;
  for (const r of raw) {
    const at = `${where}:${r.line}`;
    const p = typeof r.path === 'string' ? r.path.trim() : '';
    const label = typeof r.label === 'string' || typeof r.label === 'number' ? String(r.label).trim() : '';
    if (p === '') throw new DataError(`${at}: the row has no path`, MANIFEST_HINT);
    if (label === '') throw new DataError(`${at}: the row for ${p} has no label`, MANIFEST_HINT);
    const row: ManifestRow = { line: r.line, path: p, label };
    const splitText = r.split === undefined || r.split === null ? '' : String(r.split).trim();
    if (splitText !== '') {
      const split = parseSplitName(splitText);
      if (!split) throw new DataError(`${at}: split "${splitText}" is not train, val or test`, MANIFEST_HINT);
      row.split = split;
      withSplit++;
    }
    rows.push(row);
  }
  if (withSplit > 0 && withSplit < rows.length) {
    const first = rows.find((r) => r.split === undefined)!;
    throw new DataError(
      `${where}: ${withSplit} of ${rows.length} rows have a split but ${where}:${first.line} does not`,
      'Give every row a split (train, val or test), or leave the split column out to let tl split stably by content.',
    );
  }
  return rows;
}

interface RawRow {
  line: number;
  path: unknown;
  label: unknown;
  split?: unknown;
}

function parseCsvRows(text: string, where: string): RawRow[] {
  // csv-parse handles quotes, escaped quotes, commas and newlines inside quoted fields, and a BOM.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { parse } = require('csv-parse/sync') as typeof import('csv-parse/sync');
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      // Hand-edited manifests mix line endings; without this csv-parse fixes on the first one it sees.
      record_delimiter: ['\r\n', '\n', '\r'],
      info: true,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new DataError(`${where}${e.lines ? ':' + e.lines : ''}: not a valid CSV file: ${e.message}`, MANIFEST_HINT);
  }
  if (records.length === 0) return [];
  const columns = Object.keys(records[0].record);
  if (!columns.includes('path') || !columns.includes('label')) {
    throw new DataError(`${where}: the header has columns ${columns.map((c) => `"${c}"`).join(', ')}; expected path and label`, MANIFEST_HINT);
  }
  return records.map(({ record, info }) => ({ line: info.lines, path: record.path, label: record.label, split: record.split }));
}

function parseJsonlRows(text: string, where: string): RawRow[] {
  const rows: RawRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DataError(`${where}:${i + 1}: not valid JSON (${(err as Error).message})`, MANIFEST_HINT);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataError(`${where}:${i + 1}: expected an object like {"path": "a.jpg", "label": "cat"}`, MANIFEST_HINT);
    }
    const o = value as Record<string, unknown>;
    rows.push({ line: i + 1, path: o.path, label: o.label, split: o.split });
  }
  return rows;
}

/**
 * Resolves a manifest path against the manifest's folder; undefined when it points outside that
 * folder (`../x.jpg`, or an absolute path elsewhere). Lexical check: symlinks inside the folder
 * are followed later like any file.
 */
export function resolveInside(root: string, p: string): string | undefined {
  const abs = path.resolve(root, p);
  const rel = path.relative(root, abs);
  if (rel === '' || rel.startsWith('..' + path.sep) || rel === '..' || path.isAbsolute(rel)) return undefined;
  return abs;
}
