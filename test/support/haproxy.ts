/**
 * A real HAProxy on a free loopback port in front of server processes, configured like
 * docker/haproxy.cfg (TCP, leastconn, readiness checks on /health/ready) with short check
 * intervals for tests. Runs in the foreground (-db) as a child of the test and is killed after.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './redis-server';

const CANDIDATES = ['haproxy', '/usr/sbin/haproxy', '/usr/local/sbin/haproxy'];

/** The haproxy binary, or undefined when it is not installed. */
export function haproxyBinary(): string | undefined {
  for (const bin of CANDIDATES) {
    try {
      execFileSync(bin, ['-v'], { stdio: 'ignore' });
      return bin;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export interface Backend {
  tcpPort: number;
  httpPort: number;
}

export interface RunningHaproxy {
  port: number;
  /** The file data channel's frontend (with `options.files`). */
  filePort?: number;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  /** Readiness check interval (default 200 ms). */
  checkIntervalMs?: number;
  /** PROXY protocol header to each node (`send-proxy` / `send-proxy-v2`, as docker/haproxy.cfg); default none. */
  sendProxy?: 'v1' | 'v2';
  /**
   * A second frontend/backend for the file data channel, as docker/haproxy.cfg: `port` (pick it
   * first when the nodes must advertise it as FILE_PUBLIC_PORT; default a free one) to each
   * node's FILE_PORT (`tcpPort` here), same checks and PROXY header.
   */
  files?: { port?: number; backends: Backend[] };
}

export async function startHaproxy(backends: Backend[], options: HaproxyOptions = {}): Promise<RunningHaproxy> {
  const checkIntervalMs = options.checkIntervalMs ?? 200;
  const sendProxy = options.sendProxy === 'v1' ? ' send-proxy' : options.sendProxy === 'v2' ? ' send-proxy-v2' : '';
  const bin = haproxyBinary();
  if (!bin) throw new Error('haproxy is not installed (apt-get install haproxy)');
  const port = await freePort();
  const filePort = options.files ? (options.files.port ?? (await freePort())) : undefined;
  const backend = (name: string, nodes: Backend[], prefix: string) => [
    `backend ${name}`,
    '    balance leastconn',
    '    option httpchk GET /health/ready',
    '    http-check expect status 200',
    // `check port`: checks go to the ops port without a PROXY header (as in docker/haproxy.cfg).
    `    default-server inter ${checkIntervalMs}ms fall 1 rise 1${sendProxy}`,
    ...nodes.map((b, i) => `    server ${prefix}${i + 1} 127.0.0.1:${b.tcpPort} check port ${b.httpPort}`),
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    [
      'global',
      '    maxconn 2000',
      'defaults',
      '    mode tcp',
      '    timeout connect 2s',
      '    timeout client 60s',
      '    timeout server 60s',
      '    timeout check 1s',
      '    retries 3',
      '    option redispatch',
      'frontend switchboard_tcp',
      `    bind 127.0.0.1:${port}`,
      '    default_backend switchboard_nodes',
      ...backend('switchboard_nodes', backends, 'node'),
      ...(options.files
        ? ['frontend switchboard_files', `    bind 127.0.0.1:${filePort}`, '    default_backend switchboard_file_nodes', ...backend('switchboard_file_nodes', options.files.backends, 'file')]
        : []),
      '',
    ].join('\n'),
  );
  execFileSync(bin, ['-c', '-q', '-f', cfg]);
  const child = spawn(bin, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Listening once a TCP connect succeeds (it forks nothing in -db mode, so no pid file to wait for).
  for (let attempt = 0; ; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || attempt > 100) throw new Error(`haproxy did not start:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    filePort,
    child,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
