import { describe, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { signingVectors } from '../../contracts/vectors.js';
import { utf8 } from '../../contracts/wire.js';

describe.each(Object.values(providers))('$title known-answer vectors', (provider) => {
  const vectors = signingVectors(provider.id);

  test('there is at least one vector', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  test.each(vectors)('signing "$name" yields the published headers', (vector) => {
    const headers = provider.sign({
      body: utf8(vector.body),
      secrets: vector.secrets,
      timestamp: vector.timestamp,
      eventId: vector.eventId,
    });
    expect(headers).toEqual(vector.headers);
  });

  test.each(vectors)('"$name" verifies with the last secret at its own timestamp', (vector) => {
    const secret = vector.secrets.at(-1) ?? '';
    const result = provider.verify({
      body: utf8(vector.body),
      headers: vector.headers,
      secret,
      nowSeconds: vector.timestamp,
    });
    expect(result).toEqual({ ok: true, timestamp: vector.timestamp });
  });

  test.each(vectors)('"$name" fails with one byte of the body changed', (vector) => {
    const secret = vector.secrets.at(-1) ?? '';
    const body = utf8(`${vector.body} `);
    const result = provider.verify({ body, headers: vector.headers, secret, nowSeconds: vector.timestamp });
    expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });
});
