// The deployment of docs/deploy.md, for real-browser tests: one redis-server, two webchat-server
// instances sharing it, and Debian's nginx running docs/deploy/nginx-webchat.conf in front of them
// (ports, certificate and instance addresses substituted, every file in one temporary folder), as
// tests/server/nginx_front_test.cpp runs it for curl. Everything listens on loopback ports the OS
// picks, and everything stops in stop(), or when the test process exits, even after a failure.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { DEADLINE_MS, closedPort, startServer } from './harness.mjs';

const NGINX = process.env.WEBCHAT_NGINX ?? '/usr/sbin/nginx';
const REDIS = process.env.WEBCHAT_REDIS_SERVER ?? 'redis-server';
const SITE = fileURLToPath(new URL('../../docs/deploy/nginx-webchat.conf', import.meta.url));

/** The switch a browser needs to accept the deployment's self-signed certificate (Chromium). */
export const TRUST_TEST_CERTIFICATE = ['--ignore-certificate-errors'];

// Stopped when the test process exits, whatever the reason, so no service outlives a failed test:
// SIGKILL, but nginx gets SIGTERM, since its master SIGKILLed would leave its worker orphaned (on
// SIGTERM the master stops the worker itself, even after this process is gone).
const running = new Set();
process.on('exit', () => running.forEach((child) => child.kill(child.spawnargs[0] === NGINX ? 'SIGTERM' : 'SIGKILL')));

function service(command, args, name) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const log = [];
  child.stderr.on('data', (chunk) => log.push(chunk.toString()));
  const exited = new Promise((done) => child.once('exit', done));
  exited.then(() => running.delete(child));
  return {
    child,
    /** Rejects once the process has exited (for racing against a wait for it to be ready). */
    died: () => exited.then((code) => { throw new Error(`${name} exited with ${code}; ${log.join('')}`); }),
    describe: () => `${name} (${command}) wrote:\n${log.join('')}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves once `predicate` holds (polled), rejects with `describe()` after DEADLINE_MS. */
async function until(predicate, describe) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await predicate().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${describe()}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

/** An HTTPS GET that accepts the test certificate; resolves with the status code. */
function httpsStatus(url) {
  return new Promise((resolveStatus, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode);
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout'))).end();
  });
}

function startRedis(dir) {
  const socket = join(dir, 'redis.sock');
  // No TCP port at all: the instances reach it through its socket, as on one machine in deploy.md.
  const redis = service(REDIS, ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '',
                                '--appendonly', 'no', '--dir', dir], 'redis-server');
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis did not start: ${redis.describe()}`)), DEADLINE_MS);
    redis.child.once('exit', (code) => reject(new Error(`redis exited with ${code}: ${redis.describe()}`)));
    createInterface({ input: redis.child.stdout }).on('line', (line) => {
      if (!/ready to accept connections/i.test(line)) return;
      clearTimeout(timer);
      resolveUrl({ url: `unix://${socket}`, stop: redis.stop });
    });
  });
}

async function startNginx(dir, instances) {
  const [httpPort, httpsPort] = [await closedPort(), await closedPort()];
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj',
                                     '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
  const [a, b] = instances.map((instance) => new URL(instance.url).host);
  const site = readFileSync(SITE, 'utf8')
    .replaceAll('127.0.0.1:8081', a).replaceAll('127.0.0.1:8082', b)
    .replaceAll('listen [::]:80;', '').replaceAll('listen [::]:443 ssl http2;', '')
    .replaceAll('listen 80;', `listen 127.0.0.1:${httpPort};`)
    .replaceAll('listen 443 ssl', `listen 127.0.0.1:${httpsPort} ssl`)
    .replaceAll('/etc/ssl/webchat/fullchain.pem', join(dir, 'cert.pem'))
    .replaceAll('/etc/ssl/webchat/privkey.pem', join(dir, 'key.pem'));
  if (!site.includes(a) || !site.includes(b)) throw new Error(`${SITE} no longer names 127.0.0.1:8081 and :8082`);
  writeFileSync(join(dir, 'site.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${dir}/${kind};`);
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;\nworker_processes 1;\npid ${dir}/nginx.pid;\n` +
    `error_log ${dir}/error.log;\nevents { worker_connections 1024; }\n` +
    `http {\n  access_log off;\n  ${temp.join('\n  ')}\n  include ${dir}/site.conf;\n}\n`);
  const nginx = service(NGINX, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], 'nginx');
  const url = `https://127.0.0.1:${httpsPort}`;
  await Promise.race([until(async () => (await httpsStatus(`${url}/healthz`)) === 200,
                             () => `${url}/healthz never answered 200; ${nginx.describe()}`), nginx.died()])
    .catch(async (error) => {
      await nginx.stop();
      throw error;
    });
  return { url, stop: nginx.stop };
}

/** One instance's /metrics value for `name` (with its labels, if any), read directly, not through nginx. */
export async function metric(instance, name) {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name} at ${instance.url}`);
  return Number(line.slice(name.length + 1));
}

/**
 * Starts Redis, two instances sharing it and nginx in front. Resolves with { url: nginx's https URL,
 * instances: [two startServer() results: url, kill(), stop()], stop() }.
 */
export async function startDeployment() {
  const dir = mkdtempSync(join(tmpdir(), 'webchat-deploy-'));
  const stops = [];
  const stop = async () => {
    for (const halt of stops.reverse()) await halt().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const redis = await startRedis(dir);
    stops.push(redis.stop);
    const instances = [];
    for (let i = 0; i < 2; i++) {
      const instance = await startServer(['--redis', redis.url, '--quiet']);
      stops.push(instance.stop);
      instances.push(instance);
      await until(async () => (await fetch(`${instance.url}/healthz`)).status === 200,
                  () => `${instance.url}/healthz never answered 200:\n${instance.log.join('')}`);
    }
    const nginx = await startNginx(dir, instances);
    stops.push(nginx.stop);
    return { url: nginx.url, instances, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
