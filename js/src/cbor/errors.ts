/** A CBOR text that breaks a rule of SECURITY.md "Payload". Internal. */
export class CborError extends Error {
  override name = 'CborError';
}
