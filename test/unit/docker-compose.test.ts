import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ENV_VARIABLE_NAMES, loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** No Docker engine runs here, so docker-compose.yml is checked statically against the code it deploys. */
const compose = parse(await readFile(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { build?: string | { context: string; target?: string; args?: Record<string, string> }; image?: string; environment?: Record<string, unknown> | string[]; depends_on?: string[] | Record<string, unknown>; ports?: string[]; volumes?: string[]; command?: string[] }>;
};
const schemaKeys = new Set(ENV_VARIABLE_NAMES);
const appServices = Object.entries(compose.services).filter(([, s]) => s.build === '.' || (typeof s.build === 'object' && s.build.context === '.'));

function envOf(service: { environment?: Record<string, unknown> | string[] }): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((kv) => kv.split('=', 2) as [string, string]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
}

/** What an operator must set (compose's `${VAR:?why}`), as they would. */
const REQUIRED_SAMPLE: Record<string, string> = {
  API_KEYS: 'mobile:0123456789abcdef0123456789abcdef',
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
};

/** The config a service would run with: its environment, compose's `${VAR:-default}` defaults and required values substituted. */
function configOf(name: string) {
  const substitute = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, key: string) => REQUIRED_SAMPLE[key] ?? '');
  return loadConfig(Object.fromEntries(Object.entries(envOf(compose.services[name]!)).map(([k, v]) => [k, substitute(v)])));
}

/** `[ip:]host:container` → { ip, hostPort }. */
function published(port: string): { ip: string; hostPort: string } {
  const parts = String(port).split(':');
  return parts.length === 3 ? { ip: parts[0]!, hostPort: parts[1]! } : { ip: '0.0.0.0', hostPort: parts[0]! };
}

/** The Dockerfile's stages by name (`FROM … AS name`). */
const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);

test('the app services are the API, the workers, the emulator and the local engine, each running the compiled build of an existing entry point with node', () => {
  assert.deepEqual(appServices.map(([name]) => name).sort(), ['api', 'deepgram-emulator', 'local-engine', 'streaming-worker', 'worker']);
  for (const [name, service] of appServices) {
    assert.equal(service.command?.[0], 'node', `${name} runs node on the compiled output, not tsx`);
    const entry = service.command?.find((part) => part.startsWith('src/main/'));
    assert.match(entry ?? '', /\.js$/, `${name} runs ${entry}`);
    assert.ok(existsSync(path.join(REPO_ROOT, entry!.replace(/\.js$/, '.ts'))), `${name} runs ${entry}, compiled from a source that exists`);
    const target = typeof service.build === 'object' ? service.build.target : undefined;
    assert.ok(target && stages.includes(target), `${name} builds the Dockerfile stage ${target} (stages: ${stages.join(', ')})`);
  }
});

test('every variable given to an app service is one the config schema reads', () => {
  for (const [name, service] of appServices) {
    const unknown = Object.keys(envOf(service)).filter((key) => !schemaKeys.has(key));
    assert.deepEqual(unknown, [], `${name} sets variables the app never reads`);
  }
});

test('the API and worker environments pass the config schema (with compose defaults substituted)', () => {
  for (const name of ['api', 'worker', 'streaming-worker']) {
    const config = configOf(name);
    assert.ok(config.db.url, `${name} has a database`);
    assert.equal(config.temporal.address, 'temporal:7233');
  }
});

test('every dependency names a service, and every mounted file exists', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const dep of deps) assert.ok(compose.services[dep], `${name} depends on unknown service ${dep}`);
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('./')) assert.ok(existsSync(path.join(REPO_ROOT, source)), `${name} mounts missing ${source}`);
    }
  }
});

test('published ports do not collide', () => {
  const hostPorts = Object.values(compose.services).flatMap((s) => (s.ports ?? []).map((p) => published(p).hostPort));
  assert.equal(new Set(hostPorts).size, hostPorts.length, hostPorts.join(', '));
  assert.ok(existsSync(path.join(REPO_ROOT, 'Dockerfile')));
});

test('Prometheus scrapes every process that serves /metrics, on the port its config gives it', async () => {
  const prometheus = parse(await readFile(path.join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: Array<{ dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  };
  const scraped = new Set(prometheus.scrape_configs.flatMap((job) => (job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((n) => `${n}:${sd.port}`))));
  const expected = [
    `api:${configOf('api').http.port}`,
    `worker:${configOf('worker').metrics.port}`,
    `worker:${configOf('worker').metrics.temporalSdkPort}`,
    `streaming-worker:${configOf('streaming-worker').live.port}`,
  ];
  for (const target of expected) assert.ok(scraped.has(target), `Prometheus does not scrape ${target} (it scrapes ${[...scraped].join(', ')})`);
});

test('each worker\'s healthcheck asks the port its config serves status on', () => {
  const probe = (name: string) => JSON.stringify((compose.services[name] as { healthcheck?: { test?: unknown } }).healthcheck?.test ?? '');
  assert.match(probe('api'), new RegExp(`127\\.0\\.0\\.1:${configOf('api').http.port}/ready`));
  assert.match(probe('worker'), new RegExp(`127\\.0\\.0\\.1:${configOf('worker').metrics.port}/ready`));
  assert.match(probe('streaming-worker'), new RegExp(`127\\.0\\.0\\.1:${configOf('streaming-worker').live.port}/health`));
});

test('secure by default: only the proxy (REST and live, one base URL) is published beyond loopback; API keys and payload encryption keys are required', () => {
  const open = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).some((p) => published(p).ip !== '127.0.0.1')).map(([name]) => name);
  assert.deepEqual(open.sort(), ['proxy']);
  const proxy = compose.services.proxy!;
  assert.match(proxy.image ?? '', /^caddy:/, 'the official Caddy image');
  const upstreams = envOf(proxy);
  assert.equal(upstreams.API_UPSTREAMS, `api:${configOf('api').http.port}`);
  assert.equal(upstreams.STREAMING_UPSTREAMS, `streaming-worker:${configOf('streaming-worker').live.port}`);
  assert.equal(String(configOf('api').http.trustedProxyHops), '1');
  for (const name of ['api', 'worker', 'streaming-worker']) {
    assert.match(String(envOf(compose.services[name]!).API_KEYS), /^\$\{API_KEYS:\?/, `${name} refuses to start without API_KEYS`);
    assert.ok(configOf(name).auth.keys.length > 0);
    assert.equal(configOf(name).auth.allowUnauthenticated, false);
    // Without it the separate entry points refuse to start; required here so compose says so before anything starts.
    assert.match(String(envOf(compose.services[name]!).PAYLOAD_ENCRYPTION_KEYS), /^\$\{PAYLOAD_ENCRYPTION_KEYS:\?/, `${name} requires PAYLOAD_ENCRYPTION_KEYS`);
    assert.equal(configOf(name).temporal.payloadKeys.length, 1);
  }
});

test('the local engine service builds the image stage with the engine inside and listens where its config says', () => {
  const service = compose.services['local-engine']!;
  assert.deepEqual(service.build, { context: '.', target: 'local-engine' });
  const stage = dockerfile.slice(dockerfile.search(/^FROM runtime AS local-engine/m));
  assert.match(stage, /bash scripts\/setup-tools\.sh speech/, 'the engine is installed by the same hash-checked installer as npm run setup');
  for (const file of ['scripts/setup-tools.sh', 'scripts/speech-requirements.txt']) assert.ok(existsSync(path.join(REPO_ROOT, file)), `${file} is copied into the image`);
  const config = configOf('local-engine');
  assert.equal(config.localEngine.host, '0.0.0.0');
  assert.ok((service.ports ?? []).some((p) => published(p).hostPort === String(config.localEngine.port)));
  assert.match(JSON.stringify((service as { healthcheck?: { test?: unknown } }).healthcheck?.test), new RegExp(`127\\.0\\.0\\.1:${config.localEngine.port}/health`));
});
