//! `RegistrarUsuario`: sign up a natural person or a company as a client.

use async_trait::async_trait;
use chrono::NaiveDate;
use clientes_dominio::{
    Cedula, Cliente, ClienteEmpresa, ClienteNatural, Email, IdUsuario, Nombre, RegistroUsuario,
    RepositorioUsuarios, Rut, Usuario,
};
use seedwork_aplicacion::{Comando, ManejadorComando, Reloj, RelojSistema, UnidadTrabajo};
use seedwork_dominio::{ErrorPersistencia, ReglaIncumplida};

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::password::PasswordNueva;
use crate::puertos::{FabricaRepositorioUsuarios, HasherPasswords};

/// The kind of client being registered, with its already parsed document. The date rules
/// are checked by the handler, which knows what day it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatosCliente {
    Natural {
        cedula: Cedula,
        fecha_nacimiento: NaiveDate,
    },
    Empresa {
        rut: Rut,
        fecha_constitucion: NaiveDate,
    },
}

impl DatosCliente {
    /// The client as of `hoy`; fails with `MayorDeEdad` or `FechaConstitucionPasada`.
    pub fn en_fecha(self, hoy: NaiveDate) -> Result<Cliente, ReglaIncumplida> {
        Ok(match self {
            Self::Natural {
                cedula,
                fecha_nacimiento,
            } => Cliente::Natural(ClienteNatural::new(cedula, fecha_nacimiento, hoy)?),
            Self::Empresa {
                rut,
                fecha_constitucion,
            } => Cliente::Empresa(ClienteEmpresa::new(rut, fecha_constitucion, hoy)?),
        })
    }
}

/// Register a user. Build it from JSON with `RegistroUsuarioDTO::try_into_domain`.
#[derive(Debug, Clone)]
pub struct RegistrarUsuario {
    pub nombre: Nombre,
    pub email: Email,
    pub password: PasswordNueva,
    pub cliente: DatosCliente,
}

impl Comando for RegistrarUsuario {
    /// The registered user, active and without reservations.
    type Respuesta = UsuarioDTO;
    /// `Regla` (date rules), `EmailDuplicado`, `Persistencia`, `Inesperado` (hashing).
    type Error = ErrorClientes;
}

/// Checks the date rules, hashes the password, checks that the e-mail is free and stores
/// the user (the repository hands its `UsuarioRegistrado` event to the unit of work), in
/// one transaction.
pub struct ManejadorRegistrarUsuario<U, F, H, R = RelojSistema> {
    uow: U,
    fabrica: F,
    hasher: H,
    reloj: R,
}

impl<U, F, H> ManejadorRegistrarUsuario<U, F, H> {
    pub fn new(uow: U, fabrica: F, hasher: H) -> Self {
        Self::con_reloj(uow, fabrica, hasher, RelojSistema)
    }
}

impl<U, F, H, R> ManejadorRegistrarUsuario<U, F, H, R> {
    pub fn con_reloj(uow: U, fabrica: F, hasher: H, reloj: R) -> Self {
        Self {
            uow,
            fabrica,
            hasher,
            reloj,
        }
    }
}

#[async_trait]
impl<U, F, H, R> ManejadorComando<RegistrarUsuario> for ManejadorRegistrarUsuario<U, F, H, R>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
    H: HasherPasswords,
    R: Reloj,
{
    #[tracing::instrument(name = "registrar_usuario", skip_all, fields(id_usuario))]
    async fn manejar(&self, comando: RegistrarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        let ahora = self.reloj.ahora();
        // Rules are checked before a transaction is opened: bad input costs no connection.
        let cliente = comando.cliente.en_fecha(ahora.date_naive())?;
        let id = IdUsuario::nuevo();
        tracing::Span::current().record("id_usuario", tracing::field::display(id));
        let (fabrica, hasher) = (self.fabrica.clone(), self.hasher.clone());
        self.uow
            .ejecutar(move |tx| {
                // Hashing comes first, so that nothing is read or locked while argon2 works.
                let hash_password = hasher.hashear(comando.password.como_plano())?;
                let email = comando.email;
                let mut repositorio = fabrica.usuarios(tx);
                let registro = RegistroUsuario {
                    id,
                    nombre: comando.nombre,
                    email: email.clone(),
                    hash_password,
                    cliente,
                };
                let mut usuario = Usuario::registrar(registro, &mut repositorio, ahora)
                    .map_err(|error| ErrorClientes::de_registro(error, &email))?;
                // A registration with the same e-mail may commit between the check and
                // this insert; the store's unique key catches it.
                repositorio
                    .agregar(&mut usuario)
                    .map_err(|error| match error {
                        ErrorPersistencia::Duplicado(_) => {
                            ErrorClientes::EmailDuplicado(email.clone())
                        }
                        otro => otro.into(),
                    })?;
                Ok(UsuarioDTO::from(&usuario))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use clientes_dominio::{Documento, NumeroDocumento};
    use seedwork_dominio::Entidad;
    use seedwork_pruebas::RelojFijo;

    use super::*;
    use crate::dto::TipoClienteDTO;
    use crate::password::PasswordPlano;
    use crate::pruebas::{
        ahora, bogota, fecha, hasher, regla_incumplida, usuario_natural, FabricaEnMemoria,
        HasherFalso, UnidadTrabajoEnMemoria,
    };

    type Manejador =
        ManejadorRegistrarUsuario<UnidadTrabajoEnMemoria, FabricaEnMemoria, HasherFalso, RelojFijo>;

    fn manejador(uow: &UnidadTrabajoEnMemoria) -> Manejador {
        con_hasher(uow, hasher())
    }

    fn con_hasher(uow: &UnidadTrabajoEnMemoria, hasher: HasherFalso) -> Manejador {
        ManejadorRegistrarUsuario::con_reloj(
            uow.clone(),
            FabricaEnMemoria,
            hasher,
            RelojFijo::new(ahora()),
        )
    }

    fn documento<C>(numero: u64) -> Documento<C> {
        Documento::new(NumeroDocumento::new(numero).unwrap(), bogota())
    }

    fn natural(email: &str, nacimiento: &str) -> RegistrarUsuario {
        RegistrarUsuario {
            nombre: Nombre::new("Ana", "Pérez").unwrap(),
            email: Email::parse(email).unwrap(),
            password: PasswordNueva::parse(PasswordPlano::new("clave-secreta")).unwrap(),
            cliente: DatosCliente::Natural {
                cedula: documento(1_020_304_050),
                fecha_nacimiento: fecha(nacimiento),
            },
        }
    }

    fn empresa(email: &str, constitucion: &str) -> RegistrarUsuario {
        RegistrarUsuario {
            cliente: DatosCliente::Empresa {
                rut: documento(900_123_456),
                fecha_constitucion: fecha(constitucion),
            },
            ..natural(email, "1990-05-01")
        }
    }

    #[tokio::test]
    async fn given_an_adult_with_a_free_email_when_registering_then_an_active_user_is_stored_with_a_hashed_password(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();

        let dto = manejador(&uow)
            .manejar(natural("ana@gmail.com", "1990-05-01"))
            .await
            .unwrap();

        assert_eq!(dto.tipo, TipoClienteDTO::Natural);
        assert!(dto.activo);
        assert!(dto.reservas.is_empty());
        assert_eq!(dto.fecha_creacion, "2026-06-15T10:00:00Z");
        let usuario = uow.usuario(dto.id.into()).unwrap();
        assert_eq!(usuario.email().as_str(), "ana@gmail.com");
        assert_ne!(usuario.hash_password().as_str(), "clave-secreta");
        assert!(hasher()
            .verificar(
                &PasswordPlano::new("clave-secreta"),
                usuario.hash_password()
            )
            .unwrap());
        assert_eq!(uow.eventos_despachados(), ["UsuarioRegistrado"]);
    }

    #[tokio::test]
    async fn given_a_company_constituted_in_the_past_when_registering_then_it_is_stored_as_a_company(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();

        let dto = manejador(&uow)
            .manejar(empresa("ventas@aeroalpes.co", "2001-03-20"))
            .await
            .unwrap();

        assert_eq!(dto.tipo, TipoClienteDTO::Empresa);
        assert!(dto.es_empresarial);
        assert_eq!(dto.fecha_constitucion, Some(fecha("2001-03-20")));
        assert_eq!(uow.cantidad(), 1);
    }

    #[tokio::test]
    async fn given_a_taken_email_when_registering_then_email_duplicado_and_nothing_changes() {
        let uow = UnidadTrabajoEnMemoria::default();
        let existente = uow.con_usuario(usuario_natural("ana@gmail.com"));

        let error = manejador(&uow)
            .manejar(natural("ANA@gmail.com", "1990-05-01"))
            .await
            .unwrap_err();

        assert!(matches!(
            error,
            ErrorClientes::EmailDuplicado(email) if email == Email::parse("ana@gmail.com").unwrap()
        ));
        assert_eq!(uow.cantidad(), 1);
        assert!(uow.usuario(existente).is_some());
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_a_registration_that_loses_the_race_for_its_email_when_registering_then_email_duplicado(
    ) {
        let uow = UnidadTrabajoEnMemoria::con_carrera_de_emails();
        uow.con_usuario(usuario_natural("ana@gmail.com"));

        let error = manejador(&uow)
            .manejar(natural("ana@gmail.com", "1990-05-01"))
            .await
            .unwrap_err();

        assert!(matches!(error, ErrorClientes::EmailDuplicado(_)));
        assert_eq!(uow.cantidad(), 1);
    }

    #[tokio::test]
    async fn given_a_minor_when_registering_then_mayor_de_edad_fails_and_nothing_is_stored() {
        let uow = UnidadTrabajoEnMemoria::default();

        let error = manejador(&uow)
            .manejar(natural("nino@gmail.com", "2008-06-16"))
            .await
            .unwrap_err();

        assert_eq!(regla_incumplida(&error), Some("MayorDeEdad"));
        assert_eq!(uow.cantidad(), 0);
    }

    #[tokio::test]
    async fn given_someone_who_turns_eighteen_today_when_registering_then_it_is_accepted() {
        let uow = UnidadTrabajoEnMemoria::default();
        let resultado = manejador(&uow)
            .manejar(natural("joven@gmail.com", "2008-06-15"))
            .await;
        assert!(resultado.is_ok());
    }

    #[tokio::test]
    async fn given_a_company_constituted_today_when_registering_then_fecha_constitucion_pasada_fails(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();

        let error = manejador(&uow)
            .manejar(empresa("ventas@aeroalpes.co", "2026-06-15"))
            .await
            .unwrap_err();

        assert_eq!(regla_incumplida(&error), Some("FechaConstitucionPasada"));
        assert_eq!(uow.cantidad(), 0);
    }

    #[tokio::test]
    async fn given_a_store_that_fails_on_commit_when_registering_then_nothing_is_left_behind() {
        let uow = UnidadTrabajoEnMemoria::que_falla_al_confirmar(|| {
            ErrorPersistencia::no_disponible("caída")
        });

        let error = manejador(&uow)
            .manejar(natural("ana@gmail.com", "1990-05-01"))
            .await
            .unwrap_err();

        assert!(matches!(
            error,
            ErrorClientes::Persistencia(ErrorPersistencia::NoDisponible(_))
        ));
        assert_eq!(uow.cantidad(), 0);
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_a_hasher_that_fails_when_registering_then_the_error_is_inesperado_and_nothing_is_stored(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();

        let error = con_hasher(&uow, HasherFalso::que_falla())
            .manejar(natural("ana@gmail.com", "1990-05-01"))
            .await
            .unwrap_err();

        assert!(matches!(error, ErrorClientes::Inesperado(_)));
        assert_eq!(uow.cantidad(), 0);
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_two_registrations_when_both_succeed_then_each_user_gets_its_own_id() {
        let uow = UnidadTrabajoEnMemoria::default();
        let primero = manejador(&uow)
            .manejar(natural("ana@gmail.com", "1990-05-01"))
            .await
            .unwrap();
        let segundo = manejador(&uow)
            .manejar(natural("luis@gmail.com", "1985-01-01"))
            .await
            .unwrap();
        assert_ne!(primero.id, segundo.id);
        let ids: Vec<IdUsuario> = [primero.id, segundo.id].map(IdUsuario::from).to_vec();
        assert!(ids
            .iter()
            .all(|id| uow.usuario(*id).map(|u| u.id()) == Some(*id)));
    }

    #[test]
    fn the_debug_output_of_the_command_hides_the_password() {
        let salida = format!("{:?}", natural("ana@gmail.com", "1990-05-01"));
        assert!(!salida.contains("clave-secreta"));
    }
}
