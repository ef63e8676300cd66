// Entry points for this package's own tests and benchmarks (the test vectors
// need fixed ids, nonces and clocks). Not part of the public API.

export { STATE } from './session.js';
export type { Hooks } from './store.js';
export { openPayload, encodePayload } from './payload.js';
export { decodeValue } from './cbor/decode.js';
export { encodeValue } from './cbor/encode.js';
export { decodeBase64url, encodeBase64url } from './base64.js';
