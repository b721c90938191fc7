//! Real database engines for tests (feature `test-util`): each test binary starts one server
//! of a Debian-packaged engine in a temporary directory on a free loopback port, as an
//! unprivileged user when the tests run as root, and tears it down when the binary exits —
//! even when it panics or is killed.
//!
//! [`engine`] holds the parts any engine needs (finding the binaries, the temporary
//! directory owned by the user the server runs as, a free port, the teardown watchdog);
//! [`postgres`] starts PostgreSQL with them. A Redis (or any other) server follows the same
//! pattern.

pub mod engine;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
