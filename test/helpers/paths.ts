import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/** Real recordings and Deepgram responses shipped beside the repository (../shared/fixtures). */
export const SHARED_FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures');
export const AUDIO_DIR = path.join(SHARED_FIXTURES, 'audio');
export const DEEPGRAM_FIXTURES = path.join(SHARED_FIXTURES, 'deepgram');
