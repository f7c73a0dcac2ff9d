// Starts a real tesserad for the end-to-end tests and registers agents on it
// with the real `tessera` CLI.
//
// The binaries come from TESSERA_BUILD_DIR (default: ../../build, i.e.
// /work/main/build when the tests run from tests/e2e).
//
//   const gw = await startTesserad({ config: { bridge: { allow_cidrs: ['127.0.0.1/32'] } } });
//   const agent = await registerAgent(gw, { name: 'x', protocols: ['mcp'], url: 'http://…/mcp' });
//   …
//   await gw.stop();   // SIGTERM (SIGKILL after a while), then removes its temp dir

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { E2E_DIR } from './conformance.mjs';

// TESSERA_BUILD_DIR is taken from the current directory, the default from tests/e2e.
export const BUILD_DIR = process.env.TESSERA_BUILD_DIR
  ? resolve(process.env.TESSERA_BUILD_DIR)
  : resolve(E2E_DIR, '../../build');
export const TESSERAD = join(BUILD_DIR, 'tesserad');
export const TESSERA = join(BUILD_DIR, 'tessera');

/** A TCP port free on 127.0.0.1 right now (another process may still take it). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `over` merged into `base`, objects recursively; arrays and scalars replace. */
export function deepMerge(base, over) {
  const out = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : v;
  }
  return out;
}

/**
 * YAML for a configuration object: nested objects as block mappings, every
 * scalar and array as JSON (flow style, double-quoted strings), which is
 * valid YAML and needs no escaping rules of its own.
 */
export function toYaml(obj, indent = '') {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (isPlainObject(v)) out += `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
    else out += `${indent}${k}: ${JSON.stringify(v)}\n`;
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `tesserad --config FILE` with a YAML file written into a fresh temp
 * dir, on a free port of 127.0.0.1, with SQLite in that dir; `config` is
 * merged over those defaults (e.g. {bridge: {allow_cidrs: [...]}}). Resolves
 * once GET /api/v1/health answers 200.
 *
 * @param {object} [o]
 * @param {object} [o.config]          merged over {server: {http_addr}, database: {driver, dsn}}
 * @param {number} [o.timeoutMs=20000] for the health check
 * @param {number} [o.attempts=3]      starts tried (a port taken meanwhile, a binary being relinked)
 * @returns {Promise<{url: string, port: number, dir: string, configPath: string,
 *   proc: import('node:child_process').ChildProcess, log: () => string,
 *   logTail: (chars?: number) => string, cli: (...args: string[]) => Promise<string>,
 *   stop: () => Promise<void>}>}
 */
export async function startTesserad({ config = {}, timeoutMs = 20_000, attempts = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await startOnce(dir, config, timeoutMs);
    } catch (err) {
      lastError = err;
      if (attempt < attempts) await sleep(500 * attempt);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

async function startOnce(dir, config, timeoutMs) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const effective = deepMerge(
    {
      server: { http_addr: `127.0.0.1:${port}` },
      database: { driver: 'sqlite', dsn: join(dir, 'tessera.db') },
    },
    config,
  );
  const configPath = join(dir, 'tessera.yaml');
  writeFileSync(configPath, toYaml(effective));

  const proc = spawn(TESSERAD, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (d) => {
    log += d;
    if (log.length > 2_000_000) log = log.slice(-1_000_000);
  };
  proc.stdout.setEncoding('utf8').on('data', append);
  proc.stderr.setEncoding('utf8').on('data', append);
  let spawnError = null;
  proc.once('error', (err) => (spawnError = err));

  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const stopProc = () =>
    new Promise((res) => {
      if (exited() || spawnError) return res();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        res();
      });
      proc.kill('SIGTERM');
    });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`tesserad (${TESSERAD}) did not start: ${spawnError.message}`);
    if (exited()) {
      throw new Error(`tesserad exited (code ${proc.exitCode}, signal ${proc.signalCode}):\n${log.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopProc();
      throw new Error(`tesserad did not become healthy in ${timeoutMs} ms:\n${log.slice(-4000)}`);
    }
    await sleep(100);
  }

  let stopped = false;
  return {
    url,
    port,
    dir,
    configPath,
    proc,
    log: () => log,
    logTail: (chars = 6000) => log.slice(-chars),
    /** Runs `tessera --server URL ...args`; resolves with stdout. */
    cli: (...args) => tesseraCli(['--server', url, ...args]),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProc();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the `tessera` CLI; resolves with stdout, rejects with its stderr in the message. */
export function tesseraCli(args, { timeoutMs = 30_000 } = {}) {
  return new Promise((res, rej) => {
    execFile(TESSERA, args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        rej(new Error(`tessera ${args.join(' ')} failed: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else {
        res(stdout);
      }
    });
  });
}

/** A fresh key made by `tessera keygen` in `dir` (not registered): {id, keyPath, key}. */
export async function makeKey(dir, name) {
  const keyPath = join(dir, `${name}.key`);
  await tesseraCli(['keygen', '--out', keyPath]);
  const key = JSON.parse(readFileSync(keyPath, 'utf8'));
  return { id: key.id, keyPath, key };
}

/**
 * Registers an agent on `server` (from startTesserad) with the real CLI: a key
 * from `tessera keygen`, a card file, `tessera register`.
 *
 * @param {object} server   {dir, cli}
 * @param {object} o
 * @param {string} o.name
 * @param {string[]} [o.protocols=['a2a']]
 * @param {string} [o.url]        default https://NAME.e2e.example/
 * @param {object} [o.endpoints]  card field "endpoints" (e.g. {mcp: URL}), only when given
 * @param {object} [o.card]       more card fields, merged last
 * @returns {Promise<{id: string, keyPath: string, cardPath: string,
 *   key: {id: string, public_key: string, private_key: string}}>}
 *   key is the parsed key file (public_key/private_key base64url, as JWK x/d).
 */
export async function registerAgent(server, { name, protocols = ['a2a'], url, endpoints, card = {} }) {
  if (!name) throw new Error('registerAgent: name is required');
  const { id, keyPath, key } = await makeKey(server.dir, name);
  const cardPath = join(server.dir, `${name}.card.json`);
  writeFileSync(
    cardPath,
    JSON.stringify({
      name: `e2e ${name}`,
      description: 'an agent of the end-to-end test',
      version: '1.0.0',
      url: url ?? `https://${name}.e2e.example/`,
      protocols,
      ...(endpoints ? { endpoints } : {}),
      skills: [{ id: 'echo', name: 'Echo', tags: ['util'] }],
      tags: ['test'],
      ...card,
    }),
  );
  await server.cli('register', '--key', keyPath, '--card', cardPath);
  return { id, keyPath, cardPath, key };
}
