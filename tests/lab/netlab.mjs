// The network lab: real topologies built with Linux network namespaces, veth pairs and iptables NAT,
// so tests can put browsers behind home routers, symmetric NATs or UDP-blocking firewalls and watch
// them meet through the real signaling server and Debian's coturn. Needs root; nothing leaves the
// machine (only the documentation ranges 203.0.113.0/24 and 198.51.100.0/24, inside namespaces).
//
//   internet namespace: bridge br0, 203.0.113.1/24 (signaling server on :8080, coturn on :3478)
//     └─ one router namespace per LAN: wan 203.0.113.(10+i)/24, lan 198.51.100.(16i+1)/28, NAT kind
//          └─ the LAN namespace: eth0 198.51.100.(16i+2)/28, default route via its router
//
// NAT kinds (docs/lab.md): 'home' (MASQUERADE: endpoint-independent mapping, unsolicited packets to
// the router dropped as home routers do), 'symmetric' (MASQUERADE --random-fully: a new port per
// destination), 'udp-blocked' (a home NAT forwarding no UDP at all: only TCP gets out).
//
// Every run names its namespaces `wcl<pid>x<tag>-...`; teardown() removes them, a watchdog process
// removes them if this process dies first (even SIGKILL), and the next run removes what is left of
// runs whose process is gone.

// First: the run's folder (this.dir) goes in the process's own temporary folder.
import { alive } from '../browser/scratch.mjs';

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SKIP = 77;  // ctest's SKIP_RETURN_CODE for the lab tests
export const INTERNET = '203.0.113.1';
export const TURN_PORT = 3478;
export const SERVER_PORT = 8080;
const PREFIX = 'wcl';
const NAT_KINDS = ['home', 'symmetric', 'udp-blocked'];

async function sh(command, ...args) {
  try {
    return (await run(command, args)).stdout;
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')}: ${error.stderr || error.message}`);
  }
}

/** Why the lab cannot run here ('' when it can): not root, no namespaces, no iptables or coturn. */
export async function labUnavailable() {
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces)';
  const probe = `${PREFIX}${process.pid}xprobe`;
  try {
    await sh('ip', 'netns', 'add', probe);
    await sh('ip', 'netns', 'exec', probe, 'iptables', '-t', 'nat', '-S');
  } catch (error) {
    return `cannot create network namespaces with NAT: ${error.message.split('\n')[0]}`;
  } finally {
    await run('ip', ['netns', 'del', probe]).catch(() => {});
  }
  try {
    await sh('turnserver', '-h');
  } catch (error) {
    if (/ENOENT/.test(error.message)) return 'coturn (turnserver) is not installed';
  }
  return '';
}

async function namespaces() {
  const out = await sh('ip', 'netns', 'list');
  return out.split('\n').map((line) => line.split(' ')[0]).filter(Boolean);
}

// Kills whatever runs in the namespaces of one run, then deletes them (their veths go with them).
async function removeNamespaces(runPrefix) {
  const mine = (await namespaces()).filter((ns) => ns.startsWith(runPrefix));
  for (const ns of mine) {
    const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
    for (const pid of pids) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  for (const ns of mine) await run('ip', ['netns', 'del', ns]).catch(() => {});
}

/** Removes namespaces left behind by lab runs whose process is gone (a crash, a killed ctest). */
export async function removeStaleLabs() {
  const stale = new Set();
  for (const ns of await namespaces()) {
    const match = new RegExp(`^(${PREFIX}(\\d+)x[0-9a-f]+-)`).exec(ns);
    if (match && !alive(Number(match[2]))) stale.add(match[1]);
  }
  for (const runPrefix of stale) await removeNamespaces(runPrefix);
}

// A detached shell that outlives us: once our pid is gone it kills the run's processes and deletes
// its namespaces, so even a SIGKILLed test leaves nothing behind.
function startWatchdog(runPrefix, dir) {
  const script = `
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    for ns in $(ip netns list | cut -d' ' -f1 | grep "^$2"); do
      for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
      ip netns del "$ns"
    done
    rm -rf "$3"`;
  const child = spawn('sh', ['-c', script, 'webchat-lab-watchdog', String(process.pid), runPrefix, dir],
                      { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/**
 * Spawns `command` in namespace `ns`; resolves once a stdout/stderr line matches `ready`. The deadline
 * only bounds a failure: on a loaded machine (load 40 seen) five DevTools forwarders, node processes
 * started beside five Chromiums, took over 20 s to say they listen.
 */
function spawnIn(ns, command, args, ready, what, deadlineMs = 60000) {
  const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${log.join('\n')}`)), deadlineMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}:\n${log.join('\n')}`)); });
    const onLine = (line) => {
      log.push(line);
      const match = ready.exec(line);
      if (match) { clearTimeout(timer); resolve({ child, log, match }); }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
  });
}

const stopChild = (child) => new Promise((done) => {
  if (child.exitCode !== null || child.signalCode !== null) return done();
  child.once('exit', done);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 2000).unref();
});

export class Lab {
  /**
   * Builds the internet and one LAN per entry of `lans` ({ name: natKind }), in parallel-safe,
   * uniquely named namespaces. Call teardown() in a finally (or test.after).
   */
  static async create(lans) {
    await removeStaleLabs();
    const lab = new Lab(`${PREFIX}${process.pid}x${randomBytes(2).toString('hex')}-`);
    try {
      await lab.#build(lans);
    } catch (error) {
      await lab.teardown();
      throw error;
    }
    return lab;
  }

  #children = [];
  #servers = [];
  #watchdog;

  constructor(runPrefix) {
    this.prefix = runPrefix;
    this.dir = mkdtempSync(join(tmpdir(), 'webchat-lab-'));
    this.#watchdog = startWatchdog(runPrefix, this.dir);
    this.internet = `${runPrefix}inet`;
    this.lans = {};  // name → { ns, router, kind, address, routerAddress }
  }

  async #build(lans) {
    const inet = this.internet;
    await sh('ip', 'netns', 'add', inet);
    await this.#in(inet, 'ip link set lo up; ip link add br0 type bridge; ip link set br0 up;' +
                         ` ip addr add ${INTERNET}/24 dev br0`);
    let index = 0;
    for (const [name, kind] of Object.entries(lans)) {
      if (!NAT_KINDS.includes(kind)) throw new Error(`NAT kind is one of ${NAT_KINDS.join(', ')}, not "${kind}"`);
      index += 1;
      const ns = `${this.prefix}${name}`;
      const router = `${this.prefix}r${index}`;
      const wan = `203.0.113.${10 + index}`;
      const gateway = `198.51.100.${16 * index + 1}`;
      const address = `198.51.100.${16 * index + 2}`;
      await sh('ip', 'netns', 'add', router);
      await sh('ip', 'netns', 'add', ns);
      await sh('ip', '-n', router, 'link', 'add', 'wan', 'type', 'veth', 'peer', 'name', `r${index}`, 'netns', inet);
      await sh('ip', '-n', router, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await this.#in(inet, `ip link set r${index} master br0; ip link set r${index} up`);
      await this.#in(router, `ip link set lo up; ip link set wan up; ip link set lan up;
        ip addr add ${wan}/24 dev wan; ip addr add ${gateway}/28 dev lan;
        sysctl -qw net.ipv4.ip_forward=1`);
      await this.#in(ns, `ip link set lo up; ip link set eth0 up; ip addr add ${address}/28 dev eth0;
        ip route add default via ${gateway}`);
      this.lans[name] = { ns, router, kind, address, gateway, routerAddress: wan };
      await this.setNat(name, kind);
    }
  }

  // Runs a shell script inside a namespace.
  #in(ns, script) {
    return sh('ip', 'netns', 'exec', ns, 'sh', '-ec', script);
  }

  /** Puts LAN `name` behind a NAT of another kind (existing connections keep their mappings). */
  async setNat(name, kind) {
    const lan = this.lans[name];
    const random = kind === 'symmetric' ? ' --random-fully' : '';
    const blockUdp = kind === 'udp-blocked' ? 'iptables -A FORWARD -p udp -j DROP;' : '';
    await this.#in(lan.router, `iptables -F; iptables -t nat -F;
      iptables -t nat -A POSTROUTING -o wan -j MASQUERADE${random};
      iptables -A INPUT -i wan -m conntrack --ctstate NEW,INVALID -j DROP; ${blockUdp}`);
    lan.kind = kind;
  }

  /**
   * Gives LAN `name`'s router another public address, as a phone moving to another network: every
   * flow through the old one is gone (MASQUERADE forgets its mappings when their address goes).
   */
  async renumber(name, address) {
    const lan = this.lans[name];
    await this.#in(lan.router, `ip addr del ${lan.routerAddress}/24 dev wan; ip addr add ${address}/24 dev wan`);
    lan.routerAddress = address;
  }

  /**
   * Replaces the address of LAN `name`'s own interface by `address` (in its /28), as a laptop given a
   * new lease: what was bound to the old address is dead, and the browser sees its interface change.
   */
  async readdress(name, address) {
    const lan = this.lans[name];
    await this.#in(lan.ns, `ip addr del ${lan.address}/28 dev eth0; ip addr add ${address}/28 dev eth0;
      ip route replace default via ${lan.gateway}`);
    lan.address = address;
  }

  /** Starts webchat-server in the internet namespace; resolves with { url, signal, log, stop }. */
  async startServer(serverPath, webRoot, extraArgs = []) {
    const { child, log } = await spawnIn(this.internet, serverPath,
      ['--listen', `${INTERNET}:${SERVER_PORT}`, '--web-root', webRoot, ...extraArgs],
      /^listening on http:/, 'webchat-server');
    this.#children.push(child);
    const url = `http://${INTERNET}:${SERVER_PORT}`;
    return { url, signal: `${url}/sig`, log, stop: () => stopChild(child) };
  }

  /**
   * Starts Debian's coturn in the internet namespace as a STUN and TURN server (UDP and TCP on 3478)
   * with TURN REST credentials (use-auth-secret). Resolves with { secret, stun, turn, turnTcp, pid, log, stop }.
   */
  async startTurn(secret = randomBytes(16).toString('hex')) {
    const ready = /TCP listener opened on\s*:\s*203\.0\.113\.1:3478/;
    const { child, log } = await spawnIn(this.internet, 'turnserver', [
      '-n', '--listening-ip', INTERNET, '--relay-ip', INTERNET, '--listening-port', String(TURN_PORT),
      '--min-port', '49152', '--max-port', '49999', '--realm', 'webchat.lab',
      '--use-auth-secret', '--static-auth-secret', secret, '--fingerprint',
      '--no-tls', '--no-dtls', '--no-cli', '--no-software-attribute', '--simple-log', '--verbose',
      '--log-file', 'stdout', '--pidfile', join(this.dir, 'turnserver.pid'), '--userdb', join(this.dir, 'turndb'),
    ], ready, 'turnserver');
    this.#children.push(child);
    return {
      secret,
      stun: `stun:${INTERNET}:${TURN_PORT}`,
      turn: `turn:${INTERNET}:${TURN_PORT}?transport=udp`,
      turnTcp: `turn:${INTERNET}:${TURN_PORT}?transport=tcp`,
      pid: child.pid,
      log,
      stop: () => stopChild(child),
    };
  }

  /**
   * An executable that runs Chromium inside LAN `name` (hand it to the browser driver as the binary):
   * the browser's every socket then lives behind that LAN's router.
   */
  browserWrapper(name, binary = process.env.WEBCHAT_CHROMIUM ?? '/usr/bin/chromium') {
    const path = join(this.dir, `chromium-${name}`);
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec '${this.lans[name].ns}' '${binary}' "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /**
   * Makes TCP `port` on 127.0.0.1 inside LAN `name` (a browser's DevTools port) reachable from this
   * process; resolves with a host:port on our own loopback. A forwarder in the namespace listens on a
   * Unix socket in the run's folder (file-system sockets belong to no network namespace) and a server
   * here passes each connection through it.
   */
  async forward(name, port) {
    const socket = join(this.dir, `forward-${name}-${port}.sock`);
    const pass = (a, b) => { a.pipe(b).pipe(a); a.on('error', () => b.destroy()); b.on('error', () => a.destroy()); };
    const forwarder = `const net = require('node:net');
      const pass = ${pass.toString()};
      net.createServer((c) => pass(c, net.connect(${Number(port)}, '127.0.0.1')))
        .listen(process.argv[1], () => console.log('forwarding'));`;
    const { child } = await spawnIn(this.lans[name].ns, process.execPath, ['-e', forwarder, socket], /^forwarding$/, 'forwarder');
    child.removeAllListeners('exit');
    this.#children.push(child);
    const server = createServer((c) => pass(c, connect(socket)));
    this.#servers.push(server);
    await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    return `127.0.0.1:${server.address().port}`;
  }

  /** Runs a command inside a namespace (a LAN's name, or 'internet'); resolves with its stdout. */
  exec(name, command, ...args) {
    const ns = name === 'internet' ? this.internet : this.lans[name].ns;
    return sh('ip', 'netns', 'exec', ns, command, ...args);
  }

  /** Stops what the lab started and deletes every namespace of this run. Safe to call twice. */
  async teardown() {
    for (const server of this.#servers) server.close();
    await Promise.all(this.#children.map(stopChild));
    await removeNamespaces(this.prefix);
    rmSync(this.dir, { recursive: true, force: true });
    try { process.kill(this.#watchdog.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
