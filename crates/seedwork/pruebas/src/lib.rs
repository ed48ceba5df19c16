//! Test support shared by every module, and only by tests: every crate takes it as a
//! dev-dependency, so nothing here (nor `tempfile`) reaches a service binary.
//!
//! - [`memoria`]: a unit of work over in-memory tables, for the unit tests of the
//!   application handlers; each module keeps its own fake repositories over it.
//! - [`reloj`]: a clock fixed at an instant, for the handlers and adapters that read the
//!   clock port.
//! - `bases` (feature `bases-de-datos`): fresh SQLite and PostgreSQL databases, migrated
//!   with the modules a test names, for the adapter tests.
#![forbid(unsafe_code)]

#[cfg(feature = "bases-de-datos")]
pub mod bases;
pub mod memoria;
pub mod reloj;

#[cfg(feature = "bases-de-datos")]
pub use bases::BaseDePrueba;
pub use memoria::{TransaccionEnMemoria, UnidadTrabajoEnMemoria};
pub use reloj::RelojFijo;
