// Starts backends/mcp_backend.mjs as a child process and waits for its
// "listening http://127.0.0.1:PORT/mcp" line.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { E2E_DIR } from './conformance.mjs';

export const MCP_BACKEND = path.join(E2E_DIR, 'backends', 'mcp_backend.mjs');

/**
 * @param {object} [o]
 * @param {number} [o.port=0]        0 = any free port
 * @param {string[]} [o.args]        extra arguments (e.g. ['--allowed-host', 'gw.test'])
 * @param {number} [o.timeoutMs=15000]
 * @returns {Promise<{url: string, baseUrl: string, proc: import('node:child_process').ChildProcess,
 *   stderr: () => string, stop: () => Promise<void>}>}
 *   url is the MCP endpoint (…/mcp), baseUrl the origin (for /_seen).
 */
export function startMcpBackend({ port = 0, args = [], timeoutMs = 15_000 } = {}) {
  const proc = spawn(process.execPath, [MCP_BACKEND, '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });

  const stop = () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill('SIGTERM');
    });

  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      stop().finally(() => reject(new Error(`mcp_backend: ${why}\nstderr:\n${stderr}`)));
    };
    const timer = setTimeout(() => fail('no "listening" line in time'), timeoutMs);
    proc.once('error', (err) => fail(err.message));
    proc.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const m = /^listening (http:\/\/\S+\/mcp)$/m.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      proc.removeAllListeners('error');
      const url = m[1];
      resolve({ url, baseUrl: new URL(url).origin, proc, stderr: () => stderr, stop });
    });
  });
}
