import { Field, ObjectType } from "type-graphql";

@ObjectType({
  description:
    "A signed statement of an agent's trust: a compact JWS (EdDSA, Ed25519) anyone can verify offline against the keys at /.well-known/jwks.json (docs/attestations.md).",
})
export class Attestation {
  @Field(() => String, { description: "The compact JWS: verify it, and read the claims from it, not from the fields beside it." })
  jws: string;

  @Field(() => String, { description: "Id of the key that signed it (RFC 7638 thumbprint), as in the JWS header and the JWKS." })
  kid: string;

  @Field(() => Date, { description: "When it was signed (the JWS's iat)." })
  issuedAt: Date;

  @Field(() => Date, { description: "When it stops being valid (the JWS's exp): fetch a new one after." })
  expiresAt: Date;

  @Field(() => String, { description: "The signed claims as JSON, for reading; only the verified JWS proves them." })
  payload: string;
}
