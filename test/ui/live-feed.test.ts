import { expect, test } from 'vitest';
import { buildDashboard } from '../../scenarios/ui/dashboard-app.js';
import { type LiveEvent, LiveFeed, type SequencedEvent } from '../../scenarios/ui/live-feed.js';
import type { TimelineEntry } from '../../scenarios/verdict.js';
import { listenOnLoopback } from '../support/listen.js';

const entry = (n: number): TimelineEntry => ({
  deliveryId: `dlv_${n}`,
  eventId: `evt_${n}`,
  orderId: 'ord_1',
  label: 'payment_intent.succeeded',
  faultKind: null,
  fault: null,
  expected: 'accept',
  attempt: 1,
  sentMs: n,
  answeredMs: n + 1,
  statusCode: 200,
  outcome: 'ok',
  detail: '{"received":true}',
  judgement: 'expected',
  involved: false,
});
const attempt = (n: number): LiveEvent => ({
  type: 'attempt',
  provider: 'stripe',
  guarantee: 'idem.sequential',
  entry: entry(n),
});
const run: LiveEvent = { type: 'run', provider: 'stripe', target: 'http://x', seed: 1, runId: 'r1', startedAt: 'then' };

test('the feed keeps a bounded backlog, dropping the oldest attempts and never the run', () => {
  const feed = new LiveFeed(4);
  feed.publish(run);
  for (let n = 1; n <= 10; n += 1) feed.publish(attempt(n));
  expect(feed.backlogSize).toBe(4);
  const seen: SequencedEvent[] = [];
  feed.subscribe((e) => seen.push(e));
  expect(seen.map((e) => e.event.type)).toEqual(['run', 'attempt', 'attempt', 'attempt']);
  expect(seen.map((e) => e.seq)).toEqual([1, 9, 10, 11]);
});

test('a subscriber gets the backlog after its last event id, then every new event', () => {
  const feed = new LiveFeed();
  feed.publish(run);
  feed.publish(attempt(1));
  const seen: number[] = [];
  const stop = feed.subscribe((e) => seen.push(e.seq), 1);
  feed.publish(attempt(2));
  stop();
  feed.publish(attempt(3));
  expect(seen).toEqual([2, 3]);
});

test('GET /events streams the backlog as server-sent events and resumes after Last-Event-ID', async () => {
  const feed = new LiveFeed();
  feed.publish(run);
  feed.publish(attempt(1));
  const app = buildDashboard(feed);
  const base = await listenOnLoopback(app);
  try {
    const read = async (headers: Record<string, string>, until: string) => {
      const controller = new AbortController();
      const response = await fetch(`${base}/events`, { headers, signal: controller.signal });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body?.getReader();
      if (reader === undefined) throw new Error('no body');
      let text = '';
      while (!text.includes(until)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      return text;
    };
    const all = await read({}, 'id: 2');
    expect(all).toContain('id: 1\nevent: run\ndata: {"type":"run"');
    expect(all).toContain('id: 2\nevent: attempt\ndata: ');
    setTimeout(() => feed.publish(attempt(2)), 50);
    const resumed = await read({ 'last-event-id': '2' }, 'id: 3');
    expect(resumed).not.toContain('id: 1\n');
    expect(resumed).toContain('id: 3\nevent: attempt\ndata: {"type":"attempt","provider":"stripe"');

    const page = await fetch(base);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('"mode":"live"');
  } finally {
    await app.close();
  }
});

test('the dashboard answers only requests addressed to a loopback name (no DNS rebinding)', async () => {
  const feed = new LiveFeed();
  feed.publish(run);
  const app = buildDashboard(feed);
  try {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST', '[::1]:4000']) {
      expect((await app.inject({ method: 'GET', url: '/', headers: { host } })).statusCode).toBe(200);
    }
    for (const host of ['evil.example:4000', 'evil.example', '127.0.0.1.evil.example', 'localhost.evil.example']) {
      for (const url of ['/', '/events']) {
        const answer = await app.inject({ method: 'GET', url, headers: { host } });
        expect({ host, url, status: answer.statusCode }).toEqual({ host, url, status: 421 });
        expect(answer.body).not.toContain('run');
      }
    }
  } finally {
    await app.close();
  }
});
