// Which driver failures mean "the database cannot answer now" (503, retry) and which are
// faults in our own SQL (500): a table, so a pg upgrade that changes a message shows here.
import { isUnavailable, translate } from '../../src/data-access/postgres/database';
import { StoreUnavailableError } from '../../src/domain/errors';
import { errorSummary } from '../../src/logger';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isUnavailable', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['host not found', withCode('ENOTFOUND')],
    [
      'admin shutdown (PostgreSQL restarting, pg 8 on idle clients)',
      withCode('57P01', 'terminating connection due to administrator command'),
    ],
    ['cannot connect now (starting up)', withCode('57P03')],
    ['connection exception class 08', withCode('08006')],
    ['too many connections (class 53)', withCode('53300')],
    ['statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['deadlock', withCode('40P01')],
    ['serialization failure', withCode('40001')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg: query read timeout', new Error('Query read timeout')],
    ['pg: pool ended', new Error('Cannot use a pool after calling end on the pool')],
  ])('%s: unavailable', (_, err) => {
    expect(isUnavailable(err)).toBe(true);
  });

  it.each([
    ['syntax error (our SQL)', withCode('42601')],
    ['undefined table (schema not migrated)', withCode('42P01')],
    ['unique violation', withCode('23505')],
    ['wrong password: waiting will not fix it', withCode('28P01')],
    ['no such database', withCode('3D000')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('%s: a fault, not an outage', (_, err) => {
    expect(isUnavailable(err)).toBe(false);
  });

  it('translate() turns an outage into StoreUnavailableError (keeping the cause) and rethrows anything else as is', () => {
    const outage = withCode('ECONNREFUSED');
    expect(() => translate(outage)).toThrow(StoreUnavailableError);
    try {
      translate(outage);
    } catch (err) {
      expect((err as StoreUnavailableError).cause).toBe(outage);
      expect((err as StoreUnavailableError).retryAfterSeconds).toBe(2);
    }
    const bug = withCode('42601');
    expect(() => translate(bug)).toThrow(bug);
  });
});

describe('errorSummary', () => {
  it('keeps the message and code only: no stack, no query text or parameters', () => {
    const err = Object.assign(new Error('boom'), { code: '23505', query: 'SELECT secret', parameters: ['pw'] });
    expect(errorSummary(err)).toEqual({ message: 'boom', code: '23505' });
    expect(errorSummary(new Error('plain'))).toEqual({ message: 'plain' });
    expect(errorSummary('text')).toEqual({ message: 'text' });
    expect(errorSummary(undefined)).toEqual({ message: 'undefined' });
  });
});
