import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { deepgramErrCode } from '../domain/deepgram-error-codes.js';

/**
 * Refuses a WebSocket upgrade with a plain HTTP answer, as Deepgram does for bad live parameters: the status,
 * `dg-error` and `dg-request-id` headers, and a JSON body carrying both our error envelope and Deepgram's fields.
 */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message }, err_code: deepgramErrCode(code), err_msg: message, request_id: requestId });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `dg-request-id: ${requestId}`,
    `dg-error: ${message.replace(/[^\x20-\x7e]/g, '?')}`,
    'Connection: close',
  ];
  if (socket.writable) socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}
