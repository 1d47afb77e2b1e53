/**
 * A PostgreSQL server for the tests that run the generated database
 * configuration for real: where its binaries are, and `describe` that skips
 * without them, unless REQUIRE_POSTGRES=1 (as in CI, whose script installs
 * them), where their absence fails the run.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The folder of initdb and pg_ctl of the newest installed server, if any. */
function serverBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(base, versions[0], 'bin') : undefined;
}

/** The server binaries' folder; undefined when none is installed. */
export const POSTGRES_BIN = serverBin();
if (!POSTGRES_BIN && process.env.REQUIRE_POSTGRES === '1') throw new Error('REQUIRE_POSTGRES=1 but no PostgreSQL server is installed (apt-get install postgresql)');

/** `describe` when a server is installed, else `describe.skip`. */
export const describeWithServer = POSTGRES_BIN ? describe : describe.skip;
