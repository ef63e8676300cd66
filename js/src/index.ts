// sealed-session: stateless, encrypted cookie sessions, the v1 wire format
// of the Rust crate's SECURITY.md, on WebCrypto (Node >= 20, browsers, edge
// runtimes).

export { Keyring, ConfigError, type KeyId } from './keyring.js';
export type { AlgorithmName } from './crypto/algorithms.js';
export { CookieStore, SaveError, type HeaderAnswer, type StoreStats } from './store.js';
export { StoreConfigError, type CookieStoreOptions, type SameSite } from './options.js';
export { BOUND_KEY, ANCHOR_KEY } from './binding.js';
export { Session, ValueError, DEFAULT_FLASH_BUCKET, type LoadError } from './session.js';
export { Tagged, type CborValue } from './cbor/decode.js';
