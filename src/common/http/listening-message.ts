import { AddressInfo } from 'node:net';

const WILDCARD = new Set(['0.0.0.0', '::']);

/** A URL that reaches a listener from this machine: a wildcard address is reached as localhost. */
function urlOf({ address, family, port }: AddressInfo): string {
  if (WILDCARD.has(address)) return `http://localhost:${port}`;
  return family === 'IPv6' ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/** The line the service logs once it listens: where the API is, and the probes and metrics when apart. */
export function listeningMessage(api: AddressInfo, management: AddressInfo | undefined): string {
  const where = WILDCARD.has(api.address) ? ' (all interfaces)' : '';
  const probes = management ? `; probes and metrics on ${urlOf(management)}` : '';
  return `Listening on ${urlOf(api)}${where}${probes}`;
}
