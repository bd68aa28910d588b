// The in-memory stores against the shared store contracts (the PostgreSQL stores run the
// same suites in test/integration/postgres-stores.test.ts).
import { MemoryAttemptCounter } from '../../src/data-access/memory-attempt-counter';
import { MemoryRevocationStore } from '../../src/data-access/memory-revocation-store';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { describeAttemptCounter, describeRevocationStore, describeUserStore } from '../helpers/store-suites';

describeUserStore('memory', () => new MemoryUserStore());
describeAttemptCounter('memory', (clock) => new MemoryAttemptCounter(clock));
describeRevocationStore('memory', (clock) => new MemoryRevocationStore(clock));
