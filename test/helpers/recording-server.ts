// An attacker's key server for tests that prove the service never fetches what a token points
// at: it records every request path and answers with a fixed JSON body.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingServer {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** The path of every request received, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export async function startRecordingServer(body: () => string): Promise<RecordingServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
