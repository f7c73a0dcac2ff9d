// lib/http_signature.mjs, the test-side verifier of Tessera's RFC 9421
// request signatures, on its own: the worked example of README.md ("Identity
// and signing") must verify, and requests signed here with node:crypto must
// verify until any covered part of them changes. No tesserad needed.
//
// Run from tests/e2e: node --test http_signature.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { verifyTesseraSignature, didKeyToPublicKey, parseDictionary } from './lib/http_signature.mjs';

// ---------------------------------------------------------------- README worked example

const README = {
  method: 'POST',
  target: '/api/v1/agents',
  body:
    '{"name":"Echo","protocols":["a2a"],"public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","signatures":[{"protected":"eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDprZXk6ejZNa3R3dXBkbUxYVlZxVHpDdzRpNDZyNHVHeW9zR1hSblIzWGpONFpxN29NTXN3I3o2TWt0d3VwZG1MWFZWcVR6Q3c0aTQ2cjR1R3lvc0dYUm5SM1hqTjRacTdvTU1zdyJ9","signature":"TCv6PEkrUVbCnBwqaUr9pkK0-MjBjVTMNtGF5r2JHrdaUkX8vxjCh55MFibwihZkxaxKU0pLDMvhUsxzXkckAQ"}],"url":"https://echo.example.com","version":"1.0.0"}',
  headers: {
    'Content-Type': 'application/json',
    'Content-Digest': 'sha-256=:514CTboS7sCa/bqhBQx+TPoqfqkwOwxmu7NDHuTIOaE=:',
    'Signature-Input':
      'sig1=("@method" "@path" "@query" "content-digest");created=1795000000;nonce="8Rk2mZ0nq4XcV1bT";keyid="z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw";alg="ed25519"',
    Signature: 'sig1=:FPfBjjPlyrgnaCX1C0pocLU2oRSCaZ/tDpTDogRw++Rti+264Cy7IJLL8aXt5VQM1R4njdXfLuxZjkYkEMaCCg==:',
  },
  publicKey: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  expectedKeyId: 'z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw',
  now: 1795000000,
};

test('the worked example of the README verifies', () => {
  const r = verifyTesseraSignature(README);
  assert.equal(r.reason, '');
  assert.equal(r.ok, true);
  assert.equal(
    r.base,
    [
      '"@method": POST',
      '"@path": /api/v1/agents',
      '"@query": ?',
      '"content-digest": sha-256=:514CTboS7sCa/bqhBQx+TPoqfqkwOwxmu7NDHuTIOaE=:',
      '"@signature-params": ("@method" "@path" "@query" "content-digest");created=1795000000;nonce="8Rk2mZ0nq4XcV1bT";keyid="z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw";alg="ed25519"',
    ].join('\n'),
  );
  // The id encodes the key.
  assert.equal(didKeyToPublicKey(README.expectedKeyId).toString('base64url'), README.publicKey);
  assert.equal(didKeyToPublicKey(`did:key:${README.expectedKeyId}`).toString('base64url'), README.publicKey);
});

test('the README example fails once anything covered changes', () => {
  const fails = (change, why) => {
    const r = verifyTesseraSignature({ ...README, ...change });
    assert.equal(r.ok, false, `${why} must not verify`);
    assert.ok(r.reason, `${why}: a reason is given`);
    return r.reason;
  };
  fails({ body: README.body.replace('Echo', 'Echp') }, 'one byte of the body changed');
  fails({ target: '/api/v1/agentz' }, 'another path');
  fails({ target: '/api/v1/agents?x=1' }, 'a query added');
  // RFC 9421 §2.2.7: an empty query and none both give "@query": ?, so these two are one request to it.
  assert.equal(verifyTesseraSignature({ ...README, target: '/api/v1/agents?' }).ok, true, 'a trailing "?"');
  fails({ method: 'PUT' }, 'another method');
  fails({ now: README.now + 301 }, 'created too old');
  fails({ now: README.now - 301 }, 'created in the future');
  fails({ expectedKeyId: `did:key:${README.expectedKeyId}` }, 'another keyid expected');
  const other = generateKeyPairSync('ed25519').publicKey;
  assert.match(fails({ publicKey: other }, 'another key'), /does not verify/);
  const h = (over) => ({ headers: { ...README.headers, ...over } });
  fails(h({ 'Content-Digest': undefined }), 'no Content-Digest');
  fails(h({ Signature: undefined }), 'no Signature');
  fails(h({ 'Signature-Input': README.headers['Signature-Input'].replace('8Rk2', '8Rk3') }), 'another nonce');
  fails(h({ 'Signature-Input': README.headers['Signature-Input'].replace('sig1=', 'sig2=') }), 'another label');
  fails(
    h({ 'Signature-Input': README.headers['Signature-Input'].replace(' "content-digest"', '') }),
    'content-digest not covered although there is a body',
  );
  fails(h({ 'Signature-Input': README.headers['Signature-Input'] + ';expires=1795000100' }), 'an extra parameter');
  fails(h({ 'Signature-Input': README.headers['Signature-Input'] + ';alg="ed25519"' }), 'a repeated parameter');
  fails(h({ 'Signature-Input': README.headers['Signature-Input'].replace('"ed25519"', '"rsa-v1_5-sha256"') }), 'another alg');
  fails(h({ Signature: 'sig1=:AAAA:' }), 'a short signature');
  fails(h({ Signature: 'sig1=:not base64!:' }), 'a malformed Signature');
  fails({ body: '' }, 'the body left out');
});

// ---------------------------------------------------------------- signed here

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, raw: Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url') };
}

/** Signs as README.md describes, building the base by hand (not with the library). */
function signHere({ method, path, query, body, privateKey, keyid, created, nonce }) {
  const headers = {};
  const lines = [`"@method": ${method}`, `"@path": ${path}`, `"@query": ?${query}`];
  let list = '("@method" "@path" "@query")';
  if (body.length) {
    headers['content-digest'] = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    lines.push(`"content-digest": ${headers['content-digest']}`);
    list = '("@method" "@path" "@query" "content-digest")';
  }
  const params = `${list};created=${created};nonce="${nonce}";keyid="${keyid}";alg="ed25519"`;
  lines.push(`"@signature-params": ${params}`);
  headers['signature-input'] = `sig1=${params}`;
  headers.signature = `sig1=:${sign(null, Buffer.from(lines.join('\n')), privateKey).toString('base64')}:`;
  return headers;
}

test('requests signed with a fresh key verify, with and without body and query', () => {
  const k = keyPair();
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    { method: 'POST', path: '/mcp', query: '', body: '{"jsonrpc":"2.0","id":"é-😀","method":"ping"}' },
    { method: 'POST', path: '/a%2Fb/mcp', query: 'x=1&y=%2F%20z', body: 'x' },
    { method: 'GET', path: '/mcp', query: '', body: '' },
    { method: 'DELETE', path: '/mcp', query: 'session=1', body: '' },
  ];
  for (const c of cases) {
    const headers = signHere({ ...c, privateKey: k.privateKey, keyid: 'did:key:zTest', created: now, nonce: 'n-1' });
    const target = c.query ? `${c.path}?${c.query}` : c.path;
    const base = { method: c.method, target, headers, body: c.body, publicKey: k.raw, expectedKeyId: 'did:key:zTest' };
    const r = verifyTesseraSignature(base);
    assert.equal(r.reason, '', `${c.method} ${target}`);
    assert.equal(r.ok, true);
    // The same request, one thing changed at a time.
    const no = (change, why) =>
      assert.equal(verifyTesseraSignature({ ...base, ...change }).ok, false, `${c.method} ${target}: ${why}`);
    no({ target: `${target}x` }, 'target changed');
    no({ target: c.query ? c.path : `${c.path}?x` }, 'query changed');
    no({ method: c.method === 'GET' ? 'HEAD' : 'GET' }, 'method changed');
    no({ body: `${c.body}!` }, 'body changed');
    no({ publicKey: keyPair().raw }, 'another key');
    // Node's Headers works as well as a plain object.
    assert.equal(verifyTesseraSignature({ ...base, headers: new Headers(headers) }).ok, true);
  }
  // Without a body, a Content-Digest header (even a correct one of "") is refused.
  const headers = signHere({ method: 'GET', path: '/mcp', query: '', body: '', privateKey: k.privateKey, keyid: 'k', created: now, nonce: 'n' });
  headers['content-digest'] = `sha-256=:${createHash('sha256').update('').digest('base64')}:`;
  const r = verifyTesseraSignature({ method: 'GET', target: '/mcp', headers, publicKey: k.raw, expectedKeyId: 'k' });
  assert.equal(r.ok, false);
});

test('structured fields: the parser takes what RFC 8941 allows and refuses the rest', () => {
  const d = parseDictionary('a=1, b=("x" "y");p=?0 ,c, d=:AQID:, e=tok/en, f=-1.5');
  assert.deepEqual([...d.keys()], ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.equal(d.get('a').value, 1);
  assert.deepEqual(d.get('b').items.map((i) => i.value), ['x', 'y']);
  assert.deepEqual(d.get('b').params, [['p', { type: 'boolean', value: false }]]);
  assert.equal(d.get('c').value, true);
  assert.deepEqual([...d.get('d').value], [1, 2, 3]);
  assert.equal(d.get('e').value, 'tok/en');
  assert.equal(d.get('f').value, -1.5);
  for (const bad of ['a=', 'A=1', 'a=1,', 'a=("x"', 'a="\\n"', 'a=:AQI:', 'a=1 b=2', 'a=1234567890123456']) {
    assert.throws(() => parseDictionary(bad), undefined, bad);
  }
});
