import { createServer } from 'node:http';
import { announce } from './ready.js';

// The smallest possible receiver: node:http answering 200 to every request once its body is read.
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"received":true}');
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  announce(`http://127.0.0.1:${port}`, () => new Promise((resolve) => server.close(resolve)));
});
