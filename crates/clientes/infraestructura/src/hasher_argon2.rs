//! The password hasher port implemented with argon2id (RFC 9106), the algorithm OWASP
//! recommends for password storage.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use clientes_aplicacion::{ErrorHasher, HasherPasswords, PasswordPlano};
use clientes_dominio::HashPassword;

/// Hashes with argon2id and a random 16-byte salt into a PHC string
/// (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), which carries its own parameters: a hash
/// made with other costs still verifies after the costs change.
#[derive(Debug, Clone)]
pub struct HasherArgon2 {
    parametros: Params,
}

impl Default for HasherArgon2 {
    /// The argon2 crate's defaults, OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            parametros: Params::default(),
        }
    }
}

impl HasherArgon2 {
    /// The recommended costs (see [`Default`]); use this in production.
    pub fn new() -> Self {
        Self::default()
    }

    /// Custom costs: memory in KiB (at least 8), passes (at least 1) and lanes (at least 1).
    /// Tests use the minimum so that they stay fast.
    pub fn con_costes(
        memoria_kib: u32,
        pasadas: u32,
        paralelismo: u32,
    ) -> Result<Self, ErrorHasher> {
        let parametros = Params::new(memoria_kib, pasadas, paralelismo, None)
            .map_err(|error| ErrorHasher(Box::new(error)))?;
        Ok(Self { parametros })
    }

    /// Memory (KiB), passes and lanes used for new hashes.
    pub fn costes(&self) -> (u32, u32, u32) {
        (
            self.parametros.m_cost(),
            self.parametros.t_cost(),
            self.parametros.p_cost(),
        )
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.parametros.clone())
    }
}

impl HasherPasswords for HasherArgon2 {
    fn hashear(&self, password: &PasswordPlano) -> Result<HashPassword, ErrorHasher> {
        let sal = SaltString::generate(&mut OsRng);
        let hash = self
            .argon2()
            .hash_password(password.as_str().as_bytes(), &sal)
            .map_err(|error| ErrorHasher(Box::new(error)))?;
        HashPassword::new(hash.to_string()).map_err(|error| ErrorHasher(Box::new(error)))
    }

    fn verificar(
        &self,
        password: &PasswordPlano,
        hash: &HashPassword,
    ) -> Result<bool, ErrorHasher> {
        let hash =
            PasswordHash::new(hash.as_str()).map_err(|error| ErrorHasher(Box::new(error)))?;
        // The parameters come from the stored hash, not from `self`.
        match self
            .argon2()
            .verify_password(password.as_str().as_bytes(), &hash)
        {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(error) => Err(ErrorHasher(Box::new(error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> HasherArgon2 {
        HasherArgon2::con_costes(8, 1, 1).unwrap()
    }

    #[test]
    fn the_default_costs_are_the_recommended_ones() {
        assert_eq!(HasherArgon2::new().costes(), (19 * 1024, 2, 1));
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_without_the_password() {
        let hash = hasher()
            .hashear(&PasswordPlano::new("clave-secreta"))
            .unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(!hash.as_str().contains("clave-secreta"));
    }

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let hash = hasher()
            .hashear(&PasswordPlano::new("clave-secreta"))
            .unwrap();
        assert!(hasher()
            .verificar(&PasswordPlano::new("clave-secreta"), &hash)
            .unwrap());
        assert!(!hasher()
            .verificar(&PasswordPlano::new("clave-secretA"), &hash)
            .unwrap());
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let password = PasswordPlano::new("clave-secreta");
        assert_ne!(
            hasher().hashear(&password).unwrap(),
            hasher().hashear(&password).unwrap()
        );
    }

    #[test]
    fn a_hash_made_with_other_costs_still_verifies() {
        let hash = HasherArgon2::con_costes(16, 2, 1)
            .unwrap()
            .hashear(&PasswordPlano::new("clave-secreta"))
            .unwrap();
        assert!(hasher()
            .verificar(&PasswordPlano::new("clave-secreta"), &hash)
            .unwrap());
    }

    #[test]
    fn an_unreadable_stored_hash_is_an_error_not_a_mismatch() {
        let hash = HashPassword::new("no-es-un-hash").unwrap();
        assert!(hasher().verificar(&PasswordPlano::new("x"), &hash).is_err());
    }

    #[test]
    fn costs_below_the_minimum_are_refused() {
        assert!(HasherArgon2::con_costes(1, 0, 0).is_err());
    }
}
