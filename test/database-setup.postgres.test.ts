/**
 * The database set-up, run for real against a PostgreSQL server started for
 * this test: the very script and SQL the set-up Job runs create the tables
 * and roles, twice without error, and each program's role reaches only its
 * own table. Needs the PostgreSQL server binaries (Debian: `apt-get install
 * postgresql`); without them the test is skipped, unless REQUIRE_POSTGRES=1
 * (as in CI, whose script installs them), where their absence fails it.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DATABASE_USERS, DatabaseUser } from '../lib/resolve/database-users';
import { renderPostgresSetup, renderPostgresSetupScript, roleVariables } from '../lib/render/database-setup';
import { describeWithServer, POSTGRES_BIN } from './support/postgres';

const bin = POSTGRES_BIN;

describeWithServer('database set-up against a real PostgreSQL', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-pg-'));
  const data = path.join(dir, 'data');
  const port = 40000 + (process.pid % 20000);
  const address = `127.0.0.1:${port}`;
  const asPostgres = (cmd: string, args: string[]) => {
    // initdb and postgres refuse to run as root.
    const root = process.getuid?.() === 0;
    return execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { encoding: 'utf8', stdio: 'pipe' });
  };
  const passwords: Record<string, string> = {};

  beforeAll(() => {
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(path.join(dir, 'pw'), 'superpass', { mode: 0o644 });
    asPostgres(path.join(bin!, 'initdb'), ['-D', data, '-U', 'neursafe', '--pwfile', path.join(dir, 'pw'), '--auth=scram-sha-256']);
    asPostgres(path.join(bin!, 'pg_ctl'), ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
    execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'neursafe', '-d', 'postgres', '-c', 'CREATE DATABASE neursafe_fl'], { env: { ...process.env, PGPASSWORD: 'superpass' } });
  }, 60000);

  afterAll(() => {
    try {
      asPostgres(path.join(bin!, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Runs the set-up Job's script with the Job's environment. */
  function setup(): { status: number | null; output: string } {
    const sql = path.join(dir, 'setup.sql');
    fs.writeFileSync(sql, renderPostgresSetup(true), { mode: 0o644 });
    const users = Object.keys(DATABASE_USERS) as DatabaseUser[];
    const env: Record<string, string> = { PATH: process.env.PATH!, HOME: dir, DB_USERNAME: 'neursafe', DB_PASSWORD: 'superpass' };
    for (const user of users) {
      const v = roleVariables(user);
      passwords[user] ??= `pw-${user}-${Math.random().toString(36).slice(2)}`;
      env[v.user.toUpperCase()] = DATABASE_USERS[user].role;
      env[v.password.toUpperCase()] = passwords[user];
    }
    const run = spawnSync('sh', ['-c', renderPostgresSetupScript(address, 'neursafe_fl', sql, users)], { env, encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  /** Runs one statement as a program's role; returns psql's exit code and output. */
  function as(user: DatabaseUser, statement: string): { status: number | null; output: string } {
    const run = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', DATABASE_USERS[user].role, '-d', 'neursafe_fl', '-v', 'ON_ERROR_STOP=1', '-tAc', statement], {
      env: { PATH: process.env.PATH!, PGPASSWORD: passwords[user] },
      encoding: 'utf8',
    });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  test('the set-up runs twice without error', () => {
    const first = setup();
    expect(first).toMatchObject({ status: 0 });
    expect(setup()).toMatchObject({ status: 0 });
  });

  test('each program finds its table as the programs look it up, and may use it', () => {
    for (const user of Object.keys(DATABASE_USERS) as DatabaseUser[]) {
      const table = DATABASE_USERS[user].collection;
      expect(as(user, `SELECT table_name FROM information_schema.TABLES WHERE table_name = '${table}'`).output.trim()).toBe(table);
      expect(as(user, `INSERT INTO ${table} (data) VALUES ('{"id": "${user}"}')`).status).toBe(0);
      expect(as(user, `UPDATE ${table} SET data = '{"id": "${user}", "x": 1}' WHERE data->>'id' = '${user}'`).status).toBe(0);
      expect(as(user, `DELETE FROM ${table} WHERE data->>'id' = '${user}'`).status).toBe(0);
    }
  });

  test('a role reaches no other table, and cannot create one', () => {
    expect(as('edgeTaskManager', 'SELECT count(*) FROM jobs').output).toContain('permission denied for table jobs');
    expect(as('edgeTaskManager', 'SELECT count(*) FROM models').output).toContain('permission denied for table models');
    expect(as('jobScheduler', 'SELECT count(*) FROM tasks').output).toContain('permission denied for table tasks');
    expect(as('modelManager', 'CREATE TABLE x (id int)').output).toContain('permission denied for schema public');
  });

  test('the models table refuses two models with one id (the model manager relies on it)', () => {
    expect(as('modelManager', `INSERT INTO models (data) VALUES ('{"id": "m1"}')`).status).toBe(0);
    expect(as('modelManager', `INSERT INTO models (data) VALUES ('{"id": "m1"}')`).output).toContain('duplicate key value violates unique constraint');
  });

  test('a role password changed in its Secret takes effect on the next set-up', () => {
    passwords.taskManager = 'a-new-password';
    expect(as('taskManager', 'SELECT 1').status).not.toBe(0);
    expect(setup().status).toBe(0);
    expect(as('taskManager', 'SELECT 1').output.trim()).toBe('1');
  });
});
