import { type Dispatcher, getGlobalDispatcher, MockAgent, setGlobalDispatcher } from 'undici';
import { onTestFinished } from 'vitest';

/** One request the code under test asked undici to send: where to, as the dispatcher got it. */
export interface RecordedRequest {
  readonly origin: string;
  readonly path: string;
}

/**
 * An undici dispatcher that records every request and lets only loopback ones onto the network (the fake gateway and
 * the attacker's server); any other host is answered from `mock` interceptors or fails with MockNotMatchedError, never
 * sent. It is also installed as the global dispatcher for the test, so a request that ignores the injected one is
 * recorded and stopped too; the previous global dispatcher is restored when the test finishes.
 */
export function recordingDispatcher(): { dispatcher: Dispatcher; mock: MockAgent; requests: RecordedRequest[] } {
  const mock = new MockAgent();
  mock.disableNetConnect();
  mock.enableNetConnect((host) => /^127\.0\.0\.1:\d+$/.test(host));
  const requests: RecordedRequest[] = [];
  const dispatcher = mock.compose((dispatch) => (options, handler) => {
    requests.push({ origin: new URL(String(options.origin)).origin, path: options.path });
    return dispatch(options, handler);
  });
  const previous = getGlobalDispatcher();
  setGlobalDispatcher(dispatcher);
  onTestFinished(async () => {
    setGlobalDispatcher(previous);
    await mock.close();
  });
  return { dispatcher, mock, requests };
}
