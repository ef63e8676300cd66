// The algorithms of SECURITY.md "Keys and algorithms".

/** An algorithm name as configuration text writes it (lowercase). */
export type AlgorithmName = 'xaes-256-gcm' | 'xchacha20-poly1305' | 'aes-256-gcm' | 'hmac-sha256';

/** What the wire format fixes for one algorithm. */
export interface AlgorithmSpec {
  name: AlgorithmName;
  /** The header's algorithm byte. */
  id: number;
  /** `L(A)`, the label in every HKDF info. */
  label: string;
  nonceLen: number;
  tagLen: number;
  encrypts: boolean;
}

export const ALGORITHMS: Record<AlgorithmName, AlgorithmSpec> = {
  'xaes-256-gcm': { name: 'xaes-256-gcm', id: 0x01, label: 'XAES-256-GCM', nonceLen: 24, tagLen: 16, encrypts: true },
  'xchacha20-poly1305': {
    name: 'xchacha20-poly1305',
    id: 0x02,
    label: 'XCHACHA20-POLY1305',
    nonceLen: 24,
    tagLen: 16,
    encrypts: true,
  },
  'aes-256-gcm': { name: 'aes-256-gcm', id: 0x03, label: 'AES-256-GCM', nonceLen: 12, tagLen: 16, encrypts: true },
  'hmac-sha256': { name: 'hmac-sha256', id: 0x04, label: 'HMAC-SHA256', nonceLen: 0, tagLen: 32, encrypts: false },
};

/** Parses an algorithm name, ASCII case-insensitively (`sign-only` = `hmac-sha256`). */
export function parseAlgorithm(text: string): AlgorithmSpec | null {
  // Only ASCII letters fold: `toLowerCase` would also fold e.g. the Kelvin sign.
  const lower = text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
  if (lower === 'sign-only') return ALGORITHMS['hmac-sha256'];
  return Object.hasOwn(ALGORITHMS, lower) ? ALGORITHMS[lower as AlgorithmName] : null;
}
