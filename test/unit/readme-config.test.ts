import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ENV_VARIABLE_NAMES } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('the README documents every environment variable the config schema reads', async () => {
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const names = ENV_VARIABLE_NAMES;
  assert.ok(names.length > 20, `read ${names.length} names from the schema`);
  const missing = names.filter((name) => !readme.includes(`| \`${name}\` |`));
  assert.deepEqual(missing, []);
});
