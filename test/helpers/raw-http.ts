// Raw TCP for what an HTTP client library cannot send: garbage request lines, oversized
// headers, and requests whose body is still arriving.
import { once } from 'node:events';
import { connect } from 'node:net';
import { PASSWORD } from './accounts';

/** Sends `text` as-is and resolves with everything the server sent before closing. */
export const rawRequest = (port: number, text: string, host = '127.0.0.1'): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(text);
  });

export interface PartialRequest {
  /** Resolves with everything the server sent once it closes the connection. */
  readonly response: Promise<string>;
  /** Sends the rest of the request body. */
  finish(): void;
}

/**
 * Opens a connection and sends a POST /token whose headers announce the whole body but which
 * carries only its first bytes: a request that is still "in flight".
 */
export async function startPartialTokenRequest(
  host: string,
  port: number,
  username: string,
  password = PASSWORD,
): Promise<PartialRequest> {
  const body = new URLSearchParams({ username, password }).toString();
  const cut = 10;
  const socket = connect(port, host);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  const response = new Promise<string>((resolve, reject) => {
    socket.once('close', () => resolve(received));
    socket.once('error', (err) => (received ? resolve(received) : reject(err)));
  });
  socket.write(
    'POST /token HTTP/1.1\r\n' +
      `Host: ${host}:${port}\r\n` +
      'Content-Type: application/x-www-form-urlencoded\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body.slice(0, cut),
  );
  return { response, finish: () => socket.write(body.slice(cut)) };
}

/** Splits a raw HTTP/1.1 response into status, header block and JSON body. */
export function parseRawResponse(raw: string): { status: number; head: string; body: Record<string, unknown> } {
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? NaN);
  const sep = raw.indexOf('\r\n\r\n');
  const text = sep >= 0 ? raw.slice(sep + 4) : raw;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { _text: text };
  }
  return { status, head: sep >= 0 ? raw.slice(0, sep) : '', body };
}
