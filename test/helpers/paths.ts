import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/** Real recordings and Deepgram responses, kept in the repository with their licences (test/fixtures/README.md). */
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures');
export const AUDIO_DIR = path.join(FIXTURES, 'audio');
export const DEEPGRAM_FIXTURES = path.join(FIXTURES, 'deepgram');
