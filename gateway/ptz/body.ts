// The body of POST /api/channels/:id/ptz, the same for every kind of camera:
// a motion ({pan, tilt, zoom, speeds}; {} stops), a preset command or a
// cruise command. Checked here once; each driver turns it into its protocol.
import {
  checkCruise, checkPreset, checkPtzMove,
  type CruiseCommand, type PresetCommand, type PtzInputProblem, type PtzMove,
} from '../gb28181/manscdp/index.ts';

export type { CruiseCommand, PresetCommand, PtzMove };
export type PtzBody = { preset: PresetCommand } | { cruise: CruiseCommand } | PtzMove;

/** Every problem with a body: one command kind at a time (a motion, `preset` or `cruise`). */
export function checkPtzBody(body: unknown): PtzInputProblem[] {
  const obj = (body ?? {}) as Record<string, unknown>;
  for (const kind of ['preset', 'cruise'] as const) {
    if (!Object.hasOwn(obj, kind)) continue;
    const others = Object.keys(obj).filter((k) => k !== kind);
    if (others.length) return others.map((field) => ({ field, message: `cannot be sent with ${kind}` }));
    return kind === 'preset' ? checkPreset(obj.preset) : checkCruise(obj.cruise);
  }
  return checkPtzMove(body);
}

/** A preset as the channel keeps it (`ptzPresets`): the index people use, their name, and the camera's token (ONVIF). */
export interface StoredPreset { index: number; name?: string; gridCode?: string; token?: string }

/** The channel's preset list after a set or delete (sorted by index); undefined when it does not change. */
export function presetsAfter(current: StoredPreset[], cmd: PresetCommand, token?: string): StoredPreset[] | undefined {
  const others = current.filter((p) => p.index !== cmd.index);
  if (cmd.action === 'delete') return others.length === current.length ? undefined : others;
  if (cmd.action !== 'set') return undefined;
  // Setting it again keeps what people said of it (name, the cell it looks at) unless a new name is given.
  const kept = current.find((p) => p.index === cmd.index);
  const entry = { ...kept, index: cmd.index, ...(cmd.name ? { name: cmd.name } : {}), ...(token ? { token } : {}) };
  return [...others, entry].sort((a, b) => a.index - b.index);
}
