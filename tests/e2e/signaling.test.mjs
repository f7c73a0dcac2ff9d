// End to end with a client that isn't ours: the npm `ws` package against a real
// tesserad, with agents made by the real `tessera` CLI. The handshake is done
// here in JavaScript (node:crypto Ed25519 over the key file's seed), so the
// wire format is checked independently of the C++ code that defines it.
//
// Needs TESSERA_BUILD_DIR (where tesserad and tessera were built).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import WebSocket from 'ws';
import { startTesserad, registerAgent, freePort } from './lib/tesserad.mjs';

let server;
let httpUrl;
let wsUrl;
const agents = {};

/// A key made by `tessera keygen`, registered with `tessera register`.
async function makeAgent(name) {
  const { id, key } = await registerAgent(server, { name, protocols: ['a2a'] });
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: key.private_key, x: key.public_key },
    format: 'jwk',
  });
  return { id, privateKey };
}

/// A `ws` connection that queues what it receives and remembers how it closed.
function open() {
  const ws = new WebSocket(wsUrl);
  const frames = [];
  const waiters = [];
  const conn = { ws, closed: null };
  const wake = () => {
    while (waiters.length) waiters.shift()();
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(data.toString()));
    wake();
  });
  ws.on('close', (code, reason) => {
    conn.closed = { code, reason: reason.toString() };
    wake();
  });
  ws.on('error', () => {});
  conn.ready = new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  /// The next frame (of `type`, skipping others, when given).
  conn.next = async (type, ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = frames.findIndex((f) => !type || f.type === type);
      if (i >= 0) return frames.splice(i, 1)[0];
      if (conn.closed) throw new Error(`closed ${conn.closed.code} ${conn.closed.reason} waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type ?? 'frame'} within ${ms} ms`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, left);
      });
    }
  };
  conn.waitClosed = async (ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!conn.closed && Date.now() < deadline)
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, deadline - Date.now());
      });
    return conn.closed;
  };
  conn.send = (frame) => ws.send(JSON.stringify(frame));
  return conn;
}

function authMessage(nonce, id) {
  return `tessera-signal-v1:${nonce}:${id}`;
}

function signAuth(agent, nonce) {
  return sign(null, Buffer.from(authMessage(nonce, agent.id)), agent.privateKey).toString('base64url');
}

/// Connects and authenticates as `agent`; returns the connection and its config frame.
async function connectAs(agent) {
  const c = open();
  await c.ready;
  const challenge = await c.next('challenge');
  c.send({ type: 'auth', agent_id: agent.id, signature: signAuth(agent, challenge.nonce) });
  const config = await c.next();
  assert.equal(config.type, 'config', JSON.stringify(config));
  return { c, config };
}

before(async () => {
  const wsPort = await freePort();
  wsUrl = `ws://127.0.0.1:${wsPort}/api/v1/signaling`;
  server = await startTesserad({
    config: {
      rate_limit: { enabled: false },
      signaling: {
        ws_addr: `127.0.0.1:${wsPort}`,
        // The contacts API has its own tests; here any two agents may talk.
        require_contacts: false,
      },
    },
  });
  httpUrl = server.url;
  agents.a = await makeAgent('alice');
  agents.b = await makeAgent('bob');
});

after(async () => {
  await server?.stop();
});

test('the HTTP route points to the WebSocket', async () => {
  const res = await fetch(`${httpUrl}/api/v1/signaling`);
  assert.equal(res.status, 426);
  assert.equal(res.headers.get('upgrade'), 'websocket');
  const body = await res.json();
  assert.equal(body.error.code, 'upgrade_required');
  assert.equal(body.url, wsUrl);
  const info = await (await fetch(`${httpUrl}/api/v1/signaling/info`)).json();
  assert.equal(info.url, wsUrl);
  assert.equal(info.protocol, 'tessera-signal-v1');
  assert.equal(info.require_contacts, false);
});

test('challenge, then config after a good signature', async () => {
  const c = open();
  await c.ready;
  const challenge = await c.next();
  assert.equal(challenge.type, 'challenge');
  assert.equal(typeof challenge.nonce, 'string');
  assert.ok(challenge.nonce.length >= 32);
  c.send({ type: 'auth', agent_id: agents.a.id, signature: signAuth(agents.a, challenge.nonce) });
  const config = await c.next();
  assert.equal(config.type, 'config');
  assert.ok(Array.isArray(config.ice_servers));
  c.send({ type: 'ping', id: 'e2e' });
  const pong = await c.next('pong');
  assert.equal(pong.id, 'e2e');
  c.ws.close(1000);
  await c.waitClosed();
});

test('a bad signature closes with 4401', async () => {
  const c = open();
  await c.ready;
  const challenge = await c.next('challenge');
  // Bob's signature offered as Alice's.
  c.send({ type: 'auth', agent_id: agents.a.id, signature: signAuth(agents.b, challenge.nonce) });
  const closed = await c.waitClosed();
  assert.ok(closed, 'the server closed the connection');
  assert.equal(closed.code, 4401);
  assert.ok(closed.reason.length > 0);
});

test('a notification reaches its target with the sender as "from"', async () => {
  const { c: a } = await connectAs(agents.a);
  const { c: b } = await connectAs(agents.b);
  a.send({ type: 'notification', to: agents.b.id, from: agents.b.id, body: { text: 'hello' } });
  const got = await b.next('notification');
  assert.equal(got.from, agents.a.id);
  assert.equal(got.to, agents.b.id);
  assert.deepEqual(got.body, { text: 'hello' });
  a.ws.close(1000);
  b.ws.close(1000);
  await Promise.all([a.waitClosed(), b.waitClosed()]);
});
