#!/usr/bin/env node
// MCP server backend used by the e2e tests (and, later, proxied by Tessera).
//
// It is a faithful fixture for the official MCP server conformance suite
// (@modelcontextprotocol/conformance 0.1.16): every tool, resource, prompt and
// behaviour its server scenarios expect, modelled on the reference
// "everything-server" of that release, built with the official TypeScript SDK
// (McpServer + StreamableHTTPServerTransport) on node:http.
//
// Usage: node backends/mcp_backend.mjs [--port N] [--allowed-host NAME]...
//                                      [--no-dns-rebinding-protection]
//   --port N        port on 127.0.0.1 (0, the default, picks a free one)
//   --allowed-host  extra hostname accepted in Host/Origin (port is ignored)
//   --no-dns-rebinding-protection   accept any Host/Origin
//
// Once listening it prints exactly one line to stdout:
//   listening http://127.0.0.1:PORT/mcp
// Everything else it says goes to stderr.
//
// HTTP surface:
//   POST/GET/DELETE /mcp   Streamable HTTP, stateful: a session (transport +
//                          McpServer) is created by an `initialize` POST without
//                          Mcp-Session-Id and is keyed by the Mcp-Session-Id the
//                          server returns; GET opens the standalone SSE stream
//                          (Last-Event-ID resumes a stream); DELETE ends it.
//   GET /_seen             JSON array of the last 200 requests received (any
//                          path except /_seen): {method, path, target, headers,
//                          body, body_bytes, time}, header names lower-cased.
//                          path and target are both the request target as sent
//                          (path and query, undecoded; path is the older name);
//                          body is the request body as UTF-8 text, cut to its
//                          first 64 KiB (body_bytes is its full size), filled in
//                          once the body has been read (every recorded request's
//                          body is read before it is answered).
//   DELETE /_seen          clears that list (204).

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const opts = { port: 0, allowedHosts: [], dnsRebindingProtection: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(value());
    else if (a.startsWith('--port=')) opts.port = Number(a.slice(7));
    else if (a === '--allowed-host') opts.allowedHosts.push(value().toLowerCase());
    else if (a === '--no-dns-rebinding-protection') opts.dnsRebindingProtection = false;
    else throw new Error(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error('--port must be an integer in 0..65535');
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const HOST = '127.0.0.1';
const MCP_PATH = '/mcp';
const SEEN_PATH = '/_seen';
const SEEN_LIMIT = 200;
const SEEN_BODY_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_SESSIONS = 1000;
const MAX_EVENTS_PER_SESSION = 1000;
const SSE_RETRY_MS = 5000; // "retry:" sent in SSE priming events (SEP-1699)
const ALLOWED_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', ...opts.allowedHosts]);

const log = (...args) => console.error('[mcp_backend]', ...args);

// ---------------------------------------------------------------- fixtures

// 1x1 red PNG and a minimal WAV, as in the reference everything-server.
const TEST_IMAGE_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const TEST_AUDIO_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const WATCHED_RESOURCE_TEXT = 'Watched resource content';

// SEP-1613: served verbatim by tools/list for json_schema_2020_12_tool.
const JSON_SCHEMA_2020_12_INPUT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
  },
  additionalProperties: false,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const prefixFilter = (choices) => (value) =>
  choices.filter((c) => c.toLowerCase().startsWith(String(value ?? '').toLowerCase()));

// ---------------------------------------------------------------- event store

// Bounded in-memory event store, one per session, for SSE resumability
// (priming events, Last-Event-ID replay, closeSSEStream polling).
function createEventStore() {
  const events = new Map(); // eventId -> {streamId, seq, message}
  let seq = 0;
  return {
    async storeEvent(streamId, message) {
      seq += 1;
      const eventId = `${streamId}|${String(seq).padStart(12, '0')}`;
      events.set(eventId, { streamId, seq, message });
      while (events.size > MAX_EVENTS_PER_SESSION) {
        events.delete(events.keys().next().value);
      }
      return eventId;
    },
    async getStreamIdForEventId(eventId) {
      return events.get(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = events.get(lastEventId);
      if (!last) return '';
      for (const [eventId, ev] of events) {
        if (ev.streamId !== last.streamId || ev.seq <= last.seq) continue;
        if (ev.message && Object.keys(ev.message).length > 0) {
          await send(eventId, ev.message);
        }
      }
      return last.streamId;
    },
  };
}

// ---------------------------------------------------------------- MCP server

function createMcpServer(state) {
  const mcp = new McpServer(
    { name: 'tessera-e2e-mcp-backend', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );

  // Log notification tied to the current request (so it travels on that
  // request's SSE stream), honouring the session's logging/setLevel.
  async function logTo(extra, level, data) {
    if (mcp.server.isMessageIgnored(level, extra.sessionId)) return;
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level, logger: 'tessera-e2e-mcp-backend', data },
    });
  }

  // ===== tools

  mcp.registerTool(
    'test_simple_text',
    { description: 'Tests simple text content response' },
    async () => ({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    }),
  );

  mcp.registerTool(
    'test_image_content',
    { description: 'Tests image content response' },
    async () => ({
      content: [{ type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' }],
    }),
  );

  mcp.registerTool(
    'test_audio_content',
    { description: 'Tests audio content response' },
    async () => ({
      content: [{ type: 'audio', data: TEST_AUDIO_BASE64, mimeType: 'audio/wav' }],
    }),
  );

  mcp.registerTool(
    'test_embedded_resource',
    { description: 'Tests embedded resource content response' },
    async () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  );

  mcp.registerTool(
    'test_multiple_content_types',
    { description: 'Tests response with multiple content types (text, image, resource)' },
    async () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  );

  mcp.registerTool(
    'test_tool_with_logging',
    { description: 'Tests tool that emits log messages during execution', inputSchema: {} },
    async (_args, extra) => {
      await logTo(extra, 'info', 'Tool execution started');
      await sleep(50);
      await logTo(extra, 'info', 'Tool processing data');
      await sleep(50);
      await logTo(extra, 'info', 'Tool execution completed');
      return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
    },
  );

  mcp.registerTool(
    'test_tool_with_progress',
    { description: 'Tests tool that reports progress notifications', inputSchema: {} },
    async (_args, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: {
              progressToken,
              progress,
              total: 100,
              message: `Completed step ${progress} of 100`,
            },
          });
        }
        if (progress < 100) await sleep(50);
      }
      return {
        content: [
          { type: 'text', text: progressToken === undefined ? 'no progress token' : String(progressToken) },
        ],
      };
    },
  );

  mcp.registerTool(
    'test_error_handling',
    { description: 'Tests error response handling' },
    async () => {
      throw new Error('This tool intentionally returns an error for testing');
    },
  );

  // SEP-1699: closes the request's SSE stream mid-call; the result is sent
  // after that and reaches the client when it reconnects with Last-Event-ID.
  mcp.registerTool(
    'test_reconnection',
    {
      description:
        'Tests SSE stream disconnection and client reconnection (SEP-1699): closes the stream mid-call and sends the result after the client reconnects.',
      inputSchema: {},
    },
    async (_args, extra) => {
      extra.closeSSEStream?.();
      await sleep(100);
      return {
        content: [
          {
            type: 'text',
            text: 'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.',
          },
        ],
      };
    },
  );

  mcp.registerTool(
    'test_sampling',
    {
      description: 'Tests server-initiated sampling (LLM completion request)',
      inputSchema: { prompt: z.string().describe('The prompt to send to the LLM') },
    },
    async ({ prompt }, extra) => {
      try {
        const result = await extra.sendRequest(
          {
            method: 'sampling/createMessage',
            params: {
              messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
              maxTokens: 100,
            },
          },
          CreateMessageResultSchema,
        );
        const text = result.content?.type === 'text' ? result.content.text : JSON.stringify(result.content);
        return { content: [{ type: 'text', text: `LLM response: ${text}` }] };
      } catch (error) {
        return {
          isError: true,
          content: [{ type: 'text', text: `Sampling not supported or error: ${error.message}` }],
        };
      }
    },
  );

  async function elicit(extra, params, label) {
    try {
      const result = await extra.sendRequest({ method: 'elicitation/create', params }, ElicitResultSchema);
      return {
        content: [
          {
            type: 'text',
            text: `${label}: action=${result.action}, content=${JSON.stringify(result.content || {})}`,
          },
        ],
      };
    } catch (error) {
      return {
        isError: true,
        content: [{ type: 'text', text: `Elicitation not supported or error: ${error.message}` }],
      };
    }
  }

  mcp.registerTool(
    'test_elicitation',
    {
      description: 'Tests server-initiated elicitation (user input request)',
      inputSchema: { message: z.string().describe('The message to show the user') },
    },
    async ({ message }, extra) =>
      elicit(
        extra,
        {
          message,
          requestedSchema: {
            type: 'object',
            properties: { response: { type: 'string', description: "User's response" } },
            required: ['response'],
          },
        },
        'User response',
      ),
  );

  mcp.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Tests elicitation with default values per SEP-1034', inputSchema: {} },
    async (_args, extra) =>
      elicit(
        extra,
        {
          message: 'Please review and update the form fields with defaults',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'User name', default: 'John Doe' },
              age: { type: 'integer', description: 'User age', default: 30 },
              score: { type: 'number', description: 'User score', default: 95.5 },
              status: {
                type: 'string',
                description: 'User status',
                enum: ['active', 'inactive', 'pending'],
                default: 'active',
              },
              verified: { type: 'boolean', description: 'Verification status', default: true },
            },
            required: [],
          },
        },
        'Elicitation completed',
      ),
  );

  mcp.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Tests elicitation with enum schema improvements per SEP-1330', inputSchema: {} },
    async (_args, extra) =>
      elicit(
        extra,
        {
          message: 'Please select options from the enum fields',
          requestedSchema: {
            type: 'object',
            properties: {
              untitledSingle: {
                type: 'string',
                description: 'Select one option',
                enum: ['option1', 'option2', 'option3'],
              },
              titledSingle: {
                type: 'string',
                description: 'Select one option with titles',
                oneOf: [
                  { const: 'value1', title: 'First Option' },
                  { const: 'value2', title: 'Second Option' },
                  { const: 'value3', title: 'Third Option' },
                ],
              },
              legacyEnum: {
                type: 'string',
                description: 'Select one option (legacy)',
                enum: ['opt1', 'opt2', 'opt3'],
                enumNames: ['Option One', 'Option Two', 'Option Three'],
              },
              untitledMulti: {
                type: 'array',
                description: 'Select multiple options',
                minItems: 1,
                maxItems: 3,
                items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
              },
              titledMulti: {
                type: 'array',
                description: 'Select multiple options with titles',
                minItems: 1,
                maxItems: 3,
                items: {
                  anyOf: [
                    { const: 'value1', title: 'First Choice' },
                    { const: 'value2', title: 'Second Choice' },
                    { const: 'value3', title: 'Third Choice' },
                  ],
                },
              },
            },
            required: [],
          },
        },
        'Elicitation completed',
      ),
  );

  // SEP-1613: validated with this zod schema on tools/call; tools/list serves
  // JSON_SCHEMA_2020_12_INPUT_SCHEMA verbatim (see the override below).
  mcp.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
      inputSchema: {
        name: z.string().optional(),
        address: z.object({ street: z.string().optional(), city: z.string().optional() }).optional(),
      },
    },
    async (args) => ({
      content: [{ type: 'text', text: `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}` }],
    }),
  );

  // tools/list: the SDK's own listing, with the SEP-1613 tool's raw schema.
  const sdkListTools = mcp.server._requestHandlers.get('tools/list');
  if (typeof sdkListTools !== 'function') throw new Error('SDK tools/list handler not found');
  mcp.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const result = await sdkListTools(request, extra);
    return {
      ...result,
      tools: result.tools.map((tool) =>
        tool.name === 'json_schema_2020_12_tool'
          ? { ...tool, inputSchema: JSON_SCHEMA_2020_12_INPUT_SCHEMA }
          : tool,
      ),
    };
  });

  // ===== resources

  mcp.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static Text Resource', description: 'A static text resource for testing', mimeType: 'text/plain' },
    async () => ({
      contents: [
        {
          uri: 'test://static-text',
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    }),
  );

  mcp.registerResource(
    'static-binary',
    'test://static-binary',
    {
      title: 'Static Binary Resource',
      description: 'A static binary resource (image) for testing',
      mimeType: 'image/png',
    },
    async () => ({
      contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: TEST_IMAGE_BASE64 }],
    }),
  );

  mcp.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', {
      list: undefined,
      complete: { id: prefixFilter(['123', '456', '789']) },
    }),
    {
      title: 'Resource Template',
      description: 'A resource template with parameter substitution',
      mimeType: 'application/json',
    },
    async (uri, { id }) => ({
      contents: [
        {
          uri: uri.toString(),
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        },
      ],
    }),
  );

  mcp.registerResource(
    'watched-resource',
    'test://watched-resource',
    {
      title: 'Watched Resource',
      description: 'A resource that clients can subscribe to',
      mimeType: 'text/plain',
    },
    async () => ({
      contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: WATCHED_RESOURCE_TEXT }],
    }),
  );

  // resources/subscribe and /unsubscribe: tracked per session. A log message
  // (not tied to the request, so it goes to the standalone GET stream if one
  // is open) acknowledges each change, as the reference server does.
  const notifyStandalone = (level, data, sessionId) =>
    mcp.server.sendLoggingMessage({ level, logger: 'tessera-e2e-mcp-backend', data }, sessionId).catch(() => {});

  mcp.server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    state.subscriptions.add(request.params.uri);
    notifyStandalone('info', `Subscribed to resource: ${request.params.uri}`, extra.sessionId);
    return {};
  });

  mcp.server.setRequestHandler(UnsubscribeRequestSchema, async (request, extra) => {
    state.subscriptions.delete(request.params.uri);
    notifyStandalone('info', `Unsubscribed from resource: ${request.params.uri}`, extra.sessionId);
    return {};
  });

  // ===== prompts

  mcp.registerPrompt(
    'test_simple_prompt',
    { title: 'Simple Test Prompt', description: 'A simple prompt without arguments' },
    async () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }),
  );

  mcp.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'A prompt with required arguments',
      argsSchema: {
        arg1: completable(z.string().describe('First test argument'), prefixFilter(['paris', 'park', 'party', 'test'])),
        arg2: completable(z.string().describe('Second test argument'), prefixFilter(['hello', 'world'])),
      },
    },
    async ({ arg1, arg2 }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  );

  mcp.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that includes an embedded resource',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    async ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );

  mcp.registerPrompt(
    'test_prompt_with_image',
    { title: 'Prompt With Image', description: 'A prompt that includes image content' },
    async () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  );

  // logging/setLevel: the SDK's built-in handler (logging capability), which
  // records the level per session; logTo() above honours it.
  // completion/complete: the SDK's handler, fed by the completable() prompt
  // arguments and the template's `complete` callbacks.

  return mcp;
}

// ---------------------------------------------------------------- sessions

const sessions = new Map(); // Mcp-Session-Id -> {transport, mcp, state}

async function closeSession(sessionId) {
  const s = sessions.get(sessionId);
  if (!s) return;
  sessions.delete(sessionId);
  await s.mcp.close().catch(() => {});
}

function createSession() {
  const state = { subscriptions: new Set() };
  const mcp = createMcpServer(state);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    eventStore: createEventStore(),
    retryInterval: SSE_RETRY_MS,
    onsessioninitialized: (sessionId) => {
      sessions.set(sessionId, { transport, mcp, state });
      while (sessions.size > MAX_SESSIONS) {
        const oldest = sessions.keys().next().value;
        log(`too many sessions, closing ${oldest}`);
        closeSession(oldest);
      }
    },
  });
  transport.onclose = () => {
    const sessionId = transport.sessionId;
    if (sessionId && sessions.get(sessionId)?.transport === transport) closeSession(sessionId);
  };
  return { transport, mcp };
}

// ---------------------------------------------------------------- HTTP

const seen = [];

// Recorded on arrival (so the log keeps the order requests came in); the body
// is added by noteBody once it has been read.
function record(req) {
  const entry = {
    method: req.method,
    path: req.url,
    target: req.url,
    headers: { ...req.headers },
    body: '',
    body_bytes: 0,
    time: new Date().toISOString(),
  };
  seen.push(entry);
  if (seen.length > SEEN_LIMIT) seen.splice(0, seen.length - SEEN_LIMIT);
  return entry;
}

function noteBody(entry, raw) {
  entry.body = raw.subarray(0, SEEN_BODY_BYTES).toString('utf8');
  entry.body_bytes = raw.length;
}

function sendJson(res, status, body, headers = {}) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

function sendJsonRpcError(res, status, code, message, headers) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

function hostnameOf(value) {
  try {
    return new URL(value).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

// DNS-rebinding protection for a server on 127.0.0.1: the Host header (port
// ignored) must name a loopback host, and so must the Origin header if sent.
function rebindingError(req) {
  if (!opts.dnsRebindingProtection) return undefined;
  const host = req.headers.host;
  if (!host) return 'Missing Host header';
  const hostname = hostnameOf(`http://${host}`);
  if (!hostname || !ALLOWED_HOSTNAMES.has(hostname)) return `Invalid Host header: ${host}`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const originHost = hostnameOf(origin);
    if (!originHost || !ALLOWED_HOSTNAMES.has(originHost)) return `Invalid Origin header: ${origin}`;
  }
  return undefined;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const isInitializeRequest = (body) =>
  body !== null && typeof body === 'object' && !Array.isArray(body) && body.method === 'initialize';

// `raw`: the request body, already read (a Buffer), or the error reading it.
async function handleMcp(req, res, raw) {
  const rebinding = rebindingError(req);
  if (rebinding) {
    sendJsonRpcError(res, 403, -32000, `Forbidden: ${rebinding}`);
    return;
  }
  if (!['GET', 'POST', 'DELETE'].includes(req.method)) {
    sendJsonRpcError(res, 405, -32000, 'Method not allowed.', { Allow: 'GET, POST, DELETE' });
    return;
  }

  const sessionId = req.headers['mcp-session-id'];
  const session = sessionId !== undefined ? sessions.get(sessionId) : undefined;
  if (sessionId !== undefined && !session) {
    sendJsonRpcError(res, 404, -32001, 'Session not found');
    return;
  }

  if (raw instanceof Error) {
    if (raw.status === 413) sendJsonRpcError(res, 413, -32000, 'Request body too large');
    else sendJsonRpcError(res, 400, -32000, `Bad Request: the body could not be read: ${raw.message}`);
    return;
  }
  // The body has been read from the stream: the transport (@hono/node-server)
  // takes it from rawBody should it ever look at the body of a GET or DELETE.
  req.rawBody = raw;

  if (req.method !== 'POST') {
    if (!session) {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    await session.transport.handleRequest(req, res);
    return;
  }

  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    sendJsonRpcError(res, 400, -32700, 'Parse error: Invalid JSON');
    return;
  }

  if (session) {
    await session.transport.handleRequest(req, res, body);
    return;
  }
  if (!isInitializeRequest(body)) {
    sendJsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
    return;
  }
  const { transport, mcp } = createSession();
  await mcp.connect(transport);
  await transport.handleRequest(req, res, body);
  if (!transport.sessionId || !sessions.has(transport.sessionId)) {
    // The initialize was refused (bad headers, bad protocol version...).
    await mcp.close().catch(() => {});
  }
}

function handleSeen(req, res) {
  if (req.method === 'GET') {
    sendJson(res, 200, seen);
  } else if (req.method === 'DELETE') {
    seen.length = 0;
    res.writeHead(204).end();
  } else {
    sendJson(res, 405, { error: 'method not allowed' }, { Allow: 'GET, DELETE' });
  }
}

const httpServer = http.createServer((req, res) => {
  let pathname;
  try {
    pathname = new URL(req.url, 'http://localhost').pathname;
  } catch {
    pathname = '';
  }
  if (pathname === SEEN_PATH) {
    handleSeen(req, res);
    return;
  }
  const entry = record(req);
  const body = readBody(req).then(
    (raw) => {
      noteBody(entry, raw);
      return raw;
    },
    (error) => error,
  );
  if (pathname !== MCP_PATH) {
    body.then(() => sendJson(res, 404, { error: 'not found' }));
    return;
  }
  body.then((raw) => handleMcp(req, res, raw)).catch((error) => {
    log('error handling MCP request:', error);
    if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal server error');
    else res.end();
  });
});

httpServer.on('clientError', (_err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
});

httpServer.listen(opts.port, HOST, () => {
  const { port } = httpServer.address();
  process.stdout.write(`listening http://${HOST}:${port}${MCP_PATH}\n`);
});

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: shutting down`);
  await Promise.all([...sessions.keys()].map((sid) => closeSession(sid)));
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
