import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ClientAttachment, LiveCloseReason } from '../src/domain/live.js';

/** Workflow type name; renaming it breaks running sessions. */
export const LIVE_SESSION_WORKFLOW = 'liveSession';

/** A client (re)connected with this session's id: relay from the process that now holds its socket. */
export const attachClientSignal = defineSignal<[ClientAttachment]>('attachClient');

/** `POST /v1/streams/:id/close`: end the session gracefully (Finalize, CloseStream, last finals stored). */
export const closeLiveSessionSignal = defineSignal<[]>('closeLiveSession');

export interface LiveSessionState {
  status: 'relaying' | 'waiting_for_client' | 'ended';
  closeRequested: boolean;
  /** The connection the session should be relaying now (the newest attach). */
  connectionId: string;
  taskQueue: string;
  resumes: number;
  closeReason: LiveCloseReason | null;
}

/** Asked by a relay that was cancelled, to tell its client why. */
export const liveSessionStateQuery = defineQuery<LiveSessionState>('liveSessionState');

export interface LiveSessionSummary {
  sessionId: string;
  closeReason: LiveCloseReason;
  resumes: number;
}
