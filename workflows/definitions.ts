import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeepgramCallbackNotice, JobPhase, JobStatus, ResolvedMode, JobError } from '../src/domain/transcription.js';

/** Workflow type name of a file job (sync or async); renaming it breaks running workflows. */
export const TRANSCRIPTION_WORKFLOW = 'transcriptionJob';

/**
 * The file job's type before 2026-12-05, kept for the runs it started: its code decides its path by `patched()`
 * markers and keeps a JobStatus search attribute up to date. Renaming it breaks those runs.
 */
export const LEGACY_TRANSCRIPTION_WORKFLOW = 'transcription';

/** Workflow type name of webhook deliveries; renaming it breaks running deliveries. */
export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDelivery';

export interface TranscriptionProgress {
  status: JobStatus;
  mode: ResolvedMode | null;
  durationSeconds: number | null;
  deepgramRequestId: string | null;
  error: JobError | null;
  /** True while every Deepgram endpoint is down and the job waits for one to come back. */
  waitingForDeepgram: boolean;
  /** A long file transcribed in chunks: how many, and how many have their transcript. */
  chunks?: { total: number; completed: number };
  /** What the job is doing now; absent in workflows from before progress events. */
  phase?: JobPhase;
  /** Workflow time (Unix ms) the phase began: what an ETA is reckoned from. */
  phaseStartedAt?: number;
  /** Goes up with every change a progress event reports (phase, chunks, status): the events' ids. */
  version?: number;
  /** A stream job: finals stored and audio heard so far (counts only: no transcript crosses Temporal). */
  stream?: StreamProgress;
}

export interface StreamProgress {
  finals: number;
  audioSeconds: number;
}

/** Sent by a stream job's pull as finals are stored, so its progress events can say so. */
export const streamProgressSignal = defineSignal<[StreamProgress]>('streamProgress');

/** Current state of a running transcription, for callers that poll Temporal directly. */
export const jobStatusQuery = defineQuery<TranscriptionProgress>('jobStatus');

/** Sent by the API's callback route once Deepgram's callback body is stored. */
export const deepgramCallbackSignal = defineSignal<[DeepgramCallbackNotice]>('deepgramCallback');

/** Resolves once the workflow has chosen sync or async, so the API knows whether to wait for the result. */
export const routingUpdate = defineUpdate<ResolvedMode>('routing');

/** Workflow type name of a batch's dispatcher; renaming it breaks running batches. */
export const TRANSCRIPTION_BATCH_WORKFLOW = 'transcriptionBatch';

/** Workflow type name of a stream job (mode "stream"); renaming it breaks running streams. */
export const STREAM_TRANSCRIPTION_WORKFLOW = 'streamTranscription';
