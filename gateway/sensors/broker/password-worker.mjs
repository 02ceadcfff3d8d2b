// Runs the registry's scrypt check off the main thread: one check costs
// ~40 ms of CPU, and a reconnect storm of a thousand sensors must not stall
// the event loop that serves every other device. Plain JS because a worker
// does not inherit the main thread's TypeScript loader: it registers tsx
// itself, then loads the registry's own verifyPassword.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { verifyPassword } = await import('../../../device-registry/secrets.ts');

parentPort?.on('message', (m) => {
  let ok = false;
  try {
    ok = verifyPassword(m.password, m.hash);
  } catch {
    ok = false; // a malformed stored hash verifies nothing
  }
  parentPort?.postMessage({ id: m.id, ok });
});
