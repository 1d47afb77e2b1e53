/**
 * Mutation checks: the done-when path (support/platform.ts, the same checks
 * as platform.e2e.test.ts) run on outputs with the defects issue 15 is
 * about, each expected to FAIL it:
 *  - the old split design (fixtures/old-split-nginx.conf, the output before
 *    the TLS tunnel: plaintext /ClientService only, 403 for everything else,
 *    task managers' `server` straight at the proxy, no tunnel). Its stream
 *    split needs stream-lua, which stock nginx lacks (nginx-conf.e2e.test.ts
 *    catches that); here the split is the same rule with the stock
 *    ssl_preread module, so that what is tested is the design: every task
 *    result is sent in plaintext (the programs' channel pool) and gets 403;
 *  - the current nginx.conf mutated to answer task results with 403;
 *  - task managers without their tunnel (`server` straight at the proxy's
 *    TLS port): they cannot even register.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { sleep, waitFor } from './support/cluster';
import { Platform, PlatformOptions } from './support/platform';
import { describeE2E } from './support/prereq';

jest.setTimeout(120000);

const OLD_CONF = fs.readFileSync(path.join(__dirname, 'fixtures', 'old-split-nginx.conf'), 'utf8');
const OLD_CLOUD_SETUP = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'old-task-manager-setup.json'), 'utf8'));
/** The old `server` values: the cloud task manager's from the old output, an edge node's the proxy's external address. */
const EXTERNAL = String(parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'platform.e2e.yaml'), 'utf8')).proxy.externalAddress);
const straightAtProxy = (json: any, site: string) => ({ ...json, server: site === 'cloud' ? OLD_CLOUD_SETUP.server : EXTERNAL });

/** The old split with stock modules: the first bytes decide (a TLS ClientHello, or not), as the old stream Lua did. */
function oldSplitOnStockNginx(conf: string): string {
  const start = conf.indexOf('stream {');
  const end = conf.indexOf('\nhttp {');
  if (start < 0 || end < 0) throw new Error('the old fixture has no stream block');
  const port = /listen (\d+);/.exec(conf.slice(start, end))![1];
  const stream = `stream {
    map $ssl_preread_protocol $grpc_by_protocol {
        ""      127.0.0.1:10444;
        default 127.0.0.1:10443;
    }
    server {
        listen ${port};
        ssl_preread on;
        proxy_pass $grpc_by_protocol;
        proxy_protocol on;
    }
}
`;
  return conf.slice(0, start) + stream + conf.slice(end);
}

async function runJob(platform: Platform, id: string): Promise<void> {
  await waitFor('both task managers in the selector', 30000, async () => (await platform.registeredClients()).length >= 2, () => platform.logs());
  expect(await platform.submitJob(platform.jobConfig(id, 'torch_mnist', 2, 20))).toMatchObject({ status: 201 });
  // Long enough for both trainings and their replies (the healthy run needs about 4 s).
  await waitFor('both task managers to send their TrainReply', 40000, () => {
    const log = platform.procs.proxy.log();
    return [platform.pods.taskManager.ip, platform.pods.edge.ip].every((ip) => log.includes(`${ip} - - `) && new RegExp(`${ip.replace(/\./g, '\\.')} .*TrainReply`).test(log));
  }, () => platform.logs());
  await sleep(2000);
}

function mutation(name: string, tag: string, options: Omit<PlatformOptions, 'tag'>, check: (p: Platform) => Promise<void>) {
  describeE2E(`mutation: ${name}`, () => {
    const platform = new Platform({ tag, ...options });
    beforeAll(() => platform.start(), 100000);
    afterAll(() => platform.stop());
    test('fails the done-when path', () => check(platform));
  });
}

mutation('the old split design (plaintext results get 403, no tunnel)', 'mo', {
  proxyConf: () => oldSplitOnStockNginx(OLD_CONF),
  withoutTunnel: true,
  taskManagerSetup: straightAtProxy,
}, async (platform) => {
  await runJob(platform, 'old-split');
  const missing = platform.resultsMissing('old-split');
  expect(missing).toEqual(expect.arrayContaining([expect.stringMatching(/no TrainReply from/), expect.stringMatching(/did not succeed|no coordinator/)]));
  // Why: the results came in plaintext, and the plaintext server answers 403.
  expect(platform.procs.proxy.log()).toMatch(/"POST \/TrainReplyService\/TrainReply HTTP\/2.0" 403/);
});

mutation('a proxy that answers task results with 403', 'm4', {
  proxyConf: (conf) => conf.replace(/location \/ \{\s*rewrite_by_lua_file lua\/router\.lua;[\s\S]*?\n {8}\}/, 'location / {\n            return 403;\n        }'),
}, async (platform) => {
  await runJob(platform, 'forbidden');
  expect(platform.resultsMissing('forbidden').length).toBeGreaterThan(0);
  expect(platform.procs.proxy.log()).toMatch(/"POST \/TrainReplyService\/TrainReply HTTP\/2.0" 403/);
});

mutation('task managers without their tunnel (server straight at the proxy)', 'mt', {
  withoutTunnel: true,
  taskManagerSetup: straightAtProxy,
  waitForTaskManagers: false,
}, async (platform) => {
  // Give them the time the healthy run needs to register (about 2 s), and more.
  await sleep(8000);
  expect(await platform.registeredClients()).toEqual([]);
  // The program gives up: its Register call got no answer (it does not retry; SPEC).
  for (const p of [platform.procs.cloudTaskManager, platform.procs.edgeTaskManager]) expect(p.child.exitCode).not.toBe(0);
  // Their plaintext never passed the proxy's TLS listener.
  expect(platform.procs.proxy.log()).toMatch(/SSL_do_handshake\(\) failed .*wrong version number.*client: 10\.250\.0\.16/);
});
