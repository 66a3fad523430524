import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './stack.js';
import { REPO_ROOT } from './paths.js';

/** moto's S3-protocol server, installed by `npm run setup` (test-tools). */
export const MOTO_SERVER = path.join(REPO_ROOT, '.tools/moto/bin/moto_server');

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The environment a deployment would set for BLOB_STORE=s3 against this server. */
  env: Record<string, string>;
  client: S3Client;
  /** Keys of every object in the bucket. */
  keys(): Promise<string[]>;
  /** Stops the server (S3 becomes unreachable); start() brings a new one up on the same port, with an empty bucket. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A real S3-protocol server (moto) on a free port, with one bucket. Fails, not skips, when setup has not run. */
export async function startS3Server(bucket = 'audio-test'): Promise<S3Server> {
  if (!existsSync(MOTO_SERVER)) throw new Error(`${MOTO_SERVER} is missing: run \`npm run setup\``);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'test-access-key', secretAccessKey: 'test-secret-key' };
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(endpoint).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('moto server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    endpoint,
    bucket,
    client,
    env: {
      BLOB_STORE: 's3',
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async keys() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (listed.Contents ?? []).map((o) => o.Key!);
    },
    stop,
    start,
  };
}
