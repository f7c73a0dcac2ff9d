// An independent verifier of the RFC 9421 signatures Tessera puts on the calls
// its bridge forwards to agents (and, in the same scheme, agents put on their
// requests to Tessera), written from RFC 9421 / RFC 9530 / RFC 8941 and the
// format described in README.md ("Identity and signing"), with node:crypto
// only -- it shares no code with the C++ it checks.
//
// The scheme:
//   Signature-Input: sig1=("@method" "@path" "@query" "content-digest");created=<unix s>;
//                    nonce="<1-128 chars>";keyid="<key id>";alg="ed25519"
//   Signature:       sig1=:<base64 Ed25519 signature>:
//   Content-Digest:  sha-256=:<base64 SHA-256(body)>:      (RFC 9530)
// Without a body: no "content-digest" component and no Content-Digest header.
//
// The signature base (RFC 9421 §2.5), one line per covered component, then
// the signature parameters, lines joined by "\n" with none after the last:
//   "@method": POST
//   "@path": /mcp                      (the path as sent, undecoded; "/" if empty)
//   "@query": ?a=1                     ("?" + the raw query; "?" alone without one)
//   "content-digest": sha-256=:...:    (the header value, outer whitespace trimmed)
//   "@signature-params": ("@method" "@path" "@query" "content-digest");created=...;alg="ed25519"
// where the last value is the inner list of Signature-Input re-serialized
// (RFC 8941 §4.1) from what was parsed.
//
//   import { verifyTesseraSignature } from './lib/http_signature.mjs';
//   const { ok, reason } = verifyTesseraSignature({ method: 'POST', target: '/mcp', headers, body,
//     publicKey: node.public_key, expectedKeyId: node.did });

import { createHash, createPublicKey, verify as cryptoVerify, KeyObject } from 'node:crypto';

export const LABEL = 'sig1';
export const ALGORITHM = 'ed25519';
export const MAX_NONCE = 128;
const PARAMETERS = ['created', 'nonce', 'keyid', 'alg'];

// ---------------------------------------------------------------- RFC 8941 structured fields

class ParseError extends Error {}

/** A bare item: {type: 'integer'|'decimal'|'string'|'token'|'bytes'|'boolean', value}. */
class Parser {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }
  get done() {
    return this.i >= this.s.length;
  }
  peek() {
    return this.s[this.i];
  }
  fail(why) {
    throw new ParseError(`${why} at ${this.i} in ${JSON.stringify(this.s.slice(0, 200))}`);
  }
  skipSP() {
    while (this.peek() === ' ') this.i++;
  }
  skipOWS() {
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
  }

  key() {
    const c = this.peek();
    if (!(c >= 'a' && c <= 'z') && c !== '*') this.fail('a key must start with a-z or *');
    const start = this.i;
    while (!this.done && /[a-z0-9_\-.*]/.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  bareItem() {
    const c = this.peek();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '*') return this.token();
    return this.fail(`unexpected ${JSON.stringify(c ?? 'end')} for an item`);
  }

  number() {
    const m = /^-?[0-9]+(\.[0-9]+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail('bad number');
    const text = m[0];
    const digits = text.replace(/^-/, '');
    if (m[1] === undefined) {
      if (digits.length > 15) this.fail('an integer has at most 15 digits');
      this.i += text.length;
      return { type: 'integer', value: Number(text) };
    }
    const [whole, frac] = digits.split('.');
    if (whole.length > 12 || frac.length > 3) this.fail('a decimal has at most 12.3 digits');
    this.i += text.length;
    return { type: 'decimal', value: Number(text) };
  }

  string() {
    this.i++; // "
    let out = '';
    for (;;) {
      if (this.done) this.fail('unterminated string');
      const c = this.s[this.i++];
      if (c === '\\') {
        const n = this.s[this.i++];
        if (n !== '"' && n !== '\\') this.fail('bad escape in a string');
        out += n;
      } else if (c === '"') {
        return { type: 'string', value: out };
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('a string holds printable ASCII only');
        out += c;
      }
    }
  }

  token() {
    const start = this.i;
    this.i++;
    while (!this.done && /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/.test(this.peek())) this.i++;
    return { type: 'token', value: this.s.slice(start, this.i) };
  }

  bytes() {
    this.i++; // :
    const end = this.s.indexOf(':', this.i);
    if (end < 0) this.fail('unterminated byte sequence');
    const b64 = this.s.slice(this.i, end);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) this.fail('bad base64 in a byte sequence');
    this.i = end + 1;
    return { type: 'bytes', value: Buffer.from(b64, 'base64') };
  }

  boolean() {
    this.i++; // ?
    const c = this.s[this.i++];
    if (c !== '0' && c !== '1') this.fail('a boolean is ?0 or ?1');
    return { type: 'boolean', value: c === '1' };
  }

  /** Parameters as an array of [key, bareItem] in order; a repeated key is refused. */
  parameters() {
    const params = [];
    while (this.peek() === ';') {
      this.i++;
      this.skipSP();
      const k = this.key();
      let v = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.i++;
        v = this.bareItem();
      }
      if (params.some(([seen]) => seen === k)) this.fail(`parameter ${k} repeated`);
      params.push([k, v]);
    }
    return params;
  }

  item() {
    const bare = this.bareItem();
    return { ...bare, params: this.parameters() };
  }

  itemOrInnerList() {
    if (this.peek() !== '(') return this.item();
    this.i++;
    const items = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ')') {
        this.i++;
        return { type: 'inner-list', items, params: this.parameters() };
      }
      items.push(this.item());
      if (this.peek() !== ' ' && this.peek() !== ')') this.fail('items of an inner list are separated by spaces');
    }
  }

  dictionary() {
    const out = new Map();
    this.skipSP();
    if (this.done) return out;
    for (;;) {
      const k = this.key();
      let member;
      if (this.peek() === '=') {
        this.i++;
        member = this.itemOrInnerList();
      } else {
        member = { type: 'boolean', value: true, params: this.parameters() };
      }
      out.set(k, member); // RFC 8941 §4.2.2: a later duplicate overwrites
      this.skipOWS();
      if (this.done) return out;
      if (this.s[this.i++] !== ',') this.fail('dictionary members are separated by commas');
      this.skipOWS();
      if (this.done) this.fail('trailing comma');
    }
  }
}

/** RFC 8941 dictionary → Map(key → item or inner list); throws on a malformed field. */
export function parseDictionary(text) {
  const p = new Parser(String(text).replace(/^ +| +$/g, ''));
  const out = p.dictionary();
  if (!p.done) p.fail('trailing characters');
  return out;
}

function serializeBare({ type, value }) {
  switch (type) {
    case 'integer':
      return String(value);
    case 'decimal': {
      const s = String(Math.round(value * 1000) / 1000);
      return s.includes('.') ? s : `${s}.0`;
    }
    case 'string':
      return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'token':
      return value;
    case 'bytes':
      return `:${value.toString('base64')}:`;
    case 'boolean':
      return value ? '?1' : '?0';
    default:
      throw new Error(`cannot serialize ${type}`);
  }
}

function serializeParams(params) {
  return params
    .map(([k, v]) => (v.type === 'boolean' && v.value === true ? `;${k}` : `;${k}=${serializeBare(v)}`))
    .join('');
}

/** RFC 8941 §4.1: an inner list with its parameters, as it goes into "@signature-params". */
export function serializeInnerList(list) {
  const items = list.items.map((it) => serializeBare(it) + serializeParams(it.params));
  return `(${items.join(' ')})${serializeParams(list.params)}`;
}

// ---------------------------------------------------------------- keys

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(text) {
  let n = 0n;
  for (const c of text) {
    const d = BASE58.indexOf(c);
    if (d < 0) throw new Error(`not base58: ${c}`);
    n = n * 58n + BigInt(d);
  }
  const bytes = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Buffer.from(bytes);
}

/**
 * The raw 32-byte Ed25519 key of an agent id (`z6Mk...`) or its `did:key:`:
 * "z" + base58btc(0xED 0x01 || key). Throws when it is not one.
 */
export function didKeyToPublicKey(id) {
  const fingerprint = id.startsWith('did:key:') ? id.slice('did:key:'.length) : id;
  if (!fingerprint.startsWith('z')) throw new Error(`not a base58btc multibase id: ${id}`);
  const raw = base58Decode(fingerprint.slice(1));
  if (raw.length !== 34 || raw[0] !== 0xed || raw[1] !== 0x01) throw new Error(`not an Ed25519 did:key: ${id}`);
  return raw.subarray(2);
}

/** A node:crypto public KeyObject from a KeyObject, a raw 32-byte key, or its base64url. */
export function ed25519PublicKey(key) {
  if (key instanceof KeyObject) return key;
  const raw = typeof key === 'string' ? Buffer.from(key, 'base64url') : Buffer.from(key);
  if (raw.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

// ---------------------------------------------------------------- verification

/** A header by name, case-insensitively; several values are joined by ", " (RFC 9421 §2.1). */
function header(headers, name) {
  const want = name.toLowerCase();
  const values = [];
  // A Headers, a Map or [[name, value]...]; else a plain object.
  const iterable = headers instanceof Headers || headers instanceof Map || Array.isArray(headers);
  const entries = iterable ? [...headers] : Object.entries(headers ?? {});
  for (const [k, v] of entries) {
    if (k.toLowerCase() !== want || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) values.push(String(one).replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  return values.length ? values.join(', ') : undefined;
}

/** The covered components of a request, in order, with their values (RFC 9421 §2.2). */
function components(method, target, body, digestHeader) {
  if (!target.startsWith('/')) throw new ParseError(`the target must be origin-form (/path?query), got ${target}`);
  if (target.includes('#')) throw new ParseError('a request target has no fragment');
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  // @method as sent: RFC 9421 §2.2.1 does not change its case.
  const out = [
    ['@method', method],
    ['@path', path === '' ? '/' : path],
    ['@query', `?${query}`],
  ];
  if (body.length > 0) out.push(['content-digest', digestHeader ?? '']);
  return out;
}

/** The signature base of RFC 9421 §2.5 for these components and serialized signature parameters. */
export function signatureBase(covered, signatureParams) {
  return (
    covered.map(([name, value]) => `"${name}": ${value}\n`).join('') + `"@signature-params": ${signatureParams}`
  );
}

/**
 * Checks the signature Tessera's scheme puts on a request.
 *
 * @param {object} o
 * @param {string} o.method           as sent (e.g. 'POST')
 * @param {string} o.target           the request target as sent: path and query, undecoded
 * @param {object} o.headers          {name: value} (any case; Node's req.headers will do), a Headers or a Map
 * @param {string|Buffer} [o.body=''] the body as sent (a string is taken as UTF-8)
 * @param {string|Buffer|KeyObject} o.publicKey  Ed25519: raw 32 bytes or their base64url
 * @param {string} o.expectedKeyId    the keyid the signature must name (e.g. the node's did:key)
 * @param {number} [o.now]            Unix seconds (default: the clock)
 * @param {number} [o.maxSkew=300]    seconds created may be off from now, either way
 * @returns {{ok: boolean, reason: string, created?: number, nonce?: string, keyid?: string, base?: string}}
 */
export function verifyTesseraSignature({
  method,
  target,
  headers,
  body = '',
  publicKey,
  expectedKeyId,
  now = Date.now() / 1000,
  maxSkew = 300,
}) {
  const bad = (reason, extra = {}) => ({ ok: false, reason, ...extra });
  try {
    const bodyBytes = Buffer.isBuffer(body) ? body : Buffer.from(String(body), 'utf8');
    const inputHeader = header(headers, 'Signature-Input');
    const signatureHeader = header(headers, 'Signature');
    const digestHeader = header(headers, 'Content-Digest');
    if (inputHeader === undefined) return bad('no Signature-Input header');
    if (signatureHeader === undefined) return bad('no Signature header');

    const inputs = parseDictionary(inputHeader);
    const signatures = parseDictionary(signatureHeader);
    const input = inputs.get(LABEL);
    const signature = signatures.get(LABEL);
    if (!input) return bad(`Signature-Input has no ${LABEL}`);
    if (!signature) return bad(`Signature has no ${LABEL}`);
    if (input.type !== 'inner-list') return bad(`Signature-Input ${LABEL} is not an inner list`);
    if (signature.type !== 'bytes' || signature.params.length) return bad(`Signature ${LABEL} is not a byte sequence`);
    if (signature.value.length !== 64) return bad(`an Ed25519 signature has 64 bytes, got ${signature.value.length}`);

    // Exactly the components of the scheme, in order, as plain strings.
    const covered = components(method, target, bodyBytes, digestHeader);
    const names = covered.map(([name]) => name);
    const got = input.items.map((it) => (it.type === 'string' && !it.params.length ? it.value : `<${it.type}>`));
    if (JSON.stringify(got) !== JSON.stringify(names)) {
      return bad(`covered components ${JSON.stringify(got)}, expected ${JSON.stringify(names)}`);
    }

    // Exactly created, nonce, keyid and alg.
    const params = Object.fromEntries(input.params);
    const extra = input.params.map(([k]) => k).filter((k) => !PARAMETERS.includes(k));
    if (extra.length) return bad(`unexpected signature parameters: ${extra.join(', ')}`);
    const { created, nonce, keyid, alg } = params;
    if (created?.type !== 'integer') return bad('created is not an integer');
    if (nonce?.type !== 'string' || nonce.value.length < 1 || nonce.value.length > MAX_NONCE) {
      return bad(`nonce is not a string of 1-${MAX_NONCE} characters`);
    }
    if (keyid?.type !== 'string') return bad('keyid is not a string');
    if (alg?.type !== 'string' || alg.value !== ALGORITHM) return bad(`alg is not "${ALGORITHM}"`);
    const info = { created: created.value, nonce: nonce.value, keyid: keyid.value };
    if (keyid.value !== expectedKeyId) return bad(`keyid ${keyid.value} is not ${expectedKeyId}`, info);
    if (Math.abs(created.value - now) > maxSkew) {
      return bad(`created ${created.value} is more than ${maxSkew} s from now (${Math.floor(now)})`, info);
    }

    // RFC 9530: the digest of the body as sent; none without a body.
    if (bodyBytes.length === 0) {
      if (digestHeader !== undefined) return bad('Content-Digest without a body', info);
    } else {
      if (digestHeader === undefined) return bad('no Content-Digest header for a body', info);
      const digest = parseDictionary(digestHeader).get('sha-256');
      if (digest?.type !== 'bytes') return bad('Content-Digest has no sha-256 byte sequence', info);
      const actual = createHash('sha256').update(bodyBytes).digest();
      if (!digest.value.equals(actual)) return bad('Content-Digest does not match the body', info);
    }

    const base = signatureBase(covered, serializeInnerList(input));
    const key = ed25519PublicKey(publicKey);
    if (!cryptoVerify(null, Buffer.from(base, 'utf8'), key, signature.value)) {
      return bad('the signature does not verify', { ...info, base });
    }
    return { ok: true, reason: '', ...info, base };
  } catch (err) {
    if (err instanceof ParseError) return bad(`malformed: ${err.message}`);
    throw err;
  }
}
