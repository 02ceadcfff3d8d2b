// Connection-level PostgreSQL failures: the server is down, unreachable,
// restarting or full. A request that meets one gets 503 (try again), not 500.
const CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|Cannot use a pool after calling end/i;

export function isPostgresUnreachable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  return (typeof code === 'string' && (CODES.has(code) || code.startsWith('08'))) || MESSAGES.test(message ?? '');
}
