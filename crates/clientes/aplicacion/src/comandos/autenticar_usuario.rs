//! `AutenticarUsuario`: exchange an e-mail and a password for a signed, expiring token.

use async_trait::async_trait;
use clientes_dominio::{Email, RepositorioUsuarios};
use seedwork_aplicacion::{Comando, ManejadorComando, UnidadTrabajo};
use seedwork_dominio::Entidad;

use crate::dto::TokenDTO;
use crate::errores::ErrorClientes;
use crate::password::PasswordPlano;
use crate::puertos::{EmisorTokens, FabricaRepositorioUsuarios, HasherPasswords};

/// Authenticate a user. Build it from JSON with `CredencialesDTO::try_into_domain`.
#[derive(Debug, Clone)]
pub struct AutenticarUsuario {
    pub email: Email,
    pub password: PasswordPlano,
}

impl Comando for AutenticarUsuario {
    /// A bearer token naming the user.
    type Respuesta = TokenDTO;
    /// `CredencialesInvalidas` for an unknown e-mail, a wrong password or a deactivated
    /// user alike; `Persistencia`; `Inesperado` (hashing or signing).
    type Error = ErrorClientes;
}

/// Checks the password against the stored hash and issues a token to an active user.
///
/// The three refusals answer the same error, and an unknown e-mail costs one hash like a
/// known one, so that neither the answer nor its timing tells which e-mails are registered.
pub struct ManejadorAutenticarUsuario<U, F, H, T> {
    uow: U,
    fabrica: F,
    hasher: H,
    emisor: T,
}

impl<U, F, H, T> ManejadorAutenticarUsuario<U, F, H, T> {
    pub fn new(uow: U, fabrica: F, hasher: H, emisor: T) -> Self {
        Self {
            uow,
            fabrica,
            hasher,
            emisor,
        }
    }
}

#[async_trait]
impl<U, F, H, T> ManejadorComando<AutenticarUsuario> for ManejadorAutenticarUsuario<U, F, H, T>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
    H: HasherPasswords,
    T: EmisorTokens,
{
    #[tracing::instrument(name = "autenticar_usuario", skip_all)]
    async fn manejar(&self, comando: AutenticarUsuario) -> Result<TokenDTO, ErrorClientes> {
        let (fabrica, hasher) = (self.fabrica.clone(), self.hasher.clone());
        // The verification runs inside the unit of work because that closure runs off the
        // async executor, and argon2 is slow on purpose. It only reads, so it runs as a
        // query: no write lock is held while argon2 works.
        let id = self
            .uow
            .consultar(move |tx| {
                let usuario = fabrica.usuarios(tx).obtener_por_email(&comando.email)?;
                let Some(usuario) = usuario else {
                    hasher.hashear(&comando.password)?;
                    tracing::info!(motivo = "email desconocido", "autenticación rechazada");
                    return Err(ErrorClientes::CredencialesInvalidas);
                };
                if !hasher.verificar(&comando.password, usuario.hash_password())? {
                    tracing::info!(id_usuario = %usuario.id(), motivo = "contraseña incorrecta", "autenticación rechazada");
                    return Err(ErrorClientes::CredencialesInvalidas);
                }
                if !usuario.esta_activo() {
                    tracing::info!(id_usuario = %usuario.id(), motivo = "usuario desactivado", "autenticación rechazada");
                    return Err(ErrorClientes::CredencialesInvalidas);
                }
                Ok(usuario.id())
            })
            .await?;
        let token = self.emisor.emitir(id)?;
        tracing::info!(id_usuario = %id, "usuario autenticado");
        Ok(token.into())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use clientes_dominio::IdUsuario;
    use seedwork_dominio::ErrorPersistencia;

    use super::*;
    use crate::pruebas::{
        ahora, hasher, usuario_con_password, EmisorTokensFalso, FabricaEnMemoria, HasherFalso,
        UnidadTrabajoEnMemoria,
    };

    type Manejador = ManejadorAutenticarUsuario<
        UnidadTrabajoEnMemoria,
        FabricaEnMemoria,
        HasherFalso,
        EmisorTokensFalso,
    >;

    /// Tokens issued "now" that live one hour.
    fn emisor() -> EmisorTokensFalso {
        EmisorTokensFalso::new(ahora() + TimeDelta::hours(1))
    }

    fn manejador(uow: &UnidadTrabajoEnMemoria) -> Manejador {
        con_hasher(uow, hasher())
    }

    fn con_hasher(uow: &UnidadTrabajoEnMemoria, hasher: HasherFalso) -> Manejador {
        ManejadorAutenticarUsuario::new(uow.clone(), FabricaEnMemoria, hasher, emisor())
    }

    fn credenciales(email: &str, password: &str) -> AutenticarUsuario {
        AutenticarUsuario {
            email: Email::parse(email).unwrap(),
            password: PasswordPlano::new(password),
        }
    }

    fn con_ana() -> (UnidadTrabajoEnMemoria, IdUsuario) {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_usuario(usuario_con_password("ana@gmail.com", "clave-secreta"));
        (uow, id)
    }

    #[tokio::test]
    async fn given_the_right_credentials_when_authenticating_then_a_bearer_token_naming_the_user_is_issued(
    ) {
        let (uow, id) = con_ana();

        let token = manejador(&uow)
            .manejar(credenciales("Ana@Gmail.com", "clave-secreta"))
            .await
            .unwrap();

        assert_eq!(token.tipo, "Bearer");
        assert_eq!(token.expira, "2026-06-15T11:00:00Z");
        assert_eq!(emisor().verificar(&token.token), Ok(id));
    }

    #[tokio::test]
    async fn given_a_wrong_password_when_authenticating_then_credenciales_invalidas() {
        let (uow, _) = con_ana();
        let error = manejador(&uow)
            .manejar(credenciales("ana@gmail.com", "otra-clave"))
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorClientes::CredencialesInvalidas));
    }

    #[tokio::test]
    async fn given_an_unknown_email_when_authenticating_then_the_same_credenciales_invalidas() {
        let (uow, _) = con_ana();
        let error = manejador(&uow)
            .manejar(credenciales("luis@gmail.com", "clave-secreta"))
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorClientes::CredencialesInvalidas));
    }

    #[tokio::test]
    async fn given_a_deactivated_user_when_authenticating_with_the_right_password_then_credenciales_invalidas(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let mut usuario = usuario_con_password("ana@gmail.com", "clave-secreta");
        usuario.desactivar(ahora());
        uow.con_usuario(usuario);

        let error = manejador(&uow)
            .manejar(credenciales("ana@gmail.com", "clave-secreta"))
            .await
            .unwrap_err();

        assert!(matches!(error, ErrorClientes::CredencialesInvalidas));
    }

    #[tokio::test]
    async fn given_a_store_that_is_down_when_authenticating_then_the_store_error_is_reported() {
        let uow = UnidadTrabajoEnMemoria::que_falla_al_confirmar(|| {
            ErrorPersistencia::no_disponible("caída")
        });
        uow.con_usuario(usuario_con_password("ana@gmail.com", "clave-secreta"));
        let error = manejador(&uow)
            .manejar(credenciales("ana@gmail.com", "clave-secreta"))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ErrorClientes::Persistencia(ErrorPersistencia::NoDisponible(_))
        ));
    }

    #[tokio::test]
    async fn given_a_hasher_that_fails_when_authenticating_then_the_error_is_inesperado() {
        let (uow, _) = con_ana();
        let error = con_hasher(&uow, HasherFalso::que_falla())
            .manejar(credenciales("ana@gmail.com", "clave-secreta"))
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorClientes::Inesperado(_)));
    }

    #[test]
    fn the_debug_output_of_the_command_hides_the_password() {
        let salida = format!("{:?}", credenciales("ana@gmail.com", "clave-secreta"));
        assert!(!salida.contains("clave-secreta"));
    }
}
