// `npm run keys -- <command>` (in the image: `node dist/keys.js <command>`): manages the
// signing keys in JWT_KEYS_DIR while the service runs. Replicas sharing the directory pick a
// change up within seconds (data-access/key-directory.ts), so nothing restarts.
//
//   list                          every key: signing, pending, verify-only or retired
//   rotate [--activate-in S] [--private-key-file F]
//                                 publish a new key now, sign with it S seconds from now,
//                                 and stop accepting the old one once its tokens expired
//   retire <kid>                  stop accepting a key now (compromised); adds a new one
//                                 at once if nothing else could sign
//   prune                         delete retired entries and private keys no longer needed
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configOrExit, EXIT_BAD_CONFIG, type Config } from './config';
import { isFileSystemError, KeyDirectory, KeyDirectoryError } from './data-access/key-directory';
import { systemClock } from './domain/clock';
import { JWKS_MAX_AGE_SECONDS } from './http/discovery';

/** EX_USAGE (sysexits.h). */
const EXIT_USAGE = 64;

/**
 * Default for `rotate --activate-in`: the JWKS cache lifetime plus a margin for the replicas'
 * reload, so every resource server has the new key before any token names it.
 */
export const DEFAULT_ACTIVATION_DELAY_SECONDS = JWKS_MAX_AGE_SECONDS + 60;
/** Kept after the switch beyond the token lifetime and clock tolerance: replicas' reload and skew. */
const RETENTION_MARGIN_SECONDS = 60;

const USAGE = `usage: keys list
       keys rotate [--activate-in SECONDS] [--private-key-file PEM]
       keys retire <kid>
       keys prune`;

const line = (text: string) => process.stdout.write(`${text}\n`);

async function run(argv: readonly string[], config: Config): Promise<number> {
  const signing = config.jwt.signing;
  if (signing.kind !== 'key-directory') {
    process.stderr.write(
      `keys: JWT_ALGORITHM=${signing.algorithm}${signing.kind === 'private-key' ? ' with JWT_PRIVATE_KEY' : ''} does not use a key directory; ` +
        'these commands manage JWT_KEYS_DIR for EdDSA, ES256 or RS256 without JWT_PRIVATE_KEY(_FILE)\n',
    );
    return EXIT_BAD_CONFIG;
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { 'activate-in': { type: 'string' }, 'private-key-file': { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  const directory = new KeyDirectory(signing.dir, systemClock);
  // How long a replaced key keeps verifying once its successor signs: every token it signed has
  // expired by then. From this process's settings, which must be the service's (same env).
  const retainMs =
    (config.jwt.accessTokenTtlSeconds + config.jwt.clockToleranceSeconds + RETENTION_MARGIN_SECONDS) * 1000;
  switch (command) {
    case 'list': {
      const keys = await directory.list();
      if (keys.length === 0) line(`no keys in ${signing.dir} yet: the service creates the first at its first start`);
      for (const k of keys) {
        line(
          `${k.kid}  ${k.alg.padEnd(5)}  ${k.status.padEnd(11)}  activates ${k.activatesAt.toISOString()}` +
            (k.verifyUntil === undefined ? '' : `  accepted until ${k.verifyUntil.toISOString()}`),
        );
      }
      return 0;
    }
    case 'rotate': {
      const given = values['activate-in'];
      const activateIn =
        given === undefined ? DEFAULT_ACTIVATION_DELAY_SECONDS : /^\d+$/.test(given) ? Number(given) : NaN;
      if (!Number.isSafeInteger(activateIn)) throw new UsageError('--activate-in takes whole seconds (0 or more)');
      const file = values['private-key-file'];
      const result = await directory.rotate({
        alg: signing.algorithm,
        activateInMs: activateIn * 1000,
        retainMs,
        ...(file === undefined ? {} : { privateKey: readPrivateKey(file) }),
      });
      line(`added ${result.kid} (${signing.algorithm}): published now, signs from ${result.activatesAt.toISOString()}`);
      for (const r of result.retiring) line(`retiring ${r.kid}: accepted until ${r.verifyUntil.toISOString()}`);
      return 0;
    }
    case 'retire': {
      const [kid] = rest;
      if (kid === undefined) throw new UsageError('retire needs the kid to retire (see `keys list`)');
      const { replacement } = await directory.retire(kid, signing.algorithm, retainMs);
      line(`retired ${kid}: tokens it signed are refused from now on`);
      if (replacement !== undefined)
        line(`added ${replacement} (${signing.algorithm}), signing now: nothing else could sign`);
      return 0;
    }
    case 'prune': {
      const { entries, privateKeys } = await directory.prune();
      line(
        `removed ${entries.length} retired key(s) from the schedule, deleted ${privateKeys.length} private key file(s)`,
      );
      return 0;
    }
    default:
      throw new UsageError(command === undefined ? 'a command is needed' : `unknown command ${command}`);
  }
}

class UsageError extends Error {}

function readPrivateKey(file: string) {
  try {
    return createPrivateKey(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KeyDirectoryError(
      `--private-key-file ${file} ${isFileSystemError(err) ? `cannot be read (${(err as NodeJS.ErrnoException).code})` : 'is not a PEM private key'}`,
    );
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  try {
    process.exitCode = await run(process.argv.slice(2), config);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`keys: ${(err as Error).message}\n${USAGE}\n`);
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof KeyDirectoryError) {
      process.stderr.write(`keys: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  }
}

if (require.main === module) void main();
