// The detection room's models: those of the configuration and those added or
// replaced over the API (kept in dataDir/detection-models.json, which wins over
// the file, as profile overrides do). A replacement is loaded and probed before
// it takes a name, so a model that fails leaves the old one running; the old
// session is released once its last in-flight inference is done.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { loadModel, type ExecutionProvider, type Model, type ModelOptions } from '../../detectors/index.ts';
import type { DetectionConfig } from './config.ts';

/** A model as the API stores it: its file under dataDir/models, and how to load it. */
export interface ModelSpec {
  /** Relative to dataDir/models (API models); the configured path (configured ones). */
  path: string;
  labels?: string[];
  labelsFile?: string;
  intraOpThreads: number;
  executionProviders: ExecutionProvider[];
}

export interface LoadedModel {
  name: string;
  spec: ModelSpec;
  source: 'config' | 'api';
  model?: Model;
  /** Why it is not loaded. */
  reason?: string;
  loadedAt?: string;
}

const loadOptions = (name: string, spec: ModelSpec, workers: number): ModelOptions => ({
  name, labels: spec.labels, labelsFile: spec.labelsFile, intraOpNumThreads: spec.intraOpThreads, executionProviders: spec.executionProviders, workers,
});

/** A path the API may name: inside dataDir/models, no way out of it. */
export function modelPathProblem(modelsDir: string, path: string): string | undefined {
  if (isAbsolute(path)) return `'${path}' must be relative to the models folder`;
  const full = resolve(modelsDir, path);
  const rel = relative(resolve(modelsDir), full);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return `'${path}' leads out of the models folder`;
  return undefined;
}

/** Counts a model's runs in flight, so a replaced session is released only when the last one returns. */
function retirable(model: Model, onReleaseError: (err: unknown) => void): Model & { retire(): void } {
  let running = 0;
  let retired = false;
  let released = false;
  const releaseIfIdle = () => {
    if (!retired || running > 0 || released) return;
    released = true;
    model.release().catch(onReleaseError);
  };
  return {
    ...model,
    async run(tensor) {
      running++;
      try {
        return await model.run(tensor);
      } finally {
        running--;
        releaseIfIdle();
      }
    },
    retire() {
      retired = true;
      releaseIfIdle();
    },
  };
}

export class ModelLibrary {
  private readonly entries = new Map<string, LoadedModel & { retirable?: ReturnType<typeof retirable> }>();
  /** API changes: a spec, or null for a configured model deleted over the API. */
  private readonly overrides: Record<string, ModelSpec | null>;
  private readonly file: string;
  readonly modelsDir: string;
  /** One change at a time (two PUTs of one name must not both win). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: DetectionConfig['models'],
    private readonly dataDir: string,
    private readonly log: Logger,
    /** Worker threads per model (0: sessions on the main thread). */
    private readonly workers = 0,
  ) {
    this.modelsDir = join(dataDir, 'models');
    this.file = join(dataDir, 'detection-models.json');
    this.overrides = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, ModelSpec | null>) : {};
  }

  /** Loads every configured and API model; one that fails is kept with its reason (channels using it fail with it). */
  async loadAll(): Promise<void> {
    const names = new Set([...Object.keys(this.config), ...Object.keys(this.overrides)]);
    for (const name of names) {
      const override = this.overrides[name];
      if (override === null) continue;
      const configured = this.config[name];
      const spec: ModelSpec = override ?? {
        path: configured!.path.replace('${dataDir}', this.dataDir), labelsFile: configured!.labels ?? undefined,
        intraOpThreads: configured!.intraOpThreads, executionProviders: configured!.executionProviders ?? ['cpu'],
      };
      const source = override ? 'api' : 'config';
      try {
        this.take(name, spec, source, await this.load(name, spec, source));
      } catch (err) {
        const reason = source === 'config' ? `detection.models.${name}: ${(err as Error).message}` : (err as Error).message;
        this.entries.set(name, { name, spec, source, reason });
        this.log.error({ model: name, err: reason }, 'model not loaded; channels using it run without detection');
      }
    }
  }

  /** The loaded models by name, kept current (for readers that hold on to a map). */
  readonly models = new Map<string, Model>();

  get(name: string): Model | undefined {
    return this.models.get(name);
  }

  list(): LoadedModel[] {
    return [...this.entries.values()].map(({ retirable: _, ...e }) => e);
  }

  /**
   * Loads and probes the new version first; only then does it take the name (the old session
   * retires after its in-flight runs). A load failure throws and leaves the old one as it was.
   */
  replace(name: string, spec: ModelSpec, staged?: string): Promise<Model> {
    return this.serial(async () => {
      let model: Model;
      try {
        model = await loadModel(staged ?? join(this.modelsDir, spec.path), loadOptions(name, spec, this.workers));
        // An upload takes its file name only once it loaded (the session holds its bytes; the old file may go).
        if (staged) await rename(staged, join(this.modelsDir, spec.path));
      } catch (err) {
        if (staged) await rm(staged, { force: true });
        throw err;
      }
      this.take(name, spec, 'api', model);
      this.overrides[name] = spec;
      this.persist();
      return this.get(name)!;
    });
  }

  remove(name: string): Promise<void> {
    return this.serial(async () => {
      const entry = this.entries.get(name);
      this.entries.delete(name);
      this.models.delete(name);
      entry?.retirable?.retire();
      if (this.config[name]) this.overrides[name] = null;
      else delete this.overrides[name];
      this.persist();
    });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  async releaseAll(): Promise<void> {
    for (const e of this.entries.values()) e.retirable?.retire();
  }

  private async load(name: string, spec: ModelSpec, source: 'config' | 'api'): Promise<Model> {
    return loadModel(source === 'api' ? join(this.modelsDir, spec.path) : resolve(spec.path), loadOptions(name, spec, this.workers));
  }

  private take(name: string, spec: ModelSpec, source: 'config' | 'api', model: Model): void {
    const old = this.entries.get(name);
    const current = retirable(model, (err) => this.log.warn({ model: name, err: (err as Error).message }, 'releasing a replaced model failed'));
    this.entries.set(name, { name, spec, source, model, retirable: current, loadedAt: new Date().toISOString() });
    this.models.set(name, current);
    old?.retirable?.retire();
    this.log.info({ model: name, layout: model.layout, input: model.input, classes: model.classes.length, providers: spec.executionProviders, replaced: Boolean(old?.model) }, 'model loaded');
  }

  private persist(): void {
    writeFileSync(this.file, JSON.stringify(this.overrides, null, 2));
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
