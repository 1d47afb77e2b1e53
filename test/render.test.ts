/**
 * The pure renderers of the programs' config files, on their own.
 */
import { renderMongoSetup, renderPostgresSetup } from '../lib/render/database-setup';
import { renderNginxConf } from '../lib/render/nginx-conf';
import { renderSelectorConfig } from '../lib/render/selector-config';
import { renderTaskManagerSetup } from '../lib/render/task-manager-setup';

describe('nginx.conf', () => {
  const conf = renderNginxConf({
    grpcPort: 31001,
    httpPort: 31002,
    selectorUpstream: 'sel.fl.svc.cluster.local:50055',
    sharedDictSize: '64m',
    clientMaxBodySize: '500M',
  });

  test('has every directive the Lua code relies on', () => {
    for (const line of [
      'env TOKEN;',
      'lua_shared_dict iptables 64m;',
      'lua_package_path "lua/?.lua;;";',
      'init_worker_by_lua_file lua/init.lua;',
      'client_max_body_size 500M;',
      'listen 31001 http2;',
      'listen 31002;',
      'server sel.fl.svc.cluster.local:50055;',
      'rewrite_by_lua_file lua/router.lua;',
      'grpc_pass grpc://coordinator;',
      'content_by_lua_file lua/router_table.lua;',
      'balancer_by_lua_block {',
    ]) {
      expect(conf).toContain(line);
    }
  });

  test('routes /ClientService to the selector and serves health and routes only on the HTTP port', () => {
    const [grpcServer, httpServer] = conf.split(/\n {4}server \{/).slice(1);
    expect(grpcServer).toMatch(/location \/ClientService \{\s*grpc_pass grpc:\/\/selector;/);
    expect(grpcServer).not.toContain('router_table');
    expect(httpServer).toContain('location = /api/v1/health');
    expect(httpServer).toContain('location /api/v1/internal/routers');
  });

  test('braces balance', () => {
    expect((conf.match(/\{/g) ?? []).length).toBe((conf.match(/\}/g) ?? []).length);
  });

  test('without TLS, clients reach the gRPC server directly: no PROXY protocol expected', () => {
    expect(conf).not.toContain('stream {');
    expect(conf).not.toContain('proxy_protocol');
  });
});

test('selector config: strings for the flags the program lower-cases, the strategy when given', () => {
  expect(JSON.parse(renderSelectorConfig({ port: 1, authClient: true, optimalSelect: false, strategy: { loss: 0.5 } }))).toEqual({
    port: 1,
    auth_client: 'true',
    optimal_select: 'false',
    strategy: { loss: 0.5 },
  });
});

test('task manager setup: types the program expects, optional keys only when set', () => {
  const dirs = { lmdb: '/l', workspace: '/w', datasets: '/d', taskConfigs: '/t' };
  const base = { server: 'p:1', externalAddress: 'n:2', port: 2, dirs, runtime: ['tensorflow', 'pytorch'], storageQuota: 5, registration: false, logLevel: 'DEBUG' };
  const file = JSON.parse(renderTaskManagerSetup(base));
  expect(file).toEqual({
    server: 'p:1',
    host: '0.0.0.0',
    port: 2,
    external_address: 'n:2',
    platform: 'k8s',
    lmdb_path: '/l',
    workspace: '/w',
    task_config_entry: '/t',
    datasets: '/d/datasets.json',
    runtime: 'tensorflow,pytorch',
    storage_quota: 5,
    registration: 'false',
    log_level: 'DEBUG',
  });
  expect(JSON.parse(renderTaskManagerSetup({ ...base, label: 'x', maxTaskParallelism: 3 }))).toMatchObject({ label: 'x', max_task_parallelism: 3 });
});

test('the set-up SQL creates the three tables and the models index idempotently, and no secret is in it', () => {
  for (const withRoles of [false, true]) {
    const sql = renderPostgresSetup(withRoles);
    expect(sql.match(/CREATE TABLE IF NOT EXISTS (\w+)/g)).toEqual(['CREATE TABLE IF NOT EXISTS jobs', 'CREATE TABLE IF NOT EXISTS models', 'CREATE TABLE IF NOT EXISTS tasks']);
    expect(sql).toContain("CREATE UNIQUE INDEX IF NOT EXISTS models_data_id ON models ((data->>'id'));");
    expect(sql).not.toMatch(/PASSWORD '/);
  }
  expect(renderPostgresSetup(false)).not.toContain('ROLE');
});

test('each program role may touch only its own table', () => {
  const sql = renderPostgresSetup(true);
  const grants = [...sql.matchAll(/GRANT SELECT, INSERT, UPDATE, DELETE ON (\w+) TO :"(\w+)"/g)].map((m) => [m[2], m[1]]);
  expect(grants).toEqual([
    ['db_job_scheduler_user', 'jobs'],
    ['db_model_manager_user', 'models'],
    ['db_task_manager_user', 'tasks'],
    ['db_edge_task_manager_user', 'tasks'],
  ]);
  expect(sql).toMatch(/NOSUPERUSER NOCREATEDB NOCREATEROLE/);
});

test('the MongoDB set-up creates the collections and the unique models index in the named database', () => {
  const js = renderMongoSetup('neursafe_fl');
  expect(js).toContain('db.getSiblingDB("neursafe_fl")');
  expect(js).toContain('["jobs","models","tasks"]');
  expect(js).toContain('target.models.createIndex({ id: 1 }, { unique: true })');
});
