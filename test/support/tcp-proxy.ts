import { createConnection, createServer, Server, Socket } from 'node:net';

/** A loopback TCP proxy to the database that a test can cut, to make the database unreachable. */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: { path: string } | { host: string; port: number }) {}

  static forDatabaseUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    const socketDir = parsed.searchParams.get('host');
    return new TcpProxy(
      socketDir ? { path: `${socketDir}/.s.PGSQL.5432` } : { host: parsed.hostname, port: Number(parsed.port || 5432) },
    );
  }

  /** The same database URL, pointed at this proxy. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.searchParams.delete('host');
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Cuts every connection and stops listening: the port is closed. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
