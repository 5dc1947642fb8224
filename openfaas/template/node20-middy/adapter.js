'use strict';

/**
 * The node20 template contract, shared by the template's server (index.js) and the local
 * gateway: an HTTP request becomes the `event` a function receives, a `context` collects its
 * reply (`context.status(code).headers(h).succeed(value)`), and the reply becomes an HTTP
 * response. It follows the official openfaas/templates node20 `FunctionEvent`/`FunctionContext`
 * with two deliberate differences:
 *  - the body is never parsed here: text bodies arrive as the raw string, other media types as
 *    a Buffer, so the function's own middleware owns JSON parsing, limits and error bodies;
 *  - an error (thrown, rejected or passed to `fail`) is answered with an RFC 9457 problem
 *    (500, code `internal_error`), never with the error's text.
 * Plain CommonJS with no dependencies: it is copied into the function image as is.
 */

const PROBLEM_TYPE_BASE = 'https://docs.marketplace.dev/problems/';
/** What a request without a body reads as: zero bytes, so one Buffer serves them all. */
const EMPTY_BODY = Buffer.alloc(0);
const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TEXT_MEDIA_TYPE = /^(text\/|application\/(json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|x-www-form-urlencoded|javascript|graphql)$)/i;

/** A body is text unless its media type says otherwise; no content-type counts as text/plain, as in the official template. */
const isTextMediaType = (contentType) => {
  if (!contentType) return true;
  return TEXT_MEDIA_TYPE.test(String(contentType).split(';')[0].trim());
};

/** Query values keep their repetition: `?a=1&a=2` → `{ a: ['1', '2'] }`. */
const parseQuery = (searchParams) => {
  const query = {};
  for (const [key, value] of searchParams) {
    const previous = query[key];
    query[key] = previous === undefined ? value : [].concat(previous, value);
  }
  return query;
};

/**
 * Builds the function's event from a request and its fully read body.
 * `pathOverride` lets the gateway pass the path after `/function/<name>`.
 */
const makeEvent = (req, rawBody, pathOverride) => {
  const target = req.url || '/';
  // The gateway passes the path; without a query string there is then nothing to parse.
  const url = pathOverride !== undefined && !target.includes('?') ? undefined : new URL(target, 'http://function.local');
  const buffer = rawBody || EMPTY_BODY;
  return {
    body: isTextMediaType(req.headers['content-type']) ? buffer.toString('utf8') : buffer,
    headers: req.headers,
    method: req.method || 'GET',
    query: url ? parseQuery(url.searchParams) : {},
    path: pathOverride === undefined ? url.pathname : pathOverride,
  };
};

/**
 * The function's context. The first `succeed` or `fail` settles the invocation (`cbCalled`
 * counts the calls, as in the official template); later calls are ignored.
 * `callback(err, value)` receives that first settlement.
 */
const makeContext = (callback = () => undefined) => {
  const context = {
    statusCode: 200,
    headerValues: {},
    cbCalled: 0,
    status(code) {
      if (code === undefined) return context.statusCode;
      context.statusCode = code;
      return context;
    },
    headers(values) {
      if (values === undefined) return context.headerValues;
      context.headerValues = values;
      return context;
    },
    succeed(value) {
      context.cbCalled += 1;
      if (context.cbCalled === 1) callback(undefined, value);
      return value;
    },
    fail(error) {
      context.cbCalled += 1;
      if (context.cbCalled === 1) callback(error === undefined ? new Error('fail() called without an error') : error);
      return undefined;
    },
  };
  return context;
};

/** A reply is `{ status, headers, body }` with a string or Buffer body, ready to write. */
const problemReply = (status, code, title, detail) => ({
  status,
  headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' },
  body: JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${code}`, title, status, ...(detail ? { detail } : {}), code }),
});

const internalErrorReply = () => problemReply(500, 'internal_error', 'Internal Server Error', 'An unexpected error occurred.');

const normaliseHeaders = (headers) => {
  const result = {};
  if (!headers) return result;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || value === null) continue;
    result[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return result;
};

/** Strings and Buffers go out as they are, objects and arrays as JSON, nothing as an empty body. */
const encodeBody = (value, headers) => {
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) {
    headers['content-type'] ??= 'application/octet-stream';
    return value;
  }
  if (typeof value === 'object') {
    headers['content-type'] ??= 'application/json';
    return JSON.stringify(value);
  }
  headers['content-type'] ??= 'text/plain; charset=utf-8';
  return String(value);
};

const toReply = (context, value) => {
  const headers = normaliseHeaders(context.headers());
  const body = encodeBody(value, headers);
  return { status: Number(context.status()) || 200, headers, body };
};

/**
 * Loads a function from its module: `module.exports = fn` (the node20 contract), or an ES
 * module compiled to CommonJS (`exports.default` / `exports.handler`).
 */
const resolveHandler = (mod) => {
  const candidates = [mod, mod && mod.default, mod && mod.handler];
  const handler = candidates.find((candidate) => typeof candidate === 'function');
  if (!handler) throw new TypeError('The function module exports no handler: expected module.exports = async (event, context) => …');
  return handler;
};

/**
 * Invokes `handler(event, context)` and resolves with its reply; never rejects.
 * The reply is what the handler passed to `succeed`, or what it returned when it called
 * neither `succeed` nor `fail`. Errors are reported to `onError` and answered with a problem.
 */
const invokeHandler = (handler, event, { onError = () => undefined } = {}) =>
  new Promise((resolve) => {
    const context = makeContext((error, value) => {
      if (error !== undefined) {
        onError(error);
        resolve(internalErrorReply());
        return;
      }
      try {
        resolve(toReply(context, value));
      } catch (encodeError) {
        onError(encodeError);
        resolve(internalErrorReply());
      }
    });
    const settleWith = (value) => {
      if (!context.cbCalled) context.succeed(value);
    };
    const failWith = (error) => {
      if (!context.cbCalled) context.fail(error);
      else onError(error);
    };
    let result;
    try {
      result = handler(event, context);
    } catch (error) {
      failWith(error);
      return;
    }
    Promise.resolve(result).then(settleWith, failWith);
  });

/**
 * Whether a request carries a body at all: one with neither Content-Length nor
 * Transfer-Encoding has none (RFC 9112 §6.3), so there is nothing to wait for.
 */
const hasBody = (req) => {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
};

/** Reads a request body up to `limitBytes`; resolves undefined when the limit is exceeded. */
const readBody = (req, limitBytes) =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks = [];
    let size = 0;
    let exceeded = false;
    req.on('data', (chunk) => {
      if (exceeded) return;
      size += chunk.length;
      if (size > limitBytes) {
        exceeded = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(exceeded ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });

const payloadTooLargeReply = (limitBytes) => problemReply(413, 'payload_too_large', 'Payload Too Large', `The request body exceeds ${limitBytes} bytes.`);

/**
 * Writes a reply; HEAD requests get the headers only.
 * (Object.assign rather than `{ ...headers, more }`: in Node 20's V8 every property written
 * after a spread takes the slow runtime path, about 0.4 µs each; Object.assign does not.)
 */
const writeReply = (req, res, reply) => {
  const body = reply.body === undefined ? '' : reply.body;
  res.writeHead(reply.status, Object.assign({}, reply.headers, { 'content-length': Buffer.byteLength(body) }));
  res.end(req.method === 'HEAD' ? undefined : body);
};

module.exports = {
  PROBLEM_CONTENT_TYPE,
  isTextMediaType,
  makeEvent,
  makeContext,
  invokeHandler,
  resolveHandler,
  problemReply,
  internalErrorReply,
  payloadTooLargeReply,
  EMPTY_BODY,
  hasBody,
  readBody,
  writeReply,
};
