import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelLabel } from '../../src/domain/model-label.js';

test("Deepgram's model names label metrics as they are; anything else is `other`, so clients cannot grow /metrics", () => {
  for (const model of ['nova-3', 'nova-3-medical', 'nova-2-phonecall', 'nova', 'enhanced-general', 'base', 'whisper-large']) assert.equal(modelLabel(model), model);
  assert.equal(modelLabel(undefined), 'default');
  for (const junk of ['x'.repeat(500), 'nova-3;drop', 'my-model', 'NOVA-3', 42, '']) assert.equal(modelLabel(junk), 'other', String(junk));
});
