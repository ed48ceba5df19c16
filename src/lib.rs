//! The root package of the AeroAlpes workspace: it holds no code of its own, only the
//! end-to-end tests in `tests/`, which start the real binaries and talk to them over sockets.
#![forbid(unsafe_code)]
