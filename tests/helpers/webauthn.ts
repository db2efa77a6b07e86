import crypto from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software authenticator for the integration tests: an ES256 key, `none` attestation,
 * and every field a test may need to get wrong on purpose (the origin in clientDataJSON,
 * the RP ID whose hash starts authenticatorData, the UV and backup flags, the counter).
 * The browser test uses Chromium's virtual authenticator instead.
 */

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface Ceremony {
  /** The origin the browser would put in clientDataJSON. */
  origin?: string;
  /** The RP ID whose SHA-256 starts authenticatorData. */
  rpId?: string;
  /** The user was verified (PIN, biometrics). */
  uv?: boolean;
  backupEligible?: boolean;
  backedUp?: boolean;
  /** The signature counter to report (then kept); by default one more than the last. */
  counter?: number;
  /** The challenge to sign instead of the options' one. */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentialId = crypto.randomBytes(16);
  private readonly keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  counter = 0;
  /** The user handle of the registration (a discoverable credential returns it at login). */
  userHandle: string | undefined;

  constructor(private readonly defaults: Ceremony & { origin: string; rpId: string }) {}

  get id(): string {
    return isoBase64URL.fromBuffer(new Uint8Array(this.credentialId));
  }

  private settings(over: Ceremony) {
    return { uv: true, backupEligible: false, backedUp: false, ...this.defaults, ...over };
  }

  private authData(s: ReturnType<SoftAuthenticator['settings']>, attested?: Uint8Array): Buffer {
    const counter = s.counter ?? this.counter + 1;
    this.counter = counter;
    let flags = FLAG_UP;
    if (s.uv) flags |= FLAG_UV;
    if (s.backupEligible) flags |= FLAG_BE;
    if (s.backedUp) flags |= FLAG_BS;
    if (attested) flags |= FLAG_AT;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([
      crypto.createHash('sha256').update(s.rpId).digest(),
      Buffer.from([flags]),
      count,
      ...(attested ? [Buffer.from(attested)] : []),
    ]);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  private coseKey(): Uint8Array {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, isoBase64URL.toBuffer(jwk.x!)],
        [-3, isoBase64URL.toBuffer(jwk.y!)],
      ]),
    );
  }

  /** What navigator.credentials.create() would answer to `options`. */
  register(options: PublicKeyCredentialCreationOptionsJSON, over: Ceremony = {}): RegistrationResponseJSON {
    const s = this.settings({ counter: 0, ...over });
    this.userHandle = options.user.id;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([
      Buffer.alloc(16),
      idLength,
      this.credentialId,
      Buffer.from(this.coseKey()),
    ]);
    const authData = this.authData(s, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(
          new Uint8Array(this.clientData('webauthn.create', s.challenge ?? options.challenge, s.origin)),
        ),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    };
  }

  /** What navigator.credentials.get() would answer to `options`. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    over: Ceremony = {},
  ): AuthenticationResponseJSON {
    const s = this.settings(over);
    const authData = this.authData(s);
    const clientData = this.clientData('webauthn.get', s.challenge ?? options.challenge, s.origin);
    const signature = crypto.sign(
      'sha256',
      Buffer.concat([authData, crypto.createHash('sha256').update(clientData).digest()]),
      this.keys.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(new Uint8Array(clientData)),
        authenticatorData: isoBase64URL.fromBuffer(new Uint8Array(authData)),
        signature: isoBase64URL.fromBuffer(new Uint8Array(signature)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      clientExtensionResults: {},
    };
  }
}
