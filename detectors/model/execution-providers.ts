// Execution providers a model may ask for, and what the installed
// onnxruntime-node offers. A provider the runtime does not have is refused
// with its name and the alternatives, never replaced by the CPU in silence:
// a site that bought a GPU must learn it is not being used.
import * as ort from 'onnxruntime-node';

/** The names the configuration accepts (onnxruntime's own). */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'openvino', 'coreml', 'dml'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface RuntimeBackend {
  name: string;
  /** Its libraries ship with onnxruntime-node; otherwise they must be installed beside it (CUDA, TensorRT). */
  bundled: boolean;
}

/** The backends this onnxruntime-node build was compiled with (a listed one may still fail to start: no driver, no libraries). */
export function runtimeBackends(): RuntimeBackend[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

const describe = (backends: RuntimeBackend[]) => backends.map((b) => (b.bundled ? b.name : `${b.name} (libraries not bundled)`)).join(', ');
const runtime = () => `onnxruntime-node ${ort.env.versions.node ?? ''} on ${process.platform}/${process.arch}`.replace('  ', ' ');

/** Why a provider cannot be asked of this runtime at all (not compiled in), or undefined. */
export function providerNotBuiltIn(provider: string): string | undefined {
  const backends = runtimeBackends();
  if (backends.some((b) => b.name === provider)) return undefined;
  return `execution provider '${provider}' is not in ${runtime()}; it offers ${describe(backends)}`;
}

/** The sentence for a provider that is compiled in but failed to start a session. */
export function providerFailed(provider: string, reason: string): string {
  return `execution provider '${provider}' could not start in ${runtime()} (${reason}); it offers ${describe(runtimeBackends())}, (cpu always works)`;
}
