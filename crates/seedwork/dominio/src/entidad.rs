//! Entities: objects with an identity that outlives their changes of state.

use chrono::{DateTime, Utc};

/// An object defined by its identity rather than by its attributes.
///
/// Two entities with the same id are the same thing, whatever else differs.
pub trait Entidad {
    /// The typed identity (a newtype over a UUID in every module).
    type Id: Copy + Eq + std::fmt::Debug;

    fn id(&self) -> Self::Id;
    fn fecha_creacion(&self) -> DateTime<Utc>;
    fn fecha_actualizacion(&self) -> DateTime<Utc>;
}
