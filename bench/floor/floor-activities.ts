/** The floor job's one activity: waits as long as Deepgram would answer. */
export function floorActivities() {
  return {
    async waitLikeDeepgram(latencyMs: number): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
    },
  };
}
