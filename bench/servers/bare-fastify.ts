import Fastify from 'fastify';
import { announce } from './ready.js';

// A bare fastify route that reads the raw body and answers 200 without doing anything: the ceiling for a receiver.
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/webhooks/:route', async () => ({ received: true }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
announce(url, () => app.close());
