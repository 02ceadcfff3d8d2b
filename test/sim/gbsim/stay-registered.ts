// Keeps a simulated device registered the way a real one does: register
// (retrying every few seconds while the platform is away), keep alive,
// re-register before the registration expires or when the platform forgets
// us (a keepalive answered 403 after a platform restart).
import type { GbDeviceSim } from './device.ts';

export interface StayRegistered {
  stop(): void;
}

export function stayRegistered(device: GbDeviceSim, log: (line: string) => void, retryMs = 3000): StayRegistered {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void attempt(), ms);
  };
  const attempt = async () => {
    try {
      const res = await device.register();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      log(`${device.deviceId} registered (expires ${res.expires ?? '?'} s)`);
      device.startKeepalive();
      schedule(Math.max(5, (res.expires ?? 3600) * 0.8) * 1000);
    } catch (err) {
      device.stopKeepalive();
      log(`${device.deviceId} register failed: ${(err as Error).message}; retrying`);
      schedule(retryMs);
    }
  };
  device.on('keepaliveRefused', () => schedule(0));
  void attempt();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      device.stopKeepalive();
    },
  };
}
