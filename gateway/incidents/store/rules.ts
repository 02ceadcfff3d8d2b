// What both engines decide the same way: how a repeat merges its evidence,
// which severity wins, the flow records the door writes, incident codes and
// the errors a refused write gets.
import { GwError } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import { codeOnly, titleMessageOf } from '../title-message.ts';
import { SEVERITY_RANK } from '../view.ts';
import type { SystemActor } from './incident-store.ts';
import type { IncidentRow, NewFlow, RaiseInput } from './types.ts';

const MAX_SNAPSHOTS = 10;
/** Evidence lists only the gateway writes (through a note): a producer's own value is dropped. */
const SYSTEM_LISTS = ['clips'] as const;
export type EvidenceList = (typeof SYSTEM_LISTS)[number];

/** A producer's evidence without the lists only the gateway writes. */
export function producerEvidence(add: Record<string, unknown>): Record<string, unknown> {
  const out = { ...add };
  for (const list of SYSTEM_LISTS) delete out[list];
  return out;
}

/** Newer evidence wins, snapshots accumulate (the latest few); the gateway's own lists (clips) stay. */
export function mergeEvidence(old: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const snapshots = [...((old.snapshots as string[]) ?? []), ...((add.snapshots as string[]) ?? [])].slice(-MAX_SNAPSHOTS);
  const kept = Object.fromEntries(SYSTEM_LISTS.filter((l) => old[l] !== undefined).map((l) => [l, old[l]]));
  return { ...old, ...producerEvidence(add), ...(snapshots.length ? { snapshots } : {}), ...kept };
}

/** An item a note adds to one of the gateway's evidence lists; its url says which it is. */
export interface EvidenceItem {
  list: EvidenceList;
  item: { url: string } & Record<string, unknown>;
}

/** The evidence with the item at the end of its list, or undefined when an item with that url is there already (added once). */
export function appendEvidence(evidence: Record<string, unknown>, add: EvidenceItem): Record<string, unknown> | undefined {
  const list = Array.isArray(evidence[add.list]) ? (evidence[add.list] as Array<{ url?: unknown }>) : [];
  if (list.some((x) => x?.url === add.item.url)) return undefined;
  return { ...evidence, [add.list]: [...list, add.item] };
}

/** A repeat on `target`: an open incident may get more severe and takes the new evidence; a closed one (cool-down) stays as it was. */
export function repeatOf(target: IncidentRow, input: RaiseInput, open: boolean, actor: SystemActor) {
  const worse = open && SEVERITY_RANK[input.severity] < SEVERITY_RANK[target.severity];
  const severity = worse ? input.severity : target.severity;
  return {
    severity,
    sevRank: SEVERITY_RANK[severity],
    evidence: open ? mergeEvidence(target.evidence, input.evidence) : target.evidence,
    flow: worse ? severityFlow(actor, target.severity, severity) : undefined,
  };
}

const severityFlow = (actor: SystemActor, from: string, to: string): NewFlow =>
  ({ actor, action: 'severity', from: null, to: null, note: `severity ${from} → ${to}`, attachments: [], data: { message: codeOnly(say('severity_changed', { fromSeverity: from, toSeverity: to })) } });

export const clearFlow = (actor: SystemActor): NewFlow =>
  ({ actor, action: 'clear', from: null, to: null, note: say('condition_ended').message, attachments: [], data: { message: codeOnly(say('condition_ended')) } });

export const reportFlow = (actor: SystemActor, input: RaiseInput): NewFlow => {
  const message = titleMessageOf(input.evidence); // the note is the title: its code too
  return { actor, action: 'report', from: null, to: 'reported', note: input.title, attachments: [], data: { source: `${input.sourceKind}:${input.sourceId}`, ...(message ? { message } : {}) } };
};

/** Incident codes count per day in the configured time zone: 20261122-00017. */
export class DailyCodes {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  day(now: number): string {
    return this.format.format(now).replace(/-/g, '');
  }

  static code(day: string, n: number): string {
    return `${day}-${String(n).padStart(5, '0')}`;
  }
}

export const staleVersion = (current: IncidentRow, expected: number) =>
  new GwError('GW_ERR_STALE_VERSION', `incident ${current.code} is at version ${current.version} (${current.status}), not ${expected}; reload it`, 'version');

/** Why a claim was refused: the incident is closed, or someone else holds the lease. */
export const claimRefused = (row: IncidentRow, closed: boolean) =>
  closed
    ? new GwError('GW_ERR_ILLEGAL_TRANSITION', `incident ${row.code} is closed`, 'id')
    : new GwError('GW_ERR_CLAIMED', `incident ${row.code} is being handled by ${row.claimBy} until ${new Date(row.claimUntil!).toISOString()}`, 'id');

/** Queue order (dispatch order): most severe, nearest SLA deadline (none last), oldest. */
export const QUEUE_ORDER = 'sev_rank, sla_deadline IS NULL, sla_deadline, first_seen';
