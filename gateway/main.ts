// The gateway process: load and check the configuration, start, and stop
// cleanly on SIGTERM/SIGINT. Problems at start-up are listed by path and the
// process exits non-zero instead of half-starting.
import { loadConfig, ConfigError } from './config/load.ts';
import { preflight } from './config/preflight.ts';
import { createGateway } from './gateway.ts';
import { createLogger } from './log.ts';

const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h

const USAGE = `usage: gateway [--config FILE] [--key.path value …]
  --config FILE        a YAML file over configs/gateway.yaml (or GATEWAY_CONFIG)
  --http.port 8081     any setting by its dotted path (or GATEWAY_HTTP__PORT=8081)
`;

function fail(problems: string[]): never {
  process.stderr.write(`gateway: cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(EXIT_CONFIG);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  let config;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems);
    throw err;
  }
  const problems = await preflight(config);
  if (problems.length) fail(problems);

  const logger = createLogger(config.log.level);
  let gateway;
  try {
    gateway = await createGateway(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems);
    throw err;
  }
  try {
    const url = await gateway.app.listen({ host: config.http.host, port: config.http.port });
    logger.info({ url, dataDir: config.dataDir }, 'gateway listening');
  } catch (err) {
    await gateway.close();
    const e = err as NodeJS.ErrnoException;
    fail([`http.port: cannot listen on ${config.http.host}:${config.http.port} (${e.code ?? e.message})`]);
  }

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway: fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
