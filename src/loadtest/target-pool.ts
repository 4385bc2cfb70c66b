/**
 * The load generator's HTTP connections to the target (an undici Pool, one request per connection),
 * timed as k6 times them: the setup of each connection it opens — DNS lookup, TCP connect, TLS
 * handshake (k6's `http_req_connecting` and `http_req_tls_handshaking`) — and the moment each request
 * goes on the wire, once it has a connected socket, where the target's latency starts (k6's
 * `http_req_duration` leaves connection setup out too).
 *
 * Why here and not around `pool.request()`: the pool opens a connection inside the request when it has
 * none to reuse (the first turns of a run; a keep-alive connection the target closed), so a clock read
 * before the call counted the setup as the target's latency — with a 150 ms TLS handshake at 10×, a turn
 * the target held 1 s read 2.6 s. undici tells a dispatch handler when it starts writing the request
 * (`onRequestStart`: after the connection is up, before the first byte), and the pool's connector is
 * where a connection's setup begins and ends; both are hooked below, nothing else changes.
 */
import { buildConnector, Pool, type Dispatcher } from 'undici';

/** What a request carries through the interceptor (undici's `opaque`, its per-request context). */
interface WireHook {
  onWire(): void;
}

const isWireHook = (x: unknown): x is WireHook => typeof (x as WireHook | undefined)?.onWire === 'function';

/** `handler`, told first (`onWire`) when undici starts writing its request on a connected socket. */
function onWireFirst(handler: Dispatcher.DispatchHandler, hook: WireHook): Dispatcher.DispatchHandler {
  return {
    onRequestStart: (controller, context) => {
      hook.onWire();
      handler.onRequestStart?.(controller, context);
    },
    onRequestUpgrade: (controller, statusCode, headers, socket) => handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
    onResponseStart: (controller, statusCode, headers, statusMessage) => handler.onResponseStart?.(controller, statusCode, headers, statusMessage),
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
  };
}

export interface TargetPool {
  /** `pool.request(opts)`, calling `onWire` when the request goes on the wire (never, if it fails before). */
  request(opts: Omit<Dispatcher.RequestOptions, 'origin' | 'opaque'>, onWire: () => void): Promise<Dispatcher.ResponseData<unknown>>;
  close(): Promise<void>;
}

/**
 * `connections` connections to `origin`, kept alive between requests; `onConnected` hears the setup time
 * (real ms) of every connection opened.
 */
export function targetPool(origin: string, connections: number, onConnected: (setupMs: number) => void): TargetPool {
  // The connector the pool would build for itself (same defaults), timed.
  const connector = buildConnector({});
  const connect: buildConnector.connector = (options, callback) => {
    const startedAt = performance.now();
    connector(options, (...args) => {
      if (args[0] === null) onConnected(performance.now() - startedAt);
      callback(...args);
    });
  };
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, connect });
  const timed = pool.compose((dispatch) => (opts, handler) => {
    const hook = (opts as { opaque?: unknown }).opaque;
    return dispatch(opts, isWireHook(hook) ? onWireFirst(handler, hook) : handler);
  });
  return {
    request: (opts, onWire) => timed.request({ ...opts, opaque: { onWire } satisfies WireHook }),
    close: () => pool.close(),
  };
}
