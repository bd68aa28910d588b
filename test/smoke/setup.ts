// Jest set-up for the 'smoke' project (runs before each smoke test file is loaded).
// Jest 30 ignores `testTimeout` inside a project entry (only the global value reaches the
// runner), so the long default is set here: image builds and compose runs take minutes.
jest.setTimeout(300_000);

// testcontainers reads these when it is first imported: the Ryuk reaper image cannot be pulled
// here (every test stops what it starts instead), and mapped ports are reached via localhost.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
