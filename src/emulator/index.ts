/** Deepgram-protocol emulator: a real HTTP + WebSocket server that the unmodified @deepgram/sdk v5 can talk to. */
export { startDeepgramEmulator } from './server.js';
export { DEFAULT_ENGINE_PYTHON, INSTALL_ENGINE_HINT, probeWhisper } from './engine/whisper-engine.js';
export type { EngineInfo, LocalModel, SpeechEngine } from './engine/types.js';
export type {
  DeepgramEmulator,
  EmulatorLogger,
  EmulatorOptions,
  EmulatorStats,
  FaultSpec,
  FaultTarget,
  RecordedRequest,
} from './types.js';
