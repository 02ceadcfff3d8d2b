// The closed loop (闭环) as one explicit table: 上报 reported → 受理 accepted →
// 派遣 dispatched → 处置 handling → 反馈 feedback → 核实 verified → 评价 rated →
// 归档 archived, plus rejected/invalid and the return edges. Every action says
// who may take it and what it needs; anything not in the table is refused.
import type { Role } from '../../device-registry/index.ts';

export const STATUSES = ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'verified', 'rated', 'archived', 'rejected', 'invalid'] as const;
export type Status = (typeof STATUSES)[number];

/** Closed incidents no longer dedupe new candidates (after the cool-down). */
export const CLOSED: readonly Status[] = ['archived', 'rejected', 'invalid'];

export interface Transition {
  action: string;
  from: readonly Status[];
  to: Status;
  roles: readonly Role[];
  /** Fields the action needs in its body. */
  needs?: ReadonlyArray<'note' | 'departmentId' | 'rating'>;
  label: string;
}

const OPS: readonly Role[] = ['admin', 'operator', 'dispatcher'];
const DISPATCH: readonly Role[] = ['admin', 'dispatcher'];

export const TRANSITIONS: readonly Transition[] = [
  { action: 'accept', from: ['reported'], to: 'accepted', roles: OPS, label: '受理 accept (acknowledge on the wall)' },
  { action: 'reject', from: ['reported'], to: 'rejected', roles: OPS, needs: ['note'], label: '不予受理 reject' },
  { action: 'invalidate', from: ['reported', 'accepted'], to: 'invalid', roles: OPS, needs: ['note'], label: '无效 false alarm' },
  { action: 'dispatch', from: ['accepted'], to: 'dispatched', roles: DISPATCH, needs: ['departmentId'], label: '派遣 dispatch to a department (SLA starts)' },
  { action: 'refuse', from: ['dispatched'], to: 'accepted', roles: DISPATCH, needs: ['note'], label: '退回 the department refuses' },
  { action: 'start', from: ['dispatched'], to: 'handling', roles: DISPATCH, label: '处置 handling started' },
  { action: 'feedback', from: ['handling'], to: 'feedback', roles: DISPATCH, needs: ['note'], label: '反馈 the department reports back' },
  { action: 'verify', from: ['feedback'], to: 'verified', roles: DISPATCH, label: '核实 verified on site' },
  { action: 'reopen', from: ['feedback'], to: 'handling', roles: DISPATCH, needs: ['note'], label: '核实未通过 verification failed, back to handling' },
  { action: 'rate', from: ['verified'], to: 'rated', roles: DISPATCH, needs: ['rating'], label: '评价 rate the handling' },
  { action: 'archive', from: ['rated'], to: 'archived', roles: DISPATCH, label: '归档 archive' },
];

export const ACTIONS = TRANSITIONS.map((t) => t.action);

export function findTransition(action: string): Transition | undefined {
  return TRANSITIONS.find((t) => t.action === action);
}

/** Whether any action leads from one status to another (for the table-driven tests and the UI). */
export function allowedPairs(): Array<[Status, Status, string]> {
  return TRANSITIONS.flatMap((t) => t.from.map((f) => [f, t.to, t.action] as [Status, Status, string]));
}
