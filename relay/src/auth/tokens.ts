import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { CodeboltError } from '@codebolt/protocol';

export const ISSUER = 'codebolt-relay';
export const AUDIENCE = 'codebolt';
/** The only algorithm the local secret signs and verifies. */
const LOCAL_ALGORITHM = 'HS256';
/** The `kid` of tokens signed with the local secret. */
export const LOCAL_KEY_ID = 'local';
/**
 * Asymmetric algorithms accepted from the JWKS; jose also checks that each matches its key's
 * type (an RSA key never verifies an ES256 token). HS* is never taken from a JWKS, so a token
 * "signed" with a public key as an HMAC secret cannot pass.
 */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export type Role = 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'member', 'viewer'];

/** Who is calling: from a verified tenant JWT. */
export interface Principal {
  subject: string;
  tenant: string;
  role: Role;
  /** A relay operator: the only principal that crosses tenants (claim `op: true`). */
  operator: boolean;
}

/** What a runtime token grants: one environment at one generation. */
export interface RuntimeGrant {
  environmentId: string;
  generation: number;
}

/** Tenant tokens signed by an identity provider (OIDC) and verified against its JWKS. */
export interface JwksOptions {
  /** https URL of the JWKS document. */
  url: string;
  /** Required `iss` of its tokens. */
  issuer: string;
  /** Required `aud` of its tokens. */
  audience: string;
  /** Least time between two JWKS fetches caused by unknown `kid`s, ms. Default 30 000. */
  cooldownMs?: number;
  /** How long a fetched JWKS is trusted before a refetch, ms. Default 600 000. */
  cacheMaxAgeMs?: number;
  /** Timeout of one JWKS fetch, ms. Default 5 000. */
  timeoutMs?: number;
}

export interface TokenServiceOptions {
  /** HS256 signing secret (at least 32 bytes). */
  secret: Uint8Array;
  /** Tolerated clock skew when checking exp/nbf, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** Also accept tenant tokens from this JWKS (asymmetric algorithms only). */
  jwks?: JwksOptions;
}

/**
 * Mints and verifies the relay's JWTs: tenant access tokens (HS256 with the local secret, or
 * asymmetric from the configured JWKS) and runtime tokens (HS256 only). Every failure is a
 * CodeboltError `unauthorized` whose message never contains the token.
 */
export class TokenService {
  readonly #secret: Uint8Array;
  readonly #clockTolerance: number;
  readonly #jwks: { options: JwksOptions; keys: ReturnType<typeof createRemoteJWKSet> } | undefined;

  constructor(options: TokenServiceOptions) {
    this.#secret = options.secret;
    this.#clockTolerance = options.clockToleranceSeconds ?? 30;
    if (options.jwks) {
      const { url, cooldownMs = 30_000, cacheMaxAgeMs = 600_000, timeoutMs = 5_000 } = options.jwks;
      this.#jwks = { options: options.jwks, keys: createRemoteJWKSet(new URL(url), { cooldownDuration: cooldownMs, cacheMaxAge: cacheMaxAgeMs, timeoutDuration: timeoutMs }) };
    }
  }

  async mintAccessToken(principal: Principal, ttlSeconds: number): Promise<string> {
    return new SignJWT({ tenant: principal.tenant, role: principal.role, typ: 'access', ...(principal.operator ? { op: true } : {}) })
      .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid: LOCAL_KEY_ID })
      .setSubject(principal.subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.#secret);
  }

  async mintRuntimeToken(grant: RuntimeGrant, ttlSeconds: number): Promise<string> {
    return new SignJWT({ env: grant.environmentId, gen: grant.generation, typ: 'runtime' })
      .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid: LOCAL_KEY_ID })
      .setSubject(`runtime:${grant.environmentId}`)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.#secret);
  }

  async verifyAccessToken(token: string): Promise<Principal> {
    const payload = await this.#verify(token, 'access');
    const { sub, tenant, role, op } = payload;
    if (typeof sub !== 'string' || typeof tenant !== 'string' || tenant === '' || !ROLES.includes(role as Role)) {
      throw new CodeboltError('unauthorized', 'the token lacks subject, tenant or role claims; mint one with `codebolt token create`');
    }
    if (op !== undefined && typeof op !== 'boolean') throw new CodeboltError('unauthorized', 'the token has a malformed "op" claim');
    return { subject: sub, tenant, role: role as Role, operator: op === true };
  }

  async verifyRuntimeToken(token: string): Promise<RuntimeGrant> {
    const payload = await this.#verify(token, 'runtime');
    if (typeof payload.env !== 'string' || typeof payload.gen !== 'number') throw new CodeboltError('unauthorized', 'runtime token lacks env/gen claims');
    return { environmentId: payload.env, generation: payload.gen };
  }

  async #verify(token: string, type: 'access' | 'runtime'): Promise<Record<string, unknown>> {
    try {
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch (error) {
        throw new CodeboltError('unauthorized', 'the token is not a JWT', { cause: error });
      }
      let payload: JWTPayload;
      if (header.alg === LOCAL_ALGORITHM) {
        if (header.kid !== undefined && header.kid !== LOCAL_KEY_ID) throw new CodeboltError('unauthorized', `unknown key id "${String(header.kid).slice(0, 40)}" for ${LOCAL_ALGORITHM}`);
        ({ payload } = await jwtVerify(token, this.#secret, {
          algorithms: [LOCAL_ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          clockTolerance: this.#clockTolerance,
          requiredClaims: ['exp', 'nbf', 'sub'],
        }));
        if (payload.typ !== type) throw new CodeboltError('unauthorized', `this is not ${type === 'access' ? 'an access' : 'a runtime'} token`);
      } else if (this.#jwks && type === 'access' && (JWKS_ALGORITHMS as readonly unknown[]).includes(header.alg)) {
        ({ payload } = await jwtVerify(token, this.#jwks.keys, {
          algorithms: [...JWKS_ALGORITHMS],
          issuer: this.#jwks.options.issuer,
          audience: this.#jwks.options.audience,
          clockTolerance: this.#clockTolerance,
          requiredClaims: ['exp', 'nbf', 'sub'],
        }));
        // An identity provider's token may omit typ; if present it must say access.
        if (payload.typ !== undefined && payload.typ !== 'access') throw new CodeboltError('unauthorized', 'this is not an access token');
      } else {
        throw new CodeboltError('unauthorized', `tokens signed with "${String(header.alg).slice(0, 20)}" are not accepted here`);
      }
      return payload as Record<string, unknown>;
    } catch (error) {
      if (error instanceof CodeboltError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new CodeboltError('unauthorized', 'the token has expired; get a new one', { cause: error });
      if (error instanceof joseErrors.JWKSNoMatchingKey) throw new CodeboltError('unauthorized', 'no key of the JWKS matches the token\'s kid and algorithm', { cause: error });
      throw new CodeboltError('unauthorized', 'the token is invalid (bad signature, issuer, audience or claims)', { cause: error });
    }
  }
}
