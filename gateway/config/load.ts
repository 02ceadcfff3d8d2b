// Loads the configuration from its four layers (defaults file, user file,
// GATEWAY_* environment, CLI flags) and validates the result, collecting
// every problem with its path instead of stopping at the first.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { check } from '../../device-registry/index.ts';
import { oidcProblems } from '../../device-registry/auth/oidc/index.ts';
import { clusterProblems } from '../cluster/config.ts';
import { evidenceProblems } from '../evidence/config.ts';
import { upperProblems } from '../gb28181/cascade/config.ts';
import { GatewayConfig } from './schema.ts';

export const DEFAULTS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../configs/gateway.yaml');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ConfigSources {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(out[k]) ? deepMerge(out[k] as Tree, v) : v;
  return out;
}

function setDotted(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) node = (isTree(node[key]) ? node[key] : (node[key] = {})) as Tree;
  node[path[path.length - 1]!] = value;
}

/** A flag or environment value is read as a YAML scalar: 8081 → number, true → boolean, null → null. */
const scalar = (text: string): unknown => {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
};

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function readYaml(file: string, label: string, problems: string[]): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${label}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return {};
  }
  try {
    const doc = parseYaml(text) as unknown;
    if (doc == null) return {};
    if (!isTree(doc)) problems.push(`${label}: ${file} must hold a YAML mapping`);
    return isTree(doc) ? doc : {};
  } catch (err) {
    problems.push(`${label}: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
}

export interface ParsedArgs {
  configFile?: string;
  overrides: Tree;
  help: boolean;
  problems: string[];
}

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { overrides: {}, help: false, problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    const m = /^--([A-Za-z][\w.-]*)(?:=(.*))?$/.exec(arg);
    if (!m) {
      out.problems.push(`argument '${arg}' is not a --key value flag`);
      continue;
    }
    const key = m[1]!;
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        out.problems.push(`--${key}: needs a value`);
        continue;
      }
      i++;
    }
    if (key === 'config') out.configFile = value;
    else setDotted(out.overrides, key.split('.'), scalar(value));
  }
  return out;
}

export function loadConfig(sources: ConfigSources): GatewayConfig {
  const args = parseArgs(sources.argv);
  const problems = [...args.problems];
  let tree = readYaml(DEFAULTS_FILE, 'defaults', problems);

  const userFile = args.configFile ?? sources.env.GATEWAY_CONFIG;
  if (userFile) tree = deepMerge(tree, readYaml(resolve(sources.cwd, userFile), '--config', problems));

  const fromEnv: Tree = {};
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith('GATEWAY_') || name === 'GATEWAY_CONFIG' || value === undefined) continue;
    setDotted(fromEnv, name.slice('GATEWAY_'.length).split('__').map(camel), scalar(value));
  }
  tree = deepMerge(deepMerge(tree, fromEnv), args.overrides);

  problems.push(...check(GatewayConfig, tree).map((e) => `${e.field || '(root)'}: ${e.message}`));
  if (problems.length) throw new ConfigError(problems);
  const config = tree as GatewayConfig;
  problems.push(...clusterProblems(config.store, config.cluster), ...evidenceProblems(config.evidence, config.store), ...oidcProblems(config.auth.oidc), ...upperProblems(config.gb28181));
  if (problems.length) throw new ConfigError(problems);
  return { ...config, dataDir: resolve(sources.cwd, config.dataDir) };
}
