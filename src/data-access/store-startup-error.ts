// Kept apart from postgres/open.ts so the process can recognise the error without loading the
// PostgreSQL stores (and pg, node-pg-migrate) when STORE=memory.

/** Start-up could not reach or prepare the database; the process exits with this message. */
export class StoreStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreStartupError';
  }
}
