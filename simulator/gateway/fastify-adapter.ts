import type { FastifyInstance, FastifyRequest } from 'fastify';
import { answerRequest, type GatewayContext, type GatewayEndpoint, type GatewayRequest } from './endpoint.js';

/** Serves endpoints on a fastify app (the gateway server's adapter; `gatewayHandlers` is msw's). */
export function registerEndpoints(
  app: FastifyInstance,
  endpoints: readonly GatewayEndpoint[],
  context: GatewayContext,
): void {
  for (const endpoint of endpoints) {
    app.route({
      method: endpoint.method,
      url: endpoint.path,
      handler: async (request, reply) => {
        const answer = await answerRequest(endpoint, gatewayRequestOf(request), context);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      },
    });
  }
}

function gatewayRequestOf(request: FastifyRequest): GatewayRequest {
  const params = (request.params ?? {}) as Record<string, string>;
  const at = request.url.indexOf('?');
  return {
    method: request.method,
    origin: `${request.protocol}://${request.host}`,
    params,
    query: new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1)),
    header: (name) => {
      const value = request.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: Buffer.isBuffer(request.body) ? request.body : new Uint8Array(0),
  };
}
