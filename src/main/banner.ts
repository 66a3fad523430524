export interface BannerInfo {
  apiUrl: string;
  /** Deepgram-compatible live WebSocket endpoint. */
  liveUrl?: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  database: string;
  deepgramUrl: string;
  emulated: boolean;
  temporalSdkMetricsUrl?: string;
}

/** The start-up banner: every URL a newcomer needs, and an honest word about synthetic transcripts. */
export function printBanner(info: BannerInfo): void {
  const lines = [
    '',
    '  Durable transcription platform is running',
    '',
    `  API             ${info.apiUrl}`,
    `    submit        curl -X POST ${info.apiUrl}/v1/transcriptions -H 'content-type: application/json' -d '{"url":"https://…/audio.wav"}'`,
    `    health        ${info.apiUrl}/health   ready: ${info.apiUrl}/ready`,
    `    metrics       ${info.apiUrl}/metrics${info.temporalSdkMetricsUrl ? `   (Temporal SDK: ${info.temporalSdkMetricsUrl})` : ''}`,
    ...(info.liveUrl ? [`  Live (WS)       ${info.liveUrl}   (Deepgram SDK: baseUrl ${info.apiUrl}; sessions: ${info.apiUrl}/v1/streams)`] : []),
    `  Temporal        ${info.temporalAddress}`,
    `  Temporal UI     ${info.temporalUiUrl ?? '(not known: set TEMPORAL_UI_URL)'}`,
    `  Database        ${info.database}`,
    `  Deepgram        ${info.deepgramUrl}${info.emulated ? '   (local emulator)' : ''}`,
  ];
  if (info.emulated) {
    lines.push(
      '',
      '  NOTE: no DEEPGRAM_API_KEY is set, so Deepgram is the local emulator: transcripts are SYNTHETIC',
      '        (marked "emulator-synthetic" in metadata.model_info). Set DEEPGRAM_API_KEY for real ones.',
    );
  }
  lines.push('', '  Ctrl+C stops everything.', '');
  process.stdout.write(lines.join('\n') + '\n');
}
