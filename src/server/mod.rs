//! The delivery server: [`run`] takes an already-bound listener, a [`Config`] and a shutdown future, and
//! serves the assets root over HTTP/1.1 (or, with a certificate, HTTPS with HTTP/2 and HTTP/1.1 by
//! ALPN) until the future resolves. It depends on `layout` and
//! `signing`, never on the pipeline or the CLI. Reading order:
//!
//! - `config` (the plain settings) -> `state` (what all connections share) -> `conn` (accept loop,
//!   limits, graceful shutdown) -> `handler` (one flat request path)
//! - the request path's steps: `host` (RFC 9112 Host rules), `route` (path -> typed route), `auth` (the signature gate, decided on
//!   the route), `files` (confined opens and the cache-or-disk lookup) with `identity` (versions and
//!   errors), `cache` and `chunks` (budgeted large-file reads), `conditional` and `range` (pure
//!   decisions), `body` (what hyper sends), `mime`, `cors`, `player` (the watch page)
//! - `blocking`: the bounded pool where opens and reads run, off the async workers
//! - `transport`: the socket wrapper, the sealed-memfd/`sendfile` corner and the TLS certificates
//! - `origin`: the same lookups against object storage (`--root s3://…`), chunked through the cache
//! - `access`, `stats` and `metrics`: the access log, the `/stats` counters and `/metrics`

pub mod access;
pub mod auth;
pub mod blocking;
pub mod body;
pub mod cache;
pub mod chunks;
pub mod conditional;
pub mod config;
pub mod conn;
pub mod cors;
pub mod files;
pub mod handler;
pub mod host;
pub mod identity;
pub mod metrics;
pub use crate::mime;
pub mod origin;
pub mod player;
pub mod range;
pub mod route;
pub mod state;
pub mod stats;
pub mod transport;

pub use config::{Config, DEFAULT_CACHE_CONTROL_MEDIA, DEFAULT_CACHE_CONTROL_PLAYLIST};
pub use conn::run;
pub use state::Shared;
pub use transport::tls::{Certificates, TlsError};
pub use transport::{SENDFILE_MIN_CONNECTIONS, SENDFILE_MIN_CONNECTIONS_SAME_HOST};
