// The models over HTTP: list them with the channels using them, add or replace
// one by a file under dataDir/models or an upload, delete one no profile uses.
// A replacement is loaded and probed before it takes the name (a failure is a
// 400 with the reason and the old one keeps running); then the channels using
// it switch over without their ingest stopping.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorBody, GwError, inCoverage, invalid, notFound, READ_ROLES, WRITE_ROLES } from '../../device-registry/index.ts';
import { EXECUTION_PROVIDERS, type Model } from '../../detectors/index.ts';
import { modelPathProblem, type LoadedModel, type ModelLibrary, type ModelSpec } from './model-library.ts';

/** Uploads up to this size unless configured (YOLOv8x is about 260 MB as float32). */
export const DEFAULT_UPLOAD_MAX_MB = 300;
const DEFAULT_THREADS = 2;

export interface ModelRouteDeps {
  library: ModelLibrary;
  /** detection.modelUploadMaxMB */
  uploadMaxMB?: number;
  /** Profiles naming the model. */
  profilesUsing(model: string): string[];
  /** Channels whose detection runs on the model. */
  channelsUsing(model: string): string[];
  /** The model under this name changed: its channels take the new session. */
  switched(model: string): Promise<void>;
}

const Name = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const Label = Type.String({ minLength: 1, maxLength: 64 });
const Provider = Type.Union(EXECUTION_PROVIDERS.map((p) => Type.Literal(p)));
const ModelBody = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 255, description: 'The .onnx file, relative to dataDir/models' }),
  labels: Type.Optional(Type.Array(Label, { minItems: 1, maxItems: 1000, description: 'Class names in output order; otherwise the model\'s own' })),
  intraOpThreads: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: DEFAULT_THREADS })),
  executionProviders: Type.Optional(Type.Array(Provider, { minItems: 1, maxItems: 6, default: ['cpu'] })),
}, { additionalProperties: false });
type ModelBody = { path: string; labels?: string[]; intraOpThreads?: number; executionProviders?: ModelSpec['executionProviders'] };

/** Which field of the request a load failure is about. */
const fieldOf = (message: string) => (/execution provider/.test(message) ? 'executionProviders' : /labels/.test(message) ? 'labels' : 'path');

export function modelRoutes(app: FastifyInstance, deps: ModelRouteDeps): void {
  const { library } = deps;
  const maxBytes = (deps.uploadMaxMB ?? DEFAULT_UPLOAD_MAX_MB) * 1024 * 1024;
  const view = (e: LoadedModel) => ({
    name: e.name, source: e.source, path: e.spec.path, loaded: Boolean(e.model), ...(e.reason ? { reason: e.reason } : {}),
    ...(e.model ? { input: { width: e.model.input.width, height: e.model.input.height, type: e.model.input.type }, layout: e.model.layout, classes: e.model.classes, sha256: e.model.sha256 } : {}),
    executionProviders: e.spec.executionProviders, loadedAt: e.loadedAt, profiles: deps.profilesUsing(e.name), channels: deps.channelsUsing(e.name),
  });
  /** A model's view for this caller: the channels using it that are in their scope (分级分权). */
  const viewFor = async (req: FastifyRequest, e: LoadedModel) => {
    const v = view(e);
    const coverage = await app.scopes.covered(req.actor);
    if (coverage === null) return v;
    const channels = [];
    for (const id of v.channels) if (inCoverage(coverage, await app.scopes.gridOf('channels', id))) channels.push(id);
    return { ...v, channels };
  };
  const one = (req: FastifyRequest, name: string) => {
    const e = library.list().find((m) => m.name === name);
    if (!e) throw notFound('model', name, 'name');
    return viewFor(req, e);
  };
  const put = async (name: string, spec: ModelSpec, staged?: string, field?: string): Promise<Model> => {
    try {
      return await library.replace(name, spec, staged);
    } catch (err) {
      const message = (err as Error).message;
      throw invalid([{ field: field ?? fieldOf(message), message }]);
    }
  };

  app.get('/api/detection/models', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags: ['detection'], summary: 'Models: path, input size, classes, layout, execution providers, when loaded (or why not), the profiles and channels using each' },
  }, async (req) => Promise.all(library.list().map((e) => viewFor(req, e))));

  app.put('/api/detection/models/:name', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    schema: {
      tags: ['detection'], summary: 'Add or replace a model from a file under dataDir/models: loaded and probed first (a failure is a 400 and the old one keeps running), then the channels using it switch over',
      params: Type.Object({ name: Name }), body: ModelBody, response: { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
    },
  }, async (req) => {
    const { name } = req.params as { name: string };
    const body = req.body as ModelBody;
    const problem = modelPathProblem(library.modelsDir, body.path);
    if (problem) throw invalid([{ field: 'path', message: problem }]);
    await put(name, { path: body.path, ...(body.labels ? { labels: body.labels } : {}), intraOpThreads: body.intraOpThreads ?? DEFAULT_THREADS, executionProviders: body.executionProviders ?? ['cpu'] });
    await deps.switched(name);
    return one(req, name);
  });

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
    scope.post('/api/detection/models/:name/file', {
      config: { roles: WRITE_ROLES, scope: 'filtered' },
      bodyLimit: maxBytes,
      schema: {
        tags: ['detection'], summary: `Upload an .onnx (application/octet-stream, up to ${maxBytes / 1024 / 1024} MiB) as dataDir/models/<name>.onnx and load it as the model <name>, as a PUT does`,
        params: Type.Object({ name: Name }),
        querystring: Type.Object({ labels: Type.Optional(Type.String({ maxLength: 64_000, description: 'Class names, comma-separated' })) }, { additionalProperties: false }),
        response: { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
    }, async (req) => {
      const { name } = req.params as { name: string };
      const { labels } = req.query as { labels?: string };
      if (!Buffer.isBuffer(req.body)) throw new GwError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'send the model as application/octet-stream', 'content-type');
      const before = library.list().find((m) => m.name === name)?.spec;
      const names = labels?.split(',').map((l) => l.trim()).filter(Boolean);
      const spec: ModelSpec = {
        path: `${name}.onnx`, ...(names?.length ? { labels: names } : {}),
        intraOpThreads: before?.intraOpThreads ?? DEFAULT_THREADS, executionProviders: before?.executionProviders ?? ['cpu'],
      };
      await mkdir(library.modelsDir, { recursive: true });
      const staged = join(library.modelsDir, `.${name}.${randomBytes(4).toString('hex')}.upload`);
      await writeFile(staged, req.body);
      await put(name, spec, staged, names?.length ? undefined : 'body');
      await deps.switched(name);
      return one(req, name);
    });
  });

  app.delete('/api/detection/models/:name', {
    config: { roles: WRITE_ROLES, scope: 'global' },
    schema: { tags: ['detection'], summary: 'Delete a model; refused (409) while a profile names it', params: Type.Object({ name: Name }), response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
  }, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!library.has(name)) throw notFound('model', name, 'name');
    const profiles = deps.profilesUsing(name);
    if (profiles.length) throw new GwError('GW_ERR_IN_USE', `model '${name}' is used by the profiles ${profiles.join(', ')}`, 'name', { profiles });
    await library.remove(name);
    return reply.code(204).send();
  });
}
