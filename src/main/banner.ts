import type { EngineInfo } from '../emulator/index.js';

export interface BannerInfo {
  apiUrl: string;
  /** Deepgram-compatible live WebSocket endpoint. */
  liveUrl?: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  database: string;
  deepgramUrl: string;
  emulated: boolean;
  /** The emulator's offline speech engine, or null when its transcripts are synthetic. */
  emulatorEngine?: EngineInfo | null;
  /** Why EMULATOR_ENGINE=auto found no engine (how to install it). */
  emulatorEngineMissing?: string;
  temporalSdkMetricsUrl?: string;
  /** API_KEYS is set: requests need a key (the first key's name is shown, never a secret). */
  apiKeyName?: string;
}

/** The start-up banner: every URL a newcomer needs, and an honest word about where emulated transcripts come from. */
export function printBanner(info: BannerInfo): void {
  const lines = [
    '',
    '  Durable transcription platform is running',
    '',
    `  API             ${info.apiUrl}`,
    `    submit        curl -X POST ${info.apiUrl}/v1/transcriptions${info.apiKeyName ? ` -H 'authorization: Token <${info.apiKeyName}'s secret>'` : ''} -H 'content-type: application/json' -d '{"url":"https://…/audio.wav"}'`,
    `    health        ${info.apiUrl}/health   ready: ${info.apiUrl}/ready`,
    `    metrics       ${info.apiUrl}/metrics${info.temporalSdkMetricsUrl ? `   (Temporal SDK: ${info.temporalSdkMetricsUrl})` : ''}`,
    ...(info.liveUrl ? [`  Live (WS)       ${info.liveUrl}   (Deepgram SDK: baseUrl ${info.apiUrl}; sessions: ${info.apiUrl}/v1/streams)`] : []),
    `  Temporal        ${info.temporalAddress}`,
    `  Temporal UI     ${info.temporalUiUrl ?? '(not known: set TEMPORAL_UI_URL)'}`,
    `  Database        ${info.database}`,
    `  Deepgram        ${info.deepgramUrl}${info.emulated ? '   (local emulator)' : ''}`,
  ];
  if (info.emulated) lines.push('', ...emulatorNote(info));
  lines.push('', '  Ctrl+C stops everything.', '');
  process.stdout.write(lines.join('\n') + '\n');
}

/** What the emulator's transcripts are: real words from the offline engine (approximate) or synthetic ones. */
function emulatorNote(info: BannerInfo): string[] {
  const engine = info.emulatorEngine;
  if (engine) {
    return [
      `  NOTE: no DEEPGRAM_API_KEY is set, so Deepgram is the local emulator with an OFFLINE speech engine:`,
      `        Whisper ${engine.model} (faster-whisper ${engine.engineVersion} on ${engine.device}; audio decoded by PyAV ${engine.decoderVersion} / FFmpeg ${engine.ffmpegVersion}).`,
      '        Real words with punctuation, close to Deepgram on clear speech; no diarization or number formatting (README: Offline mode);',
      `        marked "local-${engine.model}" in metadata.model_info. Set DEEPGRAM_API_KEY for Deepgram's transcripts.`,
    ];
  }
  return [
    '  NOTE: no DEEPGRAM_API_KEY is set, so Deepgram is the local emulator: transcripts are SYNTHETIC',
    '        (marked "emulator-synthetic" in metadata.model_info). Set DEEPGRAM_API_KEY for real ones.',
    ...(info.emulatorEngineMissing ? [`        For real words offline: ${info.emulatorEngineMissing}`] : []),
  ];
}
