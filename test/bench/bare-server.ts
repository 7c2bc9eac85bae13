/**
 * The framework floor of measurement 1: the cheapest JSON endpoint node:http can serve, run as its own
 * process like the service. Forked by the bench with an IPC channel; it reports its port and exits when
 * the bench goes away.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

const body = Buffer.from(JSON.stringify({ status: 'ok' }));

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  response.end(body);
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
