/**
 * The idempotent database set-up run on every sync: the programs' tables
 * (and the unique index the model manager relies on), and for the embedded
 * PostgreSQL one login role per program with rights on its own table only.
 * Pure: typed input to text.
 */
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
