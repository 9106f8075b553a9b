import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { CodeboltError } from '@codebolt/protocol';

export const ISSUER = 'codebolt-relay';
export const AUDIENCE = 'codebolt';
const ALGORITHM = 'HS256';

export type Role = 'admin' | 'member' | 'viewer';

/** Who is calling: from a verified tenant JWT. */
export interface Principal {
  subject: string;
  tenant: string;
  role: Role;
}

/** What a runtime token grants: one environment at one generation. */
export interface RuntimeGrant {
  environmentId: string;
  generation: number;
}

export interface TokenServiceOptions {
  /** HS256 signing secret (at least 32 bytes). */
  secret: Uint8Array;
  /** Tolerated clock skew when checking exp/nbf, in seconds. Default 30. */
  clockToleranceSeconds?: number;
}

/** Mints and verifies the relay's JWTs (tenant access tokens and runtime tokens). */
export class TokenService {
  readonly #secret: Uint8Array;
  readonly #clockTolerance: number;

  constructor(options: TokenServiceOptions) {
    this.#secret = options.secret;
    this.#clockTolerance = options.clockToleranceSeconds ?? 30;
  }

  async mintAccessToken(principal: Principal, ttlSeconds: number): Promise<string> {
    return new SignJWT({ tenant: principal.tenant, role: principal.role, typ: 'access' })
      .setProtectedHeader({ alg: ALGORITHM })
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
      .setProtectedHeader({ alg: ALGORITHM })
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
    const { sub, tenant, role } = payload;
    if (typeof sub !== 'string' || typeof tenant !== 'string' || (role !== 'admin' && role !== 'member' && role !== 'viewer')) {
      throw new CodeboltError('unauthorized', 'the token lacks subject, tenant or role claims; mint one with `codebolt token create`');
    }
    return { subject: sub, tenant, role };
  }

  async verifyRuntimeToken(token: string): Promise<RuntimeGrant> {
    const payload = await this.#verify(token, 'runtime');
    if (typeof payload.env !== 'string' || typeof payload.gen !== 'number') throw new CodeboltError('unauthorized', 'runtime token lacks env/gen claims');
    return { environmentId: payload.env, generation: payload.gen };
  }

  async #verify(token: string, type: 'access' | 'runtime'): Promise<Record<string, unknown>> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTolerance: this.#clockTolerance,
        requiredClaims: ['exp', 'nbf', 'sub'],
      });
      if (payload.typ !== type) throw new CodeboltError('unauthorized', `this is not ${type === 'access' ? 'an access' : 'a runtime'} token`);
      return payload as Record<string, unknown>;
    } catch (error) {
      if (error instanceof CodeboltError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new CodeboltError('unauthorized', 'the token has expired; get a new one', { cause: error });
      throw new CodeboltError('unauthorized', 'the token is invalid (bad signature, issuer, audience or claims)', { cause: error });
    }
  }
}
