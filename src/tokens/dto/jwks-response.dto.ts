export class JwkDto {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  /** Key id, the RFC 7638 thumbprint; access tokens carry it in their `kid` header. */
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export class JwksResponseDto {
  keys: JwkDto[];
}
