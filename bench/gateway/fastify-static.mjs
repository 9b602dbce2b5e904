// Peer: a bare Fastify route answering the same JSON as Portico's static operation.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/static', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
process.send?.('ready');
