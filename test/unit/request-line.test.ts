// The per-request log line is written pre-serialised (lineWriter in src/logger.ts) instead of
// through pino's object path: it must be the very line pino would have written.
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { installRequestLogging } from '../../src/http/request-logging';
import { createLogger, jsonString, lineWriter } from '../../src/logger';
import { LogCapture } from '../helpers/test-app';

const ODD_STRINGS = [
  '/protected',
  '/users/me',
  '/a"quote',
  '/back\\slash',
  '/ünïcödé/名前',
  '/control\u0001\u001f\u007f',
  '/line\nbreak\ttab',
  '/emoji/\u{1f600}',
  '/lone-surrogate-\ud800',
  '',
];

describe('jsonString', () => {
  it.each(ODD_STRINGS)('is JSON.stringify for %j', (value) => {
    expect(jsonString(value)).toBe(JSON.stringify(value));
  });
});

describe('lineWriter', () => {
  it('writes, byte for byte but the time, the line pino writes for the same fields', () => {
    const fast = new LogCapture();
    const slow = new LogCapture();
    const write = lineWriter(createLogger('info', fast));
    const generic = createLogger('info', slow);
    expect(write).toBeDefined();
    for (const path of ODD_STRINGS) {
      const fields = {
        reqId: 'r-1',
        req: { id: 'r-1', method: 'GET', path },
        res: { statusCode: 200 },
        responseTime: 3,
      };
      write?.(
        'info',
        `"reqId":${jsonString('r-1')},"req":{"id":"r-1","method":"GET","path":${jsonString(path)}},"res":{"statusCode":200},"responseTime":3,"msg":"GET 200"`,
      );
      generic.info(fields, 'GET 200');
    }
    const withoutTime = (text: string) => text.replace(/"time":"[^"]+"/g, '"time":"T"');
    expect(withoutTime(fast.text)).toBe(withoutTime(slow.text));
    expect(fast.entries()).toHaveLength(ODD_STRINGS.length);
    expect(fast.entries()[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('honours the logger level', () => {
    const capture = new LogCapture();
    const write = lineWriter(createLogger('info', capture));
    write?.('debug', '"msg":"hidden"');
    write?.('error', '"msg":"shown"');
    expect(capture.entries().map((e) => [e.level, e.msg])).toEqual([['error', 'shown']]);
  });

  it('is undefined for a logger it does not know the format of', () => {
    expect(lineWriter(pino({ enabled: false }))).toBeUndefined();
  });
});

describe('installRequestLogging with a logger of another make', () => {
  it('logs the same fields through pino itself', async () => {
    const capture = new LogCapture();
    const app = express();
    app.use(installRequestLogging(app, pino({ base: null, timestamp: false }, capture)));
    app.get('/thing', (_req, res) => {
      res.json({});
    });
    await request(app).get('/thing?secret=1').set('X-Request-Id', 'other-make').expect(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.entries()).toEqual([
      {
        level: 30,
        reqId: 'other-make',
        req: { id: 'other-make', method: 'GET', path: '/thing' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number) as number,
        msg: 'GET 200',
      },
    ]);
  });
});
