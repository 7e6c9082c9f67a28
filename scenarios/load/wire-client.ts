import { connect, type Socket } from 'node:net';
import { NO_ANSWER } from './history.js';

/**
 * The load generator's HTTP/1.1 client for plain `http:` targets: keep-alive connections, one request at a time on
 * each, every request written as one buffer (request line, headers and body), and of each answer only the status kept
 * and the body counted. It is what autocannon does to be fast; a general client (undici) builds a request object,
 * validates and serialises its headers and streams the answer for every request, which is most of a signed load run's
 * CPU time.
 */
export interface WireClient {
  /** Resolves with the answer's status, or NO_ANSWER on a transport error, an unreadable answer or a timeout. */
  post(headers: Readonly<Record<string, string>>, body: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

export interface WireClientOptions {
  readonly url: URL;
  readonly connections: number;
  /** Bounds each whole answer; headers seen in time keep their status, an endless body is cut. */
  readonly timeoutMs: number;
  /** The most of one answer's body read; past it the connection is dropped, the answer's status kept. */
  readonly maxAnswerBytes: number;
}

const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** A header value or name that would split the request (undici refuses the same). */
const UNSAFE = /[\r\n\0]/;

interface Pending {
  readonly head: string;
  readonly body: Uint8Array;
  readonly resolve: (status: number) => void;
}

export function createWireClient(options: WireClientOptions): WireClient {
  const { url } = options;
  const port = Number(url.port || 80);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const prefix = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n`;
  const idle: Connection[] = [];
  const waiting: Pending[] = [];
  let open = 0;
  let closed = false;

  const release = (connection: Connection) => {
    const next = waiting.shift();
    if (next !== undefined) connection.send(next);
    else idle.push(connection);
  };

  const dispatch = (pending: Pending) => {
    const connection = idle.pop() ?? (open < options.connections ? newConnection() : undefined);
    if (connection === undefined) waiting.push(pending);
    else connection.send(pending);
  };

  // Requests are written at the end of the event loop's turn, back to back, not each as soon as it is made. Made
  // between answers (each signed), they would leave tens of microseconds apart, and a receiver that keeps up sleeps in
  // between: every write then pays the kernel for waking it, which on a small virtual machine cost more than the
  // request's JavaScript (decision 0035). Back to back, one wake-up serves the turn's batch.
  const outbox: { readonly socket: Socket; readonly bytes: Buffer }[] = [];
  let flushing = false;
  const flush = () => {
    flushing = false;
    for (const { socket, bytes } of outbox.splice(0)) if (!socket.destroyed) socket.write(bytes);
  };
  const write = (socket: Socket, bytes: Buffer) => {
    outbox.push({ socket, bytes });
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  };

  const newConnection = () => {
    open += 1;
    return new Connection({ host, port, ...options }, release, write);
  };

  return {
    post(headers, body) {
      if (closed) return Promise.resolve(NO_ANSWER);
      let head = prefix;
      for (const name in headers) {
        const line = `${name}: ${headers[name] as string}`;
        if (UNSAFE.test(line)) return Promise.resolve(NO_ANSWER);
        head += `${line}\r\n`;
      }
      head += `content-length: ${body.length}\r\n\r\n`;
      return new Promise((resolve) => dispatch({ head, body, resolve }));
    },
    async close() {
      closed = true;
      for (const pending of waiting.splice(0)) pending.resolve(NO_ANSWER);
      for (const connection of idle.splice(0)) connection.destroy();
    },
  };
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close';

/** One keep-alive connection: writes a request, reads its answer, then offers itself for the next. */
class Connection {
  #socket: Socket | null = null;
  #current: Pending | null = null;
  #timer: NodeJS.Timeout | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #phase: Phase = 'head';
  #status = NO_ANSWER;
  #left = 0;
  #bytes = 0;
  #keepAlive = true;

  constructor(
    private readonly options: WireClientOptions & { readonly host: string; readonly port: number },
    private readonly release: (connection: Connection) => void,
    private readonly write: (socket: Socket, bytes: Buffer) => void,
  ) {}

  send(pending: Pending): void {
    this.#current = pending;
    this.#status = NO_ANSWER;
    this.#phase = 'head';
    this.#bytes = 0;
    this.#keepAlive = true;
    this.#buffer = Buffer.alloc(0);
    const socket = this.#socket ?? this.#connect();
    const headBytes = Buffer.byteLength(pending.head, 'latin1');
    const out = Buffer.allocUnsafe(headBytes + pending.body.length);
    out.write(pending.head, 0, 'latin1');
    out.set(pending.body, headBytes);
    this.#timer = setTimeout(() => {
      // Headers seen: the answer stands, only its endless body is cut. None: a timeout, no answer.
      this.#finish(this.#status, false);
    }, this.options.timeoutMs);
    this.write(socket, out);
  }

  destroy(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #connect(): Socket {
    const socket = connect({ host: this.options.host, port: this.options.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.#socket) this.#read(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      // An answer without a length ends with its connection; anything else cut short got no answer.
      if (this.#current !== null) this.#finish(this.#phase === 'until-close' ? this.#status : NO_ANSWER, false);
    });
    this.#socket = socket;
    return socket;
  }

  /** Ends the current request; a connection that cannot carry the next one is dropped (and made anew when asked). */
  #finish(status: number, reusable: boolean): void {
    const current = this.#current;
    if (current === null) return;
    this.#current = null;
    clearTimeout(this.#timer);
    if (!reusable || !this.#keepAlive) this.destroy();
    current.resolve(status);
    this.release(this);
  }

  #read(chunk: Buffer): void {
    if (this.#current === null) {
      // Bytes nobody asked for: the connection's framing is lost.
      this.destroy();
      return;
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#current !== null && this.#step()) {}
  }

  /** Consumes what the buffer holds of the current phase; false when it needs more bytes. */
  #step(): boolean {
    const buffer = this.#buffer;
    switch (this.#phase) {
      case 'head': {
        const end = buffer.indexOf(HEAD_END);
        if (end < 0) {
          if (buffer.length > MAX_HEAD_BYTES) this.#finish(NO_ANSWER, false);
          return false;
        }
        this.#buffer = buffer.subarray(end + HEAD_END.length);
        return this.#head(buffer.toString('latin1', 0, end));
      }
      case 'length':
      case 'chunk-data': {
        const taken = Math.min(this.#left, buffer.length);
        this.#left -= taken;
        this.#buffer = buffer.subarray(taken);
        if (!this.#count(taken)) return false;
        if (this.#left > 0) return false;
        if (this.#phase === 'length') return this.#complete();
        this.#phase = 'chunk-end';
        return true;
      }
      case 'chunk-size':
      case 'chunk-end':
      case 'trailers': {
        const end = buffer.indexOf(CRLF);
        if (end < 0) {
          if (buffer.length > MAX_HEAD_BYTES) this.#finish(NO_ANSWER, false);
          return false;
        }
        const line = buffer.toString('latin1', 0, end);
        this.#buffer = buffer.subarray(end + CRLF.length);
        if (this.#phase === 'chunk-end') {
          this.#phase = 'chunk-size';
          return line === '' || this.#malformed();
        }
        if (this.#phase === 'trailers') return line === '' ? this.#complete() : true;
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) return this.#malformed();
        this.#left = size;
        this.#phase = size === 0 ? 'trailers' : 'chunk-data';
        return true;
      }
      case 'until-close': {
        this.#buffer = Buffer.alloc(0);
        this.#count(buffer.length);
        return false;
      }
    }
  }

  /** Reads the answer's head and decides how its body is framed. */
  #head(head: string): boolean {
    const status = statusOf(head);
    if (status === null) return this.#malformed();
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (status >= 100 && status < 200 && status !== 101) return true;
    this.#status = status;
    const lower = head.toLowerCase();
    const lengthValue = headerValue(lower, CONTENT_LENGTH);
    const length = lengthValue === null ? null : Number(lengthValue);
    const encoding = headerValue(lower, TRANSFER_ENCODING);
    const chunked = encoding !== null && encoding.split(',').at(-1)?.trim() === 'chunked';
    const connection = headerValue(lower, CONNECTION);
    this.#keepAlive =
      connection === null
        ? head.startsWith('HTTP/1.1')
        : !connection.split(',').some((token) => token.trim() === 'close');
    if (status === 204 || status === 304) return this.#complete();
    if (chunked) {
      this.#phase = 'chunk-size';
      return true;
    }
    if (length !== null) {
      if (!Number.isSafeInteger(length) || length < 0) return this.#malformed();
      this.#left = length;
      this.#phase = 'length';
      return length === 0 ? this.#complete() : true;
    }
    this.#phase = 'until-close';
    this.#keepAlive = false;
    return true;
  }

  /** Counts body bytes read; past the limit the answer stands and its connection is dropped. */
  #count(bytes: number): boolean {
    this.#bytes += bytes;
    if (this.#bytes <= this.options.maxAnswerBytes) return true;
    this.#finish(this.#status, false);
    return false;
  }

  #complete(): boolean {
    this.#finish(this.#status, this.#buffer.length === 0);
    return false;
  }

  #malformed(): boolean {
    this.#finish(NO_ANSWER, false);
    return false;
  }
}

const ZERO = 0x30;
const ONE = 0x31;
const SPACE = 0x20;

/**
 * The status of an answer head's `HTTP/1.0 NNN` or `HTTP/1.1 NNN` line; null for anything else. Read by character
 * codes, not a regular expression: it runs once per answer.
 */
function statusOf(head: string): number | null {
  if (!head.startsWith('HTTP/1.') || head.length < 12 || head.charCodeAt(8) !== SPACE) return null;
  const minor = head.charCodeAt(7);
  if (minor !== ZERO && minor !== ONE) return null;
  let status = 0;
  for (let i = 9; i < 12; i += 1) {
    const digit = head.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return null;
    status = status * 10 + digit;
  }
  return status;
}

/** How a header's line starts in a lower-cased head: after a line break, its name and a colon. */
const CONTENT_LENGTH = '\r\ncontent-length:';
const TRANSFER_ENCODING = '\r\ntransfer-encoding:';
const CONNECTION = '\r\nconnection:';

/**
 * The first value of a header in a lower-cased answer head (its lines after the status line), trimmed; null if absent.
 * `line` is the header's line start (`CONTENT_LENGTH`).
 */
function headerValue(head: string, line: string): string | null {
  const at = head.indexOf(line);
  if (at < 0) return null;
  const start = at + line.length;
  const end = head.indexOf('\r\n', start);
  return head.slice(start, end < 0 ? undefined : end).trim();
}
