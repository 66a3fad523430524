import { callDeepgramStandIn } from '../deepgram-stand-in.js';

/**
 * The floor job's one activity: the least a Deepgram call can be. With a stand-in, it asks it to transcribe the audio
 * (which answers after its set latency); without one, it only waits that long.
 */
export function floorActivities(deepgram?: { url: string; key: string; audioUrl: string }) {
  return {
    async callDeepgram(latencyMs: number): Promise<void> {
      if (deepgram) await callDeepgramStandIn(deepgram, deepgram.audioUrl);
      else await new Promise((resolve) => setTimeout(resolve, latencyMs));
    },
  };
}
