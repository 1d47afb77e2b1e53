/**
 * The idempotent database set-up run on every sync: the programs' tables
 * (and the unique index the model manager relies on), and for the embedded
 * PostgreSQL one login role per program with rights on its own table only;
 * and the shell scripts of the set-up Job's client that wait for the
 * database and run them. Pure: typed input to text.
 */
import { splitHostPort } from '../config/addresses';
import { COLLECTIONS, DATABASE_USERS } from '../resolve/database-users';
import type { DatabaseUser } from '../resolve/database-users';

/** psql variable names of a program's role and password (set with `psql -v`). */
export function roleVariables(user: DatabaseUser): { readonly user: string; readonly password: string } {
  const base = DATABASE_USERS[user].secret.replace(/-/g, '_');
  return { user: `${base}_user`, password: `${base}_password` };
}

/**
 * The psql script. Role names and passwords come in as psql variables
 * (`:"x"` quotes an identifier, `:'x'` a literal), so no secret is in the text.
 * @param withRoles create the programs' roles (the embedded database; an external one brings its own users)
 */
export function renderPostgresSetup(withRoles: boolean): string {
  const lines = [
    '-- Tables of the Neursafe FL programs: (id serial primary key, data jsonb).',
    ...COLLECTIONS.map((c) => `CREATE TABLE IF NOT EXISTS ${c} (id serial PRIMARY KEY, data jsonb);`),
    "CREATE UNIQUE INDEX IF NOT EXISTS models_data_id ON models ((data->>'id'));",
  ];
  if (withRoles) {
    lines.push('', '-- No access by default; each program gets a login role for its own table.', 'REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;');
    for (const user of Object.keys(DATABASE_USERS) as DatabaseUser[]) {
      const table = DATABASE_USERS[user].collection;
      const v = roleVariables(user);
      lines.push(
        '',
        `SELECT format('CREATE ROLE %I LOGIN', :'${v.user}') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'${v.user}') \\gexec`,
        `ALTER ROLE :"${v.user}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'${v.password}';`,
        `GRANT CONNECT ON DATABASE :"dbname" TO :"${v.user}";`,
        `GRANT USAGE ON SCHEMA public TO :"${v.user}";`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO :"${v.user}";`,
        `GRANT USAGE, SELECT ON SEQUENCE ${table}_id_seq TO :"${v.user}";`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The mongosh script for database `dbName`: the collections, and the unique index on models' `id`. */
export function renderMongoSetup(dbName: string): string {
  return [
    `const target = db.getSiblingDB(${JSON.stringify(dbName)});`,
    'const names = target.getCollectionNames();',
    `for (const c of ${JSON.stringify(COLLECTIONS)}) {`,
    '  if (!names.includes(c)) { target.createCollection(c); print(`created collection ${c}`); }',
    '}',
    'target.models.createIndex({ id: 1 }, { unique: true });',
    "print('collections ready');",
    '',
  ].join('\n');
}

/**
 * Shell script of the PostgreSQL set-up: wait for the server at `address` (host:port), then run `sqlFile` in
 * `dbName` as `$DB_USERNAME`, with the names and passwords of the `roles` (from the environment) as psql variables.
 */
export function renderPostgresSetupScript(address: string, dbName: string, sqlFile: string, roles: readonly DatabaseUser[]): string {
  const [host, port] = splitHostPort(address);
  const vars = roles.flatMap((user) => {
    const v = roleVariables(user);
    return [`-v ${v.user}="$${v.user.toUpperCase()}"`, `-v ${v.password}="$${v.password.toUpperCase()}"`];
  });
  return [
    'set -eu',
    `export PGHOST=${host} PGPORT=${port} PGDATABASE=${dbName} PGUSER="$DB_USERNAME" PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=5`,
    `until pg_isready -q; do echo "waiting for the database at ${address}"; sleep 2; done`,
    ['psql -v ON_ERROR_STOP=1', `-v dbname=${dbName}`, ...vars, `-f ${sqlFile}`].join(' '),
    'echo "tables and roles are ready"',
  ].join('\n');
}

/**
 * Shell script of the MongoDB set-up: wait for the server at `address` (host:port or a mongodb:// URI), then run
 * `jsFile` (the collections and the models index) as `$DB_USERNAME`, authenticated in `dbName`.
 */
export function renderMongoSetupScript(address: string, dbName: string, jsFile: string): string {
  const uri = address.startsWith('mongodb') ? address : `mongodb://${address}/${dbName}`;
  const login = `mongosh --quiet '${uri}' --username "$DB_USERNAME" --password "$DB_PASSWORD" --authenticationDatabase ${dbName}`;
  return [
    'set -eu',
    `until ${login} --eval 'db.getSiblingDB("${dbName}").runCommand({ ping: 1 })' >/dev/null; do echo "waiting for the database"; sleep 2; done`,
    `${login} --file ${jsFile}`,
  ].join('\n');
}
