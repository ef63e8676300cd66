//! Crate-level scenario and property tests that need injected time
//! (`load_at` / `save_at`); the public API always uses the system clock.

mod injection;
pub(crate) mod jar;
mod lazy;
mod logout;
mod properties;
mod races;
mod reload;
mod rotation;
mod scenarios;
mod vectors;
