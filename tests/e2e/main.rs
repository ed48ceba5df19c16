//! End-to-end tests of the whole system: the real `aeroalpes`, `notificaciones` and
//! `pulsar-embedded` binaries as separate processes, talking over sockets, plus the
//! official Python Pulsar client as a second, independent implementation.
//!
//! The binaries are the workspace's debug builds (`make test` builds them first).

mod arranque;
mod flujo;
mod interoperabilidad;
mod procesos;
mod sin_perdida;
