// Peer: a hand-written Fastify + pg route doing the select-row Portico's SQL action does.
import Fastify from 'fastify';
import pg from 'pg';

const [port, url] = [Number(process.argv[2]), process.argv[3]];
const pool = new pg.Pool({ connectionString: url, max: 10 });
const app = Fastify({ logger: false });
app.get('/widgets/:id', async (req, reply) => {
  const { rows } = await pool.query('select * from bench_widgets where id = $1', [req.params.id]);
  if (rows.length === 0) return reply.code(404).send({ success: false, message: 'Entry not available' });
  return rows[0];
});
await app.listen({ port, host: '127.0.0.1' });
process.send?.('ready');
