//! End-to-end tests of the whole system: the real `aeroalpes`, `notificaciones`,
//! `pulsar-embedded`, `ui` and `adaptador` binaries as separate processes, talking over
//! sockets (behind the nginx gateway, for the scaled topology), plus the official Python
//! Pulsar client as a second, independent implementation; and the checks of what an operator reads: the deployment files, the README's examples,
//! logs and metrics.
//!
//! The binaries are the workspace's debug builds (`make test` builds them first).

mod apagado;
mod arranque;
mod despliegue;
mod flujo;
mod gateway;
mod interoperabilidad;
mod operacion;
mod procesos;
mod proxy;
mod readme;
mod sin_perdida;
