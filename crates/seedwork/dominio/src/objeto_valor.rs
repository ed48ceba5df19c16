//! Value objects: immutable values defined by their attributes.
//!
//! The convention in every module: fields are private, construction goes through a
//! `parse`/`new` that returns `Result`, so that a value that exists is a valid one
//! ("parse, don't validate"). Entities and commands hold value objects, never raw strings.

/// Marker for value objects: compared by value, freely copied, never mutated in place.
pub trait ObjetoValor: Clone + PartialEq + std::fmt::Debug {}
