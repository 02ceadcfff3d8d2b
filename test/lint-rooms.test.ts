// The room rule from DESIGN.md is enforced by lint: device-registry/ and
// detectors/ never import gateway/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();
const lint = async (filePath: string, code: string) => (await eslint.lintText(code, { filePath }))[0]!.messages.map((m) => m.ruleId);

test('device-registry and detectors may not import gateway', async () => {
  const code = "import { createLogger } from '../gateway/log.ts';\nexport const x = createLogger;\n";
  assert.ok((await lint('device-registry/x.ts', code)).includes('no-restricted-imports'));
  assert.ok((await lint('detectors/x.ts', code)).includes('no-restricted-imports'));
  assert.ok(!(await lint('test/x.ts', code)).includes('no-restricted-imports'));
});

test('gateway may import device-registry', async () => {
  const code = "import { GwError } from '../device-registry/index.ts';\nexport const x = GwError;\n";
  assert.deepEqual(await lint('gateway/x.ts', code), []);
});
