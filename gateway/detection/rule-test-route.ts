// POST /api/detection/rule-test: a candidate profile (the editor's, not yet
// saved) replayed over a channel's last minutes of detections.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { check, invalid, notFound, WRITE_ROLES } from '../../device-registry/index.ts';
import type { Model } from '../../detectors/index.ts';
import { DetectionProfile } from './config.ts';
import { profileErrors } from './profiles.ts';
import { KEEP_MS, replayRules, type DetectionHistory } from './rule-test.ts';

const Body = Type.Object({
  channelId: Type.String({ minLength: 1 }),
  profile: DetectionProfile,
  /** How far back to replay (at most the ring's reach). */
  minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: KEEP_MS / 60_000 })),
}, { additionalProperties: false });

export function ruleTestRoute(app: FastifyInstance, history: DetectionHistory, models: Map<string, Model>): void {
  app.post('/api/detection/rule-test', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    schema: { tags: ['detection'], summary: `Replay a candidate profile over a channel's last detections (up to ${KEEP_MS / 60_000} minutes): what its rules would have matched, and when they would have fired`, body: Body },
  }, async (req) => {
    const body = req.body as { channelId: string; profile: DetectionProfile; minutes?: number };
    const errors = check(DetectionProfile, body.profile, 'profile');
    if (errors.length) throw invalid(errors);
    const model = models.get(body.profile.model);
    if (!model) throw notFound('model', body.profile.model, 'profile.model');
    const problems = profileErrors(body.profile, model).map((e) => ({ ...e, field: `profile.${e.field}` }));
    if (problems.length) throw invalid(problems);
    // A channel out of the caller's scope has no detections for them, as one that does not exist.
    const outOfScope = (await app.scopes.check(req.actor, 'channels', body.channelId)) === 'out';
    const frames = outOfScope ? [] : history.frames(body.channelId, (body.minutes ?? KEEP_MS / 60_000) * 60_000);
    return replayRules(body.channelId, body.profile, model, frames);
  });
}
