// Tessera's MCP gateway (/mcp/{agent_id}, Streamable HTTP) end to end: a real
// tesserad in front of backends/mcp_backend.mjs, the agent registered with the
// real `tessera` CLI.
//
//  1. the official conformance suite (@modelcontextprotocol/conformance 0.1.16,
//     server mode) through the gateway: the same scenarios must pass as
//     directly against the backend (mcp_backend.test.mjs), i.e. the gateway
//     is transparent;
//  2. the gateway's own rules, with plain fetch: its own Mcp-Session-Id
//     (mapped to the backend's), 400 without a session id, 404 for an unknown
//     one, 403 for a foreign Origin (nothing forwarded), DELETE ends the
//     session, Tessera-Caller and traceparent added to forwarded requests,
//     404 for an unknown agent;
//  3. every call the gateway forwards carries an RFC 9421 signature by the
//     node's key (published at /.well-known/tessera-node.json), checked with
//     lib/http_signature.mjs, a verifier independent of the C++.
//
// Run from tests/e2e: node --test mcp_gateway.test.mjs
// (TESSERA_BUILD_DIR overrides where tesserad and tessera are, default ../../build.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, generateKeyPairSync, createHash } from 'node:crypto';
import { runConformance, readExpectedFailures, CORE_SCENARIOS, E2E_DIR } from './lib/conformance.mjs';
import { startMcpBackend } from './lib/backend.mjs';
import { startTesserad, registerAgent, makeKey } from './lib/tesserad.mjs';
import { verifyTesseraSignature, didKeyToPublicKey } from './lib/http_signature.mjs';
import path from 'node:path';

const GATEWAY_EXPECTED_FAILURES = path.join(E2E_DIR, 'conformance', 'expected-failures-gateway-0.1.16.yml');
const PROTOCOL_VERSION = '2025-11-25';
const FETCH_TIMEOUT_MS = 15_000;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

let backend;
let gw;
let agent;
let mcpUrl;

before(async () => {
  backend = await startMcpBackend();
  try {
    gw = await startTesserad({
      config: {
        // The backend listens on 127.0.0.1, which outbound requests refuse otherwise.
        bridge: { allow_cidrs: ['127.0.0.1/32'] },
        // The suite sends bursts of requests; 429s are not what is tested here.
        rate_limit: { enabled: false },
      },
    });
    agent = await registerAgent(gw, { name: 'mcp-backend', protocols: ['mcp'], url: backend.url });
  } catch (err) {
    console.error(diagnostics());
    throw err;
  }
  mcpUrl = `${gw.url}/mcp/${agent.id}`;
});

after(async () => {
  await Promise.allSettled([gw?.stop(), backend?.stop()]);
});

function diagnostics() {
  return (
    `\n--- tesserad log (tail)\n${gw ? gw.logTail(8000) : '(not started)'}` +
    `\n--- backend stderr (tail)\n${backend ? backend.stderr().slice(-4000) : '(not started)'}`
  );
}

/** A test that prints the tesserad log tail and the backend's stderr when it fails. */
function gwTest(name, opts, fn) {
  return test(name, opts, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      console.error(`\n=== ${name}: FAILED${diagnostics()}\n`);
      throw err;
    }
  });
}

// ---------------------------------------------------------------- helpers

const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const initializeRequest = (id = 1) =>
  rpc(id, 'initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'tessera-gateway-e2e', version: '1.0.0' },
  });

/** POST a JSON-RPC message to `url`; `session` adds Mcp-Session-Id (and the protocol version). */
function post(url, message, { session, headers = {} } = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...(session ? { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': PROTOCOL_VERSION } : {}),
      ...headers,
    },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
}

function del(url, session, headers = {}) {
  return fetch(url, {
    method: 'DELETE',
    headers: { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': PROTOCOL_VERSION, ...headers },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
}

/** The JSON-RPC messages of a response, whether application/json or an SSE stream. */
async function messages(res) {
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (type.includes('text/event-stream')) {
    const out = [];
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data.trim()) out.push(JSON.parse(data));
    }
    return out;
  }
  if (!text.trim()) return [];
  const body = JSON.parse(text);
  return Array.isArray(body) ? body : [body];
}

async function describe(res) {
  let body = '';
  try {
    body = await res.text();
  } catch {
    // already read
  }
  return `${res.status} ${res.headers.get('content-type') ?? ''} ${body.slice(0, 500)}`;
}

async function expectStatus(res, status, what) {
  if (res.status !== status) assert.fail(`${what}: expected ${status}, got ${await describe(res)}`);
  const text = await res.text().catch(() => '');
  // A 404 of the router (no such route) is not the gateway's 404.
  if (status === 404) assert.doesNotMatch(text, /no route for/, `${what}: a 404 of the MCP route`);
}

async function clearSeen() {
  const res = await fetch(`${backend.baseUrl}/_seen`, { method: 'DELETE' });
  assert.equal(res.status, 204);
}

async function seen() {
  return (await fetch(`${backend.baseUrl}/_seen`)).json();
}

const sha256 = (data) => createHash('sha256').update(data).digest('base64');

const describeSeen = (list) =>
  JSON.stringify(list.map((r) => ({ method: r.method, path: r.path, headers: r.headers })), null, 1).slice(0, 4000);

/** initialize + notifications/initialized through the gateway; returns the gateway's session id. */
async function openSession() {
  const init = await post(mcpUrl, initializeRequest());
  if (init.status !== 200) assert.fail(`initialize through the gateway: ${await describe(init)}`);
  const session = init.headers.get('mcp-session-id');
  const [answer] = await messages(init);
  assert.ok(session, 'the gateway returned an Mcp-Session-Id on initialize');
  assert.equal(answer?.id, 1, `initialize answer: ${JSON.stringify(answer)}`);
  assert.ok(answer.result, `initialize answer has a result: ${JSON.stringify(answer)}`);
  assert.equal(answer.result.serverInfo?.name, 'tessera-e2e-mcp-backend', 'the answer is the backend\'s');
  const initialized = await post(mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, { session });
  await expectStatus(initialized, 202, 'notifications/initialized through the gateway');
  return session;
}

async function toolsList(session, id = 2) {
  const res = await post(mcpUrl, rpc(id, 'tools/list'), { session });
  if (res.status !== 200) assert.fail(`tools/list through the gateway: ${await describe(res)}`);
  const [answer] = await messages(res);
  assert.equal(answer?.id, id, `tools/list answer: ${JSON.stringify(answer)}`);
  assert.ok(Array.isArray(answer.result?.tools) && answer.result.tools.length > 0, 'tools/list lists tools');
  return answer.result.tools;
}

// ---------------------------------------------------------------- tests

gwTest('the gateway serves /mcp/{agent_id}', { timeout: 30_000 }, async () => {
  const res = await post(mcpUrl, initializeRequest());
  if (res.status === 404) {
    const text = await res.text();
    assert.fail(`POST ${mcpUrl} → 404 (is the MCP route in this tesserad build?): ${text}`);
  }
  if (res.status !== 200) assert.fail(`initialize through the gateway: ${await describe(res)}`);
  const session = res.headers.get('mcp-session-id');
  await messages(res);
  if (session) await (await del(mcpUrl, session)).arrayBuffer();
});

gwTest('initialize returns the gateway\'s own session id, mapped to the backend\'s', { timeout: 60_000 }, async () => {
  await clearSeen();
  const session = await openSession();
  await toolsList(session);

  const log = await seen();
  const mcp = log.filter((r) => r.path.startsWith(new URL(backend.url).pathname));
  assert.ok(mcp.length >= 3, `the backend saw initialize, initialized and tools/list: ${describeSeen(log)}`);
  assert.equal(mcp[0].method, 'POST');
  assert.equal(mcp[0].headers['mcp-session-id'], undefined, 'initialize reaches the backend without a session id');
  const backendSessions = new Set(mcp.slice(1).map((r) => r.headers['mcp-session-id']));
  assert.equal(backendSessions.size, 1, `later requests carry one backend session id: ${describeSeen(log)}`);
  const [backendSession] = backendSessions;
  assert.ok(backendSession, `later requests carry the backend's session id: ${describeSeen(log)}`);
  assert.notEqual(session, backendSession, 'the gateway issued its own Mcp-Session-Id, not the backend\'s');
  for (const r of mcp) {
    assert.notEqual(r.headers['mcp-session-id'], session, 'the gateway\'s session id never reaches the backend');
  }

  // The backend's own id is no session of the gateway's.
  const leaked = await post(mcpUrl, rpc(3, 'tools/list'), { session: backendSession });
  await expectStatus(leaked, 404, 'tools/list with the backend\'s session id (unknown to the gateway)');

  await (await del(mcpUrl, session)).arrayBuffer();
});

gwTest('forwarded requests carry Tessera-Caller and traceparent', { timeout: 60_000 }, async (t) => {
  await clearSeen();
  const session = await openSession();
  await toolsList(session);
  const log = await seen();
  assert.ok(log.length >= 3, `the backend saw the requests: ${describeSeen(log)}`);
  for (const r of log) {
    const what = `${r.method} ${r.path} (${r.headers['mcp-session-id'] ? 'in session' : 'no session'})`;
    assert.ok(r.headers['tessera-caller'], `${what} has tessera-caller: ${JSON.stringify(r.headers)}`);
    assert.match(r.headers.traceparent ?? '', TRACEPARENT, `${what} has a W3C traceparent: ${JSON.stringify(r.headers)}`);
  }
  t.diagnostic(`tessera-caller: ${[...new Set(log.map((r) => r.headers['tessera-caller']))].join(', ')}`);
  t.diagnostic(`traceparent: ${log.map((r) => r.headers.traceparent).join(', ')}`);
  await (await del(mcpUrl, session)).arrayBuffer();
});

gwTest('a request other than initialize without a session id gets 400', { timeout: 30_000 }, async () => {
  const res = await post(mcpUrl, rpc(2, 'tools/list'));
  await expectStatus(res, 400, 'tools/list without Mcp-Session-Id');
});

gwTest('an unknown session id gets 404', { timeout: 30_000 }, async () => {
  const res = await post(mcpUrl, rpc(2, 'tools/list'), { session: randomUUID() });
  await expectStatus(res, 404, 'tools/list with a made-up Mcp-Session-Id');
});

gwTest('a foreign Origin gets 403 and nothing reaches the backend', { timeout: 60_000 }, async () => {
  const session = await openSession();
  await clearSeen();
  const evil = { Origin: 'http://evil.example.com' };
  await expectStatus(await post(mcpUrl, initializeRequest(), { headers: evil }), 403, 'initialize with a foreign Origin');
  await expectStatus(
    await post(mcpUrl, rpc(2, 'tools/list'), { session, headers: evil }),
    403,
    'tools/list in a session with a foreign Origin',
  );
  const log = await seen();
  assert.deepEqual(log, [], `the backend saw none of them: ${describeSeen(log)}`);
  // The session is still usable without the foreign Origin.
  await toolsList(session, 3);
  await (await del(mcpUrl, session)).arrayBuffer();
});

gwTest('DELETE ends the session, here and at the backend', { timeout: 60_000 }, async () => {
  await clearSeen();
  const session = await openSession();
  const backendSession = (await seen()).map((r) => r.headers['mcp-session-id']).find(Boolean);
  assert.ok(backendSession, 'the backend session id is known');
  await clearSeen();

  const res = await del(mcpUrl, session);
  if (res.status < 200 || res.status > 299) assert.fail(`DELETE of the session: expected 2xx, got ${await describe(res)}`);
  await res.arrayBuffer();

  await expectStatus(await post(mcpUrl, rpc(2, 'tools/list'), { session }), 404, 'tools/list in the deleted session');
  await expectStatus(await del(mcpUrl, session), 404, 'DELETE of the deleted session');

  const log = await seen();
  assert.ok(
    log.some((r) => r.method === 'DELETE' && r.headers['mcp-session-id'] === backendSession),
    `the backend was told (DELETE with its session id): ${describeSeen(log)}`,
  );
});

gwTest('an unknown agent gets 404', { timeout: 30_000 }, async () => {
  // A well-formed id of a key never registered, and one that is not an id at all.
  const stranger = await makeKey(gw.dir, 'stranger');
  const res = await post(`${gw.url}/mcp/${stranger.id}`, initializeRequest());
  await expectStatus(res, 404, `initialize for the unregistered agent ${stranger.id}`);
  // Not an agent id at all: 404 too, or 400 if the gateway checks the id's form.
  const bad = await post(`${gw.url}/mcp/not-an-agent-id`, initializeRequest());
  const text = await bad.text();
  assert.ok([400, 404].includes(bad.status), `initialize for agent "not-an-agent-id": ${bad.status} ${text}`);
  assert.doesNotMatch(text, /no route for/, `a 4xx of the MCP route: ${text}`);
});

gwTest('every call the gateway forwards is signed with the node key (RFC 9421)', { timeout: 60_000 }, async (t) => {
  // The node's key, as an agent would learn it.
  const docRes = await fetch(`${gw.url}/.well-known/tessera-node.json`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  assert.equal(docRes.status, 200, 'GET /.well-known/tessera-node.json');
  const node = await docRes.json();
  assert.match(node.id, /^z6Mk[1-9A-HJ-NP-Za-km-z]+$/, `node id: ${JSON.stringify(node)}`);
  assert.equal(node.did, `did:key:${node.id}`);
  assert.equal(node.alg, 'ed25519');
  assert.match(node.public_key, /^[A-Za-z0-9_-]{43}$/, 'public_key: 32 bytes, base64url without padding');
  assert.equal(didKeyToPublicKey(node.did).toString('base64url'), node.public_key, 'the node id encodes its public key');
  assert.equal(node.signatures?.label, 'sig1');
  assert.equal(node.signatures?.keyid, node.did);
  assert.deepEqual(node.signatures?.components, ['@method', '@path', '@query', 'content-digest']);

  // A second agent on the same backend whose MCP URL has a query, percent-encoded:
  // "@query" is then more than "?", and must be the query as sent.
  const withQuery = await registerAgent(gw, {
    name: 'mcp-backend-query',
    protocols: ['mcp'],
    url: `${backend.url}?tenant=a%2Fb&x=1+2`,
  });
  const queryUrl = `${gw.url}/mcp/${withQuery.id}`;

  const started = Math.floor(Date.now() / 1000);
  await clearSeen();
  const session = await openSession(); // initialize, notifications/initialized
  await toolsList(session);
  // tools/call, with an id outside ASCII: the digest is over the UTF-8 bytes.
  const callId = 'call-é-😀';
  const call = await post(mcpUrl, rpc(callId, 'tools/call', { name: 'test_simple_text', arguments: {} }), { session });
  if (call.status !== 200) assert.fail(`tools/call through the gateway: ${await describe(call)}`);
  const [answer] = await messages(call);
  assert.equal(answer?.id, callId, `tools/call answer: ${JSON.stringify(answer)}`);
  assert.equal(answer.result?.content?.[0]?.text, 'This is a simple text response for testing.');

  // The standalone GET stream: opened, then closed by the client.
  const closeStream = new AbortController();
  const stream = await fetch(mcpUrl, {
    method: 'GET',
    headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': session, 'MCP-Protocol-Version': PROTOCOL_VERSION },
    signal: AbortSignal.any([closeStream.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]),
  });
  assert.equal(stream.status, 200, 'GET opens the stream');
  assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
  closeStream.abort();
  await stream.body?.cancel().catch(() => {});

  const ended = await del(mcpUrl, session);
  if (ended.status < 200 || ended.status > 299) assert.fail(`DELETE of the session: ${await describe(ended)}`);
  await ended.arrayBuffer();

  // The agent with a query in its URL: initialize and DELETE.
  const init2 = await post(queryUrl, initializeRequest());
  if (init2.status !== 200) assert.fail(`initialize through the gateway (URL with a query): ${await describe(init2)}`);
  const session2 = init2.headers.get('mcp-session-id');
  await init2.arrayBuffer();
  await (await del(queryUrl, session2)).arrayBuffer();
  const finished = Math.ceil(Date.now() / 1000);

  // Every request the backend saw came from the gateway and verifies.
  const log = await seen();
  const kinds = log.map((r) => `${r.method} ${r.target}`);
  t.diagnostic(`the backend saw: ${kinds.join(', ')}`);
  const backendPath = new URL(backend.url).pathname;
  const at = (method, target) => log.filter((r) => r.method === method && r.target === target);
  assert.ok(at('POST', backendPath).length >= 4, `initialize, initialized, tools/list, tools/call: ${kinds}`);
  assert.equal(at('GET', backendPath).length, 1, `the GET stream: ${kinds}`);
  assert.ok(at('DELETE', backendPath).length >= 1, `the DELETE: ${kinds}`);
  assert.equal(at('POST', `${backendPath}?tenant=a%2Fb&x=1+2`).length, 1, `initialize, URL with a query: ${kinds}`);
  assert.equal(at('DELETE', `${backendPath}?tenant=a%2Fb&x=1+2`).length, 1, `DELETE, URL with a query: ${kinds}`);

  const verify = (r, over = {}) =>
    verifyTesseraSignature({
      method: r.method,
      target: r.target,
      headers: r.headers,
      body: r.body,
      publicKey: node.public_key,
      expectedKeyId: node.did,
      maxSkew: 60,
      ...over,
    });
  const nonces = new Set();
  for (const r of log) {
    const what = `${r.method} ${r.target} ${r.body.slice(0, 80)}`;
    assert.ok(r.headers['tessera-caller'], `${what} came through the gateway: ${JSON.stringify(r.headers)}`);
    assert.equal(r.body_bytes, Buffer.byteLength(r.body), `${what}: the whole body was recorded`);
    const v = verify(r);
    assert.ok(v.ok, `${what}: ${v.reason}\nheaders: ${JSON.stringify(r.headers, null, 1)}${v.base ? `\nbase:\n${v.base}` : ''}`);
    assert.ok(v.created >= started - 1 && v.created <= finished + 1, `${what}: created ${v.created} in [${started}, ${finished}]`);
    assert.equal(r.headers['content-digest'] !== undefined, r.body.length > 0, `${what}: Content-Digest iff a body`);
    nonces.add(v.nonce);
  }
  assert.equal(nonces.size, log.length, `every call has its own nonce: ${[...nonces].join(' ')}`);
  t.diagnostic(`${log.length} calls verified; e.g. ${log[0].headers['signature-input']}`);

  // The verifier is not vacuous: the same records fail once anything covered changes.
  const toolsCall = log.find((r) => r.method === 'POST' && r.body.includes('"tools/call"'));
  const bodiless = log.find((r) => r.method === 'DELETE' && r.target === backendPath);
  const queried = log.find((r) => r.method === 'POST' && r.target.includes('?'));
  assert.ok(toolsCall && bodiless && queried, 'the records to tamper with');
  const fails = (r, over, why, reason) => {
    const v = verify(r, over);
    assert.equal(v.ok, false, `${why} must not verify`);
    if (reason) assert.match(v.reason, reason, why);
  };
  const flipped = Buffer.from(toolsCall.body, 'utf8');
  flipped[flipped.length - 2] ^= 0x01; // one byte of the body
  fails(toolsCall, { body: flipped }, 'the body changed by one byte', /Content-Digest does not match/);
  fails(
    toolsCall,
    { body: flipped, headers: { ...toolsCall.headers, 'content-digest': `sha-256=:${sha256(flipped)}:` } },
    'the body changed by one byte, with its digest recomputed',
    /does not verify/,
  );
  fails(toolsCall, { body: '' }, 'the body left out');
  fails(toolsCall, { target: `${backendPath}x` }, 'another path', /does not verify/);
  fails(toolsCall, { target: `${backendPath}?x=1` }, 'a query added', /does not verify/);
  fails(bodiless, { target: '/' }, 'another path (no body)', /does not verify/);
  fails(bodiless, { method: 'GET' }, 'another method', /does not verify/);
  fails(bodiless, { body: '{}' }, 'a body added');
  fails(queried, { target: queried.target.replace('x=1+2', 'x=1%202') }, 'the query re-encoded', /does not verify/);
  fails(queried, { target: backendPath }, 'the query left out', /does not verify/);
  const otherKey = generateKeyPairSync('ed25519').publicKey;
  for (const r of [toolsCall, bodiless, queried]) {
    fails(r, { publicKey: otherKey }, `${r.method} ${r.target} with another key`, /does not verify/);
    fails(r, { publicKey: agent.key.public_key }, `${r.method} ${r.target} with the agent's key`, /does not verify/);
    fails(r, { expectedKeyId: node.id }, `${r.method} ${r.target}: keyid the short id, not the did`, /keyid/);
    fails(r, { now: finished + 120 }, `${r.method} ${r.target} two minutes later`, /created/);
  }
});

gwTest('conformance suite passes through the gateway', { timeout: 330_000 }, async (t) => {
  const expected = await readExpectedFailures(GATEWAY_EXPECTED_FAILURES);
  await clearSeen();
  const run = await runConformance({ url: mcpUrl, expectedFailures: GATEWAY_EXPECTED_FAILURES, timeoutMs: 300_000 });
  const failedChecks = () =>
    run.failed
      .map((name) => {
        const bad = (run.checks[name] ?? []).filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO');
        const lines = bad.map(
          (c) => `    [${c.status}] ${c.id}: ${c.errorMessage ?? ''}` +
            (c.details ? `\n      details: ${JSON.stringify(c.details).slice(0, 800)}` : ''),
        );
        return `  ${name}${run.checks[name] ? '' : ' (no checks.json)'}\n${lines.join('\n')}`;
      })
      .join('\n');
  const context = () =>
    `\ncode=${run.code} signal=${run.signal} timedOut=${run.timedOut}` +
    `\npassed (${run.passed.length}): ${run.passed.join(' ')}\nfailed (${run.failed.length}): ${run.failed.join(' ')}` +
    `\n--- failed checks\n${failedChecks()}` +
    `\n--- runner stdout (tail)\n${run.stdout.slice(-8000)}\n--- runner stderr\n${run.stderr.slice(-3000)}`;

  if (run.failed.length || run.code !== 0) console.error(`\n=== conformance through the gateway${context()}`);
  assert.equal(run.timedOut, false, `runner timed out${context()}`);
  assert.ok(run.passed.length + run.failed.length >= CORE_SCENARIOS.length, `too few scenarios ran${context()}`);
  for (const name of CORE_SCENARIOS) {
    assert.ok(run.passed.includes(name), `scenario ${name} did not pass through the gateway${context()}`);
  }
  for (const name of run.failed) {
    assert.ok(expected.includes(name), `unexpected failure ${name}${context()}`);
  }
  assert.equal(run.code, 0, `runner exit code${context()}`);
  t.diagnostic(`passed through the gateway (${run.passed.length}): ${run.passed.join(' ')}`);

  // The suite's traffic did reach the backend, through the gateway.
  const log = await seen();
  assert.ok(log.length > 0, 'the backend saw the suite\'s requests');
  for (const r of log) {
    assert.ok(r.headers['tessera-caller'], `${r.method} ${r.path} came through the gateway: ${JSON.stringify(r.headers)}`);
  }

  // ... and every one of them is signed by the node (the last 200 the backend keeps).
  const node = await (await fetch(`${gw.url}/.well-known/tessera-node.json`)).json();
  const nonces = new Set();
  for (const r of log) {
    const what = `${r.method} ${r.target} ${r.body.slice(0, 120)}`;
    assert.equal(r.body_bytes, Buffer.byteLength(r.body), `${what}: the whole body was recorded`);
    const v = verifyTesseraSignature({
      method: r.method,
      target: r.target,
      headers: r.headers,
      body: r.body,
      publicKey: node.public_key,
      expectedKeyId: node.did,
    });
    assert.ok(v.ok, `${what}: ${v.reason}\nheaders: ${JSON.stringify(r.headers, null, 1)}`);
    nonces.add(v.nonce);
  }
  assert.equal(nonces.size, log.length, 'every call has its own nonce');
  t.diagnostic(`signatures verified on the suite's last ${log.length} calls: ${[...new Set(log.map((r) => r.method))].join(', ')}`);
});
