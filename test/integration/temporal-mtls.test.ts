import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { startCaddy } from '../helpers/caddy.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { startAppProcess, type AppProcess } from '../helpers/processes.js';
import { freePort, stackEnv } from '../helpers/stack.js';

const SERVER_NAME = 'temporal.internal';

/** A private CA and the certificates signed by it, made with openssl as an operator would (EC P-256). */
function makePki(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', `${name}.key`, '-out', `${name}.pem`);
  };
  const leaf = (name: string, signer: string, extensions: string) => {
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    execFileSync('sh', ['-c', `printf '%s\\n' '${extensions}' > ${name}.ext`], { cwd: dir });
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  ca('ca');
  ca('rogue-ca');
  leaf('server', 'ca', `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth`);
  leaf('worker', 'ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth');
  leaf('intruder', 'rogue-ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth');
  const file = (name: string) => path.join(dir, name);
  return { file };
}

/**
 * An external Temporal cluster that demands mutual TLS, as Temporal Cloud and most self-hosted clusters do: Debian's
 * Caddy terminates TLS in front of the test's Temporal server (gRPC over h2c behind it) and admits only clients
 * with a certificate of the cluster's CA. The API and the batch worker, started as real processes with the
 * TEMPORAL_TLS_* settings the Kubernetes manifests mount, run a job through it; a client with no certificate or
 * one from another CA gets no connection, and says so at start.
 */
describeWithStack('Temporal over mutual TLS', { media: true, transcripts: { 'testing-websocket.wav': 'testing one two three' }, stack: false }, (t) => {
  let tlsAddress: string;
  let pki: ReturnType<typeof makePki>;
  let common: Record<string, string>;

  before(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'temporal-mtls-'));
    t.defer(() => rm(dir, { recursive: true, force: true }));
    pki = makePki(dir);
    const port = await freePort();
    const caddyfile = path.join(dir, 'Caddyfile');
    await writeFile(
      caddyfile,
      `{\n  admin off\n  auto_https off\n}\nhttps://:${port} {\n  tls ${pki.file('server.pem')} ${pki.file('server.key')} {\n    client_auth {\n      mode require_and_verify\n      trusted_ca_cert_file ${pki.file('ca.pem')}\n    }\n  }\n  reverse_proxy h2c://${t.parts.temporal.address}\n}\n`,
    );
    const caddy = await startCaddy(caddyfile);
    t.defer(() => {
      if (caddy.exitCode === null) caddy.kill('SIGKILL');
    });
    tlsAddress = `127.0.0.1:${port}`;
    common = {
      ...stackEnv(t.parts, { TEMPORAL_ADDRESS: tlsAddress, TEMPORAL_TLS_CA_FILE: pki.file('ca.pem'), TEMPORAL_TLS_SERVER_NAME: SERVER_NAME, LOG_LEVEL: 'info' }),
      METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: '0',
    };
    // Caddy takes a moment to listen.
    for (let i = 0; i < 50; i++) {
      const up = await fetch(`https://127.0.0.1:${port}`).then(() => true, (err: Error & { cause?: { code?: string } }) => err.cause?.code !== 'ECONNREFUSED');
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  const started: AppProcess[] = [];
  const start = (entry: string, env: Record<string, string>, readyWhen: string) => {
    const p = startAppProcess(entry, env, readyWhen);
    started.push(p);
    t.defer(() => {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    });
    return p;
  };

  test('the API and the worker with the cluster CA and a client certificate run a job', async () => {
    const env = { ...common, TEMPORAL_TLS_CERT_FILE: pki.file('worker.pem'), TEMPORAL_TLS_KEY_FILE: pki.file('worker.key') };
    const port = await freePort();
    const worker = start('src/main/worker.ts', env, 'batch worker running');
    const api = start('src/main/api.ts', { ...env, PORT: String(port) }, 'API listening');
    await Promise.all([worker.ready, api.ready]);
    const res = await fetch(`http://127.0.0.1:${port}/v1/transcriptions?mode=sync`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: t.audio('testing-websocket.wav') });
    const body = (await res.json()) as { status: string; transcript: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'completed');
    assert.equal(body.transcript, 'testing one two three');
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    await Promise.all([worker.exited, api.exited]);
  });

  test('without a client certificate, or with one of another CA, the worker gets no connection and exits saying why', async () => {
    const noCert = start('src/main/worker.ts', common, 'batch worker running');
    const intruder = start('src/main/worker.ts', { ...common, TEMPORAL_TLS_CERT_FILE: pki.file('intruder.pem'), TEMPORAL_TLS_KEY_FILE: pki.file('intruder.key') }, 'batch worker running');
    const outcomes = await Promise.allSettled([noCert.ready, intruder.ready]);
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.status, 'rejected', 'a worker started without a valid client certificate');
      assert.match(String((outcome as PromiseRejectedResult).reason), /exited with [1-9]/);
      assert.match([noCert, intruder][i]!.lines.join('\n'), new RegExp(`cannot connect to Temporal at ${tlsAddress.replace(/\./g, '\\.')} over TLS`));
    }
  });

  test('a missing certificate file is named at start', async () => {
    const p = start('src/main/worker.ts', { ...common, TEMPORAL_TLS_CERT_FILE: '/nonexistent/worker.pem', TEMPORAL_TLS_KEY_FILE: pki.file('worker.key') }, 'batch worker running');
    await assert.rejects(p.ready, /exited with [1-9]/);
    assert.match(p.lines.join('\n'), /TEMPORAL_TLS_CERT_FILE.*\/nonexistent\/worker\.pem|\/nonexistent\/worker\.pem/);
  });
});
