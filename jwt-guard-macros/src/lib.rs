//! Procedural macros of [jwt-guard](https://docs.rs/jwt-guard).
//!
//! Use them through the `jwt-guard` crate, which re-exports them; this
//! crate's version is pinned exactly by `jwt-guard`. The `#[protected]`
//! route attribute is the first to land here.
