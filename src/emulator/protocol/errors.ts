/** Deepgram-shaped error bodies (legacy `{err_code, err_msg, request_id}` family). */

export interface DeepgramErrorBody {
  err_code: string;
  err_msg: string;
  request_id: string;
}

export const errorBody = (errCode: string, errMsg: string, requestId: string): DeepgramErrorBody => ({
  err_code: errCode,
  err_msg: errMsg,
  request_id: requestId,
});

export const invalidAuth = (id: string) => errorBody('INVALID_AUTH', 'Invalid credentials.', id);
/** Deepgram's message, plus the decoder's reason when the local engine knows it. */
export const corruptAudio = (id: string, detail?: string) =>
  errorBody('Bad Request', `Bad Request: failed to process audio: corrupt or unsupported data${detail ? ` (${detail})` : ''}`, id);
export const invalidJson = (id: string) =>
  errorBody('Bad Request', 'Content-type was application/json, but we could not process the JSON payload.', id);
/** `message` e.g. "The remote server hosting the media returned a client error: 404 Not Found." */
export const remoteContent = (id: string, message: string) => errorBody('REMOTE_CONTENT_ERROR', message, id);
export const invalidCallback = (id: string) => errorBody('Bad Request', 'Invalid callback url.', id);
export const invalidParam = (id: string, message: string) => errorBody('INVALID_QUERY_PARAMETER', message, id);

/** Default err_code / err_msg for an injected fault status. */
export function faultError(status: number): { errCode: string; errMsg: string } {
  switch (status) {
    case 400: return { errCode: 'Bad Request', errMsg: 'Bad Request: failed to process audio: corrupt or unsupported data' };
    case 401: return { errCode: 'INVALID_AUTH', errMsg: 'Invalid credentials.' };
    case 402: return { errCode: 'ASR_PAYMENT_REQUIRED', errMsg: 'Project does not have enough credits for an ASR request.' };
    case 403: return { errCode: 'INSUFFICIENT_PERMISSIONS', errMsg: 'Project does not have access to the requested model.' };
    case 408: return { errCode: 'REQUEST_TIMEOUT', errMsg: 'Request timed out.' };
    case 429: return { errCode: 'TOO_MANY_REQUESTS', errMsg: 'Too many requests. Please try again later' };
    case 500: return { errCode: 'INTERNAL_SERVER_ERROR', errMsg: 'An internal server error occurred.' };
    case 502: return { errCode: 'BAD_GATEWAY', errMsg: 'Bad gateway.' };
    case 503: return { errCode: 'SERVICE_UNAVAILABLE', errMsg: 'The service is temporarily unavailable. Please try again later.' };
    case 504: return { errCode: 'GATEWAY_TIMEOUT', errMsg: 'Processing exceeded the maximum time.' };
    default: return status >= 500
      ? { errCode: 'INTERNAL_SERVER_ERROR', errMsg: `Server error (${status}).` }
      : { errCode: 'Bad Request', errMsg: `Request failed (${status}).` };
  }
}

/** WebSocket close reasons (Deepgram closes live sockets with 1011 NET-000x or 1008 DATA-0000; max 123 bytes). */
export const NET_0001 = 'NET-0001: Deepgram did not receive audio data or a text message within the timeout window. dpgr.am/net0001';
export const NET_0000 = 'NET-0000: Deepgram encountered an internal error while processing the stream. See dpgr.am/net0000';
export const DATA_0000 = 'DATA-0000: The payload cannot be decoded as audio. Check the encoding. See dpgr.am/data0000';
