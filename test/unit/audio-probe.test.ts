import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { durationFromHead, PROBE_BYTES } from '../../src/audio/probe.js';
import { silentWav } from '../helpers/audio.js';
import { AUDIO_DIR } from '../helpers/paths.js';

async function head(file: string) {
  const full = await readFile(path.join(AUDIO_DIR, file));
  return { head: full.subarray(0, PROBE_BYTES), size: (await stat(path.join(AUDIO_DIR, file))).size };
}

test('WAV duration comes from the header alone, matching the real recordings', async () => {
  // Reference durations: metadata.duration in the real Deepgram responses for the same bytes.
  const preamble = await head('preamble-rest.wav');
  assert.ok(Math.abs((await durationFromHead(preamble.head, preamble.size))! - 19.098) < 0.01);
  const bueller = await head('Bueller-Life-moves-pretty-fast.wav');
  assert.ok(Math.abs((await durationFromHead(bueller.head, bueller.size))! - 17.566) < 0.01);
  const spacewalk = await head('spacewalk.wav');
  assert.ok(Math.abs((await durationFromHead(spacewalk.head, spacewalk.size))! - 25.933) < 0.01);
});

test('MP3 duration is read from the head and the file size', async () => {
  const mp3 = await head('Bueller-Life-moves-pretty-fast.mp3');
  const d = await durationFromHead(mp3.head, mp3.size);
  assert.ok(d !== null && Math.abs(d - 17.6) < 0.3, String(d));
});

test('a WAV whose data size was left open uses the total size', async () => {
  const wav = silentWav(10);
  wav.writeUInt32LE(0xffffffff, 40);
  assert.equal(await durationFromHead(wav.subarray(0, 1000), wav.length), 10);
  assert.equal(await durationFromHead(wav.subarray(0, 1000)), null);
});

test('something that is not audio has no duration', async () => {
  assert.equal(await durationFromHead(Buffer.from('<html>not audio</html>'.repeat(50))), null);
});
