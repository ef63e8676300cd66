//! Test vectors (test-vectors/v1): generation and verification.
