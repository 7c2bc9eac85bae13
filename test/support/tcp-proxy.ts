import { createConnection, createServer, Server, Socket } from 'node:net';

/** A loopback TCP proxy to the database that a test can cut, to make the database unreachable. */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private frozen = false;
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

  /** Listens (again, on the same port after a stop) and forwards every connection. */
  async start(): Promise<void> {
    this.frozen = false;
    if (this.server?.listening) return;
    this.server = createServer((client) => {
      if (this.frozen) {
        this.track(client);
        return;
      }
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) this.track(socket);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Cuts every connection and stops listening: the port is closed. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * A database that stopped answering: connections stay open (new ones are accepted too) but nothing
   * is forwarded either way, as with a frozen server. `thaw()` cuts them, and forwards new ones again.
   */
  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.unpipe().pause();
  }

  thaw(): void {
    for (const socket of this.sockets) socket.destroy();
    this.frozen = false;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }
}
