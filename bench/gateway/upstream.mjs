// The legacy app's internal API: a small JSON answer for every GET, keep-alive on.
import http from 'node:http';

const port = Number(process.argv[2]);
const body = JSON.stringify({ id: 1, name: 'widget', price: 9.99, tags: ['a', 'b'] });
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(port, '127.0.0.1', () => process.send?.('ready'));
