//! The stored form of a user's password: a hash, never the password itself.

use std::fmt;

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::reglas::HashPasswordPresente;

/// An opaque password hash (a PHC string such as `$argon2id$v=19$...`). The domain never
/// looks inside it: hashing and verifying belong to the application's hasher port.
///
/// Its `Debug` output hides the value, so that logging a `Usuario` does not leak material
/// for offline cracking.
#[derive(Clone, PartialEq, Eq)]
pub struct HashPassword(String);

impl ObjetoValor for HashPassword {}

impl HashPassword {
    /// Fails with `HashPasswordPresente` when the hash is blank.
    pub fn new(hash: impl Into<String>) -> Result<Self, ReglaIncumplida> {
        let hash = hash.into();
        validar(&HashPasswordPresente { hash: &hash })?;
        Ok(Self(hash))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HashPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_output_hides_the_hash() {
        let hash = HashPassword::new("$argon2id$v=19$secreto").unwrap();
        assert_eq!(format!("{hash:?}"), "HashPassword(***)");
        assert_eq!(hash.as_str(), "$argon2id$v=19$secreto");
    }

    #[test]
    fn a_blank_hash_is_refused() {
        assert!(HashPassword::new("").is_err());
    }
}
