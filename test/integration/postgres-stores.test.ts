// The PostgreSQL stores against the same store contracts as the in-memory ones (a real
// PostgreSQL: a throwaway cluster of our own, or DATABASE_URL), then what only they have:
// migrations, sweeps, caches kept by notifications, and behaviour when the database is down.
import { startTestDatabase, type TestDatabase } from '../helpers/postgres';
import { PostgresFixture } from '../helpers/postgres-stores';
import { describeSessionStore } from '../helpers/session-store-suite';
import { describeAttemptCounter, describeRevocationStore, describeUserStore } from '../helpers/store-suites';

jest.setTimeout(60_000);

let database: TestDatabase;
let pg: PostgresFixture;

beforeAll(async () => {
  database = await startTestDatabase();
  pg = await PostgresFixture.open(database);
});

afterAll(async () => {
  await pg?.close();
  await database?.destroy();
});

describeUserStore('postgres', () => pg.users());
describeSessionStore('postgres', () => pg.sessions());
describeAttemptCounter('postgres', (clock) => pg.attempts(clock));
describeRevocationStore('postgres', (clock) => pg.revocations(clock));
