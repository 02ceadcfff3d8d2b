// The detection room: loads the models (replaced over the API without a restart), attaches a runner to every
// enabled channel with a detection profile (following the registry live),
// shares inference through one scheduler, keeps evidence snapshots in the
// evidence store, and serves status and profiles.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { check, inCoverage, invalid, READ_ROLES, WRITE_ROLES, type DeviceChanged, type RegistryService } from '../../device-registry/index.ts';
import { say } from '../../device-registry/messages.ts';
import { cjkFont, DetectionScheduler, type RawFrame } from '../../detectors/index.ts';
import type { EvidenceStore } from '../evidence/index.ts';
import type { RaiseIncident } from '../incidents/index.ts';
import { WarnRollup } from '../log-rollup.ts';
import { detectionFramesKey, type FrameHub } from '../video/index.ts';
import { ChannelRunner, type InferenceTiming } from './channel-runner.ts';
import { DetectionProfile, inferenceParallelism, type DetectionConfig } from './config.ts';
import { ModelLibrary } from './model-library.ts';
import { modelRoutes } from './model-routes.ts';
import { profileErrors, profileProblems } from './profiles.ts';
import { ruleTestRoute } from './rule-test-route.ts';
import { DetectionHistory } from './rule-test.ts';
import { SnapshotStore } from './snapshots.ts';

export { DetectionConfig } from './config.ts';

export interface DetectionRoom {
  routes(app: FastifyInstance): void;
  runners(): ChannelRunner[];
  /** Fires for each inferred frame (metrics). */
  inferences: EventEmitter<{ inference: [InferenceTiming] }>;
  stop(): Promise<void>;
}

interface Deps {
  registry: RegistryService;
  frames: FrameHub;
  raise: RaiseIncident;
  publishLive: (type: string, payload: Record<string, unknown>) => void;
  dataDir: string;
  /** Where alarm snapshots go (served by the evidence room on every node). */
  evidence: EvidenceStore;
  /** The camera's picture size as ingest probed it (boxes and snapshots are given in it). */
  sourceSize?: (channelId: string) => readonly [number, number] | undefined;
  log: Logger;
}

export async function startDetection(config: DetectionConfig, deps: Deps): Promise<DetectionRoom> {
  const log = deps.log.child({ module: 'detection' });
  if (config.generateTestModels) {
    const { ensureModels } = await import('../../detectors/tools/generate-models.ts');
    await ensureModels(join(deps.dataDir, 'models'));
  }
  const font = cjkFont(); // found once, now rather than at the first alarm
  if ('problem' in font) log.warn({ problem: font.problem }, 'no CJK font for snapshot labels');
  else log.info({ font: font.family }, 'labels the pixel font cannot draw (人员, 车辆) use this font');
  const parallelism = inferenceParallelism(config);
  const library = new ModelLibrary(config.models, deps.dataDir, log, parallelism.threads);
  await library.loadAll();
  const models = library.models;

  // Profiles edited over REST are kept next to the data and win over the config file.
  const overridesFile = join(deps.dataDir, 'detection-profiles.json');
  const overrides: Record<string, DetectionProfile> = existsSync(overridesFile) ? (JSON.parse(readFileSync(overridesFile, 'utf8')) as Record<string, DetectionProfile>) : {};
  const profiles: Record<string, DetectionProfile> = { ...config.profiles, ...overrides };
  // A channel may name only a profile that exists (one that vanished since is left as it was).
  const removeProfileCheck = deps.registry.addCheck('channels', (input, existing) => {
    const name = input.detectionProfile;
    if (typeof name !== 'string' || profiles[name] || existing?.doc.detectionProfile === name) return [];
    return [{ field: 'detectionProfile', ...say('profile_not_found', { name }) }];
  });

  // Each runner logs its own failures, rolled up, and turns off when every inference fails.
  const scheduler = new DetectionScheduler<RawFrame>(parallelism.concurrency, (channelId, err) => log.trace({ channelId, err: (err as Error).message }, 'detection failed on a frame'));
  const warnings = new WarnRollup(log);
  const snapshots = new SnapshotStore(deps.evidence);
  const runners = new Map<string, ChannelRunner>();
  const failures = new Map<string, { channelId: string; profile: string; state: 'failed'; reason: string }>();
  const inferences = new EventEmitter<{ inference: [InferenceTiming] }>();
  // The last minutes of every channel's published detections, for "test a rule" (rule-test.ts).
  const history = new DetectionHistory();
  const publishLive: Deps['publishLive'] = (type, payload) => {
    if (type === 'detection') history.add(payload.channelId as string, payload as never);
    deps.publishLive(type, payload);
  };

  const reconcile = async (channelId: string) => {
    const row = await deps.registry.getStored('channels', channelId);
    const profileName = row?.doc.enabled ? (row.doc.detectionProfile as string | null) : null;
    const framesKey = row ? detectionFramesKey(channelId, row.doc) : channelId;
    const current = runners.get(channelId);
    if (current && current.profileName === profileName && current.framesKey === framesKey) return;
    if (profileName) return attach(channelId, profileName, framesKey);
    current?.stop();
    runners.delete(channelId);
    failures.delete(channelId);
    history.forget(channelId); // no detection, no ring
  };
  // A channel's runner on its profile's current model (or the reason it cannot run). The one it replaces stops
  // after the new one subscribed, so the frame tap never loses its last subscriber and the ingest runs on.
  const attach = (channelId: string, profileName: string, framesKey: string) => {
    const previous = runners.get(channelId);
    runners.delete(channelId);
    failures.delete(channelId);
    const profile = profiles[profileName];
    const model = profile ? models.get(profile.model) : undefined;
    const modelReason = profile && library.list().find((m) => m.name === profile.model)?.reason;
    const reason = !profile ? `no detection profile '${profileName}'` : !model ? `model '${profile.model}' is not loaded${modelReason ? `: ${modelReason}` : ''}` : profileProblems(profileName, profile, model).join('; ');
    if (reason) {
      previous?.stop();
      failures.set(channelId, { channelId, profile: profileName, state: 'failed', reason });
      return;
    }
    const runner = new ChannelRunner(channelId, profileName, profile!, model!, { frames: deps.frames, scheduler, snapshots, raise: deps.raise, publishLive, sourceSize: deps.sourceSize, log, warnings, onInference: (t) => inferences.emit('inference', t) }, framesKey);
    runners.set(channelId, runner);
    runner.start();
    previous?.stop();
  };
  /** A model was replaced: the channels on it (and those that failed for want of it) take the new session. */
  const modelSwitched = async (name: string) => {
    for (const r of [...runners.values()]) if (profiles[r.profileName]?.model === name) attach(r.channelId, r.profileName, r.framesKey);
    for (const f of [...failures.values()]) if (profiles[f.profile]?.model === name) await reconcile(f.channelId);
  };
  const onChange = (e: DeviceChanged) => {
    if (e.entity === 'channels') void reconcile(e.id);
  };
  deps.registry.events.on('device.changed', onChange);
  for await (const row of deps.registry.all('channels')) await reconcile(row.id);

  return {
    inferences,
    runners: () => [...runners.values()],
    routes(app) {
      /** The channels in the caller's scope (分级分权). */
      const inScope = async <T extends { channelId: string }>(req: FastifyRequest, items: T[]) => {
        const coverage = await app.scopes.covered(req.actor);
        const kept: T[] = [];
        for (const s of items) if (inCoverage(coverage, coverage && (await app.scopes.gridOf('channels', s.channelId)))) kept.push(s);
        return kept;
      };
      app.get('/api/detection/status', { config: { roles: READ_ROLES, scope: 'filtered' }, schema: { tags: ['detection'], summary: 'Detection per channel: state (waiting, running, failed with the reason), frames, inferences, skipped, alarms; and the models' } }, async (req) => ({
        models: library.list().map(({ name, model: m, reason, loadedAt, spec }) => (m
          ? { name, loaded: true, layout: m.layout, input: m.input, classes: m.classes.length, sha256: m.sha256, loadedAt, executionProviders: spec.executionProviders }
          : { name, loaded: false, reason })),
        channels: await inScope(req, [...[...runners.values()].map((r) => r.status()), ...failures.values()]),
      }));
      modelRoutes(app, {
        library,
        uploadMaxMB: config.modelUploadMaxMB,
        profilesUsing: (model) => Object.entries(profiles).filter(([, p]) => p.model === model).map(([name]) => name),
        channelsUsing: (model) => [...runners.values()].filter((r) => profiles[r.profileName]?.model === model).map((r) => r.channelId),
        switched: modelSwitched,
      });
      app.get('/api/detection/profiles', { config: { roles: READ_ROLES, scope: 'global' }, schema: { tags: ['detection'], summary: 'Detection profiles (model, rate, motion gate, tracker, rules)' } }, async () => profiles);
      app.put('/api/detection/profiles/:name', {
        config: { roles: WRITE_ROLES, scope: 'global' },
        schema: { tags: ['detection'], summary: 'Create or replace a profile; channels using it restart their detection', params: Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }) }), body: DetectionProfile },
      }, async (req) => {
        const { name } = req.params as { name: string };
        const profile = req.body as DetectionProfile;
        const errors = check(DetectionProfile, profile);
        if (errors.length) throw invalid(errors);
        const problems = profileErrors(profile, models.get(profile.model)); // each with its field
        if (problems.length) throw invalid(problems);
        profiles[name] = profile;
        overrides[name] = profile;
        writeFileSync(overridesFile, JSON.stringify(overrides, null, 2));
        // Channels using it restart, and so do those that failed because it did not exist yet (or its old version did not fit).
        const using = [...[...runners.values()].filter((r) => r.profileName === name).map((r) => r.channelId), ...[...failures.values()].filter((f) => f.profile === name).map((f) => f.channelId)];
        for (const channelId of using) {
          runners.get(channelId)?.stop();
          runners.delete(channelId);
          await reconcile(channelId);
        }
        return profile;
      });
      ruleTestRoute(app, history, models);
    },
    stop: async () => {
      removeProfileCheck();
      deps.registry.events.off('device.changed', onChange);
      for (const r of runners.values()) r.stop();
      warnings.stop();
      await library.releaseAll();
    },
  };
}
