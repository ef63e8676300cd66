// Processes for the cross-language test: the Rust demo, the Express server
// and nginx in front of both, each started on a free loopback port and
// stopped by the test (by its own child handle, nothing else).

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A started process and where it listens. */
export interface Running {
  name: string;
  child: ChildProcess;
  port: number;
  log: () => string;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Starts `command` and waits for its `listening on http://127.0.0.1:PORT` line. */
export function startListening(name: string, command: string, args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}):\n${out}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ name, child, port: Number(m[1]), log: () => out });
      }
    });
  });
}

/** nginx on `port`: `/node/` to the Node server, everything else to the demo. */
export async function startNginx(dir: string, port: number, rust: number, node: number): Promise<Running> {
  const root = process.getuid?.() === 0 ? 'user root;\n' : '';
  const config = `${root}master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    # Three session cookies of ~4 KB each: room in one request header line.
    large_client_header_buffers 4 32k;
    # ...and in the response's Set-Cookie lines.
    proxy_buffer_size 64k;
    proxy_buffers 8 64k;
    proxy_busy_buffers_size 128k;
    server {
        listen 127.0.0.1:${port};
        location /node/ {
            proxy_pass http://127.0.0.1:${node};
            proxy_set_header Host $http_host;
        }
        location / {
            proxy_pass http://127.0.0.1:${rust};
            proxy_set_header Host $http_host;
        }
    }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
  const child = spawn(bin ?? 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 400; i++) {
    const up = await new Promise<boolean>((ok) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        ok(true);
      });
      s.on('error', () => ok(false));
    });
    if (up) return { name: 'nginx', child, port, log: () => out };
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill();
  throw new Error(`nginx did not start on ${port}:\n${out}`);
}

/** Stops a process this test started, and waits for it. */
export async function stop(p: Running | null): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  const exited = new Promise((ok) => p.child.once('exit', ok));
  p.child.kill('SIGTERM');
  await exited;
}
