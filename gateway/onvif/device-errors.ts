// A camera's failures as API errors, as GB28181's asked() does for devices:
// no answer in time → 504, refused, unreachable, a SOAP fault or an unreadable
// answer → 502 (with the fault's reason), something the camera does not do →
// 409. OnvifError messages name host:port and the operation, never a secret.
import { GwError, type ErrorCode } from '../../device-registry/index.ts';
import { OnvifError, type OnvifErrorKind } from './index.ts';

const CODES: Record<OnvifErrorKind, ErrorCode> = {
  timeout: 'GW_ERR_DEVICE_TIMEOUT',
  auth: 'GW_ERR_DEVICE_REFUSED',
  unreachable: 'GW_ERR_DEVICE_REFUSED',
  fault: 'GW_ERR_DEVICE_REFUSED',
  malformed: 'GW_ERR_DEVICE_REFUSED',
  unsupported: 'GW_ERR_NOT_SUPPORTED',
};

export function deviceError(err: OnvifError): GwError {
  const reason = err.kind === 'fault' && err.fault?.reason && !err.message.includes(err.fault.reason) ? `: ${err.fault.reason}` : '';
  return new GwError(CODES[err.kind], `${err.message}${reason}`, undefined, {
    deviceError: err.kind, ...(err.fault ? { fault: { code: err.fault.code, subcode: err.fault.subcode, reason: err.fault.reason } } : {}),
  });
}

/** A camera round trip with its failures as API errors. */
export async function askCamera<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof OnvifError) throw deviceError(err);
    throw err;
  }
}
