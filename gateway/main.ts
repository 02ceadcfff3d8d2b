// The gateway process entry (`npm run gateway -- --help`).
import { runGateway } from './run.ts';

const USAGE = `usage: gateway [--config FILE] [--key.path value …]
  --config FILE        a YAML file over configs/gateway.yaml (or GATEWAY_CONFIG)
  --http.port 8081     any setting by its dotted path (or GATEWAY_HTTP__PORT=8081)
`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
} else {
  runGateway(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`gateway: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
