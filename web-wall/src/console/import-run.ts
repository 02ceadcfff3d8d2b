// Sends a file to POST /api/import as it is (CSV in its charset, or JSON) with
// the chosen options, and returns the per-row report — also when the gateway
// refused a mode=all import (422), whose body carries the report too.
import { api, ApiError } from '../api/client.ts';
import type { ImportReport } from '../api/types.ts';
import type { ImportEntity } from './import-template.ts';

export interface ImportOptions {
  entity: ImportEntity;
  dryRun: boolean;
  mode: 'all' | 'valid';
  onConflict: 'fail' | 'update';
}

export interface ImportPayload {
  /** A chosen file (sent byte for byte) or pasted text. */
  body: Blob | string;
  /** File name, for the page only. */
  name: string;
  format: 'csv' | 'json';
  charset: 'utf-8' | 'gb18030';
}

/** `rejected`: the gateway's refusal (its `message` said when read, in the language shown then). */
export interface ImportOutcome { report: ImportReport; rejected?: { readonly message: string } }

/** JSON when the file says so or the text starts like JSON; otherwise CSV. */
export async function formatOf(body: Blob | string, name: string): Promise<'csv' | 'json'> {
  if (/\.json$/i.test(name) || (body instanceof Blob && body.type === 'application/json')) return 'json';
  if (/\.csv$/i.test(name)) return 'csv';
  const start = typeof body === 'string' ? body : await body.slice(0, 64).text();
  return /^\s*[[{]/.test(start) ? 'json' : 'csv';
}

export async function runImport(payload: ImportPayload, o: ImportOptions): Promise<ImportOutcome> {
  const query = new URLSearchParams({ entity: o.entity, dryRun: String(o.dryRun), mode: o.mode, onConflict: o.onConflict });
  const type = payload.format === 'json' ? 'application/json' : `text/csv; charset=${payload.charset}`;
  try {
    return { report: await api<ImportReport>(`/api/import?${query}`, { method: 'POST', text: { body: payload.body, type } }) };
  } catch (err) {
    const body = err instanceof ApiError ? (err.body as Partial<ImportReport>) : undefined;
    if (err instanceof ApiError && err.status === 422 && Array.isArray(body?.rows)) return { report: body as ImportReport, rejected: err };
    throw err;
  }
}
