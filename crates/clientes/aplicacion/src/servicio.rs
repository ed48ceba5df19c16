//! The application of the clientes module as its edges see it: [`Clientes`] is the one port
//! the HTTP routes call, and [`AplicacionClientes`] its implementation over the handlers.

use std::collections::BTreeSet;

use async_trait::async_trait;
use clientes_dominio::Email;
use seedwork_aplicacion::{ManejadorComando, ManejadorQuery, Reloj, RelojSistema, UnidadTrabajo};

use crate::comandos::autenticar_usuario::{AutenticarUsuario, ManejadorAutenticarUsuario};
use crate::comandos::desactivar_usuario::{DesactivarUsuario, ManejadorDesactivarUsuario};
use crate::comandos::registrar_usuario::{ManejadorRegistrarUsuario, RegistrarUsuario};
use crate::dto::{TokenDTO, UsuarioDTO};
use crate::errores::ErrorClientes;
use crate::puertos::{EmisorTokens, FabricaRepositorioUsuarios, HasherPasswords};
use crate::queries::obtener_acceso::{Acceso, ManejadorObtenerAcceso, ObtenerAcceso};
use crate::queries::obtener_todos_usuarios::{ManejadorObtenerTodosUsuarios, ObtenerTodosUsuarios};
use crate::queries::obtener_usuario::{ManejadorObtenerUsuario, ObtenerUsuario};
use crate::queries::obtener_usuarios_desactivados::{
    ManejadorObtenerUsuariosDesactivados, ObtenerUsuariosDesactivados,
};

/// The questions the edges of the service may ask of the clientes module: answered from
/// the write model by [`AplicacionClientes`], and from a query service's own read model by
/// `crate::vista::ConsultasVistaClientes`. Each method documents the errors it answers.
#[async_trait]
pub trait ConsultasClientes: Send + Sync + 'static {
    /// One user with its reservations: `NoEncontrado`, `Persistencia`.
    async fn obtener(&self, query: ObtenerUsuario) -> Result<UsuarioDTO, ErrorClientes>;

    /// What a request on behalf of a user may do now (see [`Acceso`]): `Persistencia`.
    async fn acceso(&self, query: ObtenerAcceso) -> Result<Acceso, ErrorClientes>;

    /// Every user, oldest registration first: `Persistencia`.
    async fn listar_todos(
        &self,
        query: ObtenerTodosUsuarios,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes>;

    /// The deactivated users, oldest registration first: `Persistencia`.
    async fn listar_desactivados(
        &self,
        query: ObtenerUsuariosDesactivados,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes>;
}

/// What the edges of the service may ask of the clientes module where it keeps its write
/// model: its commands, and its queries answered from that model. Each method documents
/// the errors it answers.
#[async_trait]
pub trait Clientes: ConsultasClientes {
    /// Registers a user and answers it, active and without reservations: `Regla` (date
    /// rules), `EmailDuplicado`, `Persistencia`, `Inesperado` (hashing).
    async fn registrar(&self, comando: RegistrarUsuario) -> Result<UsuarioDTO, ErrorClientes>;

    /// Exchanges credentials for a bearer token naming the user: `CredencialesInvalidas`
    /// for an unknown e-mail, a wrong password or a deactivated user alike; `Persistencia`;
    /// `Inesperado` (hashing or signing).
    async fn autenticar(&self, comando: AutenticarUsuario) -> Result<TokenDTO, ErrorClientes>;

    /// Deactivates a user (twice changes nothing) and answers it: `NoEncontrado`,
    /// `Persistencia`.
    async fn desactivar(&self, comando: DesactivarUsuario) -> Result<UsuarioDTO, ErrorClientes>;
}

/// The clientes application over a unit of work `U`, the repositories of `F`, the password
/// hasher `H`, the token issuer `T` and the clock `R`: one handler per use case, built once.
pub struct AplicacionClientes<U, F, H, T, R = RelojSistema> {
    registrar: ManejadorRegistrarUsuario<U, F, H, R>,
    autenticar: ManejadorAutenticarUsuario<U, F, H, T>,
    desactivar: ManejadorDesactivarUsuario<U, F, R>,
    obtener: ManejadorObtenerUsuario<U, F>,
    todos: ManejadorObtenerTodosUsuarios<U, F>,
    desactivados: ManejadorObtenerUsuariosDesactivados<U, F>,
    acceso: ManejadorObtenerAcceso<U, F>,
}

impl<U, F, H, T> AplicacionClientes<U, F, H, T>
where
    U: Clone,
    F: Clone,
    H: Clone,
{
    /// The application timed by the system clock.
    pub fn new(uow: U, fabrica: F, hasher: H, emisor: T) -> Self {
        Self::con_reloj(uow, fabrica, hasher, emisor, RelojSistema)
    }
}

impl<U, F, H, T, R> AplicacionClientes<U, F, H, T, R>
where
    U: Clone,
    F: Clone,
    H: Clone,
    R: Clone,
{
    /// The application timed by `reloj`, which dates registrations and deactivations.
    pub fn con_reloj(uow: U, fabrica: F, hasher: H, emisor: T, reloj: R) -> Self {
        Self {
            registrar: ManejadorRegistrarUsuario::con_reloj(
                uow.clone(),
                fabrica.clone(),
                hasher.clone(),
                reloj.clone(),
            ),
            autenticar: ManejadorAutenticarUsuario::new(
                uow.clone(),
                fabrica.clone(),
                hasher,
                emisor,
            ),
            desactivar: ManejadorDesactivarUsuario::con_reloj(uow.clone(), fabrica.clone(), reloj),
            obtener: ManejadorObtenerUsuario::new(uow.clone(), fabrica.clone()),
            todos: ManejadorObtenerTodosUsuarios::new(uow.clone(), fabrica.clone()),
            desactivados: ManejadorObtenerUsuariosDesactivados::new(uow.clone(), fabrica.clone()),
            acceso: ManejadorObtenerAcceso::new(uow, fabrica, BTreeSet::new()),
        }
    }

    /// Staff are the users whose e-mail is in `personal` (none by default).
    pub fn con_personal(mut self, personal: BTreeSet<Email>) -> Self {
        self.acceso = self.acceso.con_personal(personal);
        self
    }
}

#[async_trait]
impl<U, F, H, T, R> Clientes for AplicacionClientes<U, F, H, T, R>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
    H: HasherPasswords,
    T: EmisorTokens,
    R: Reloj,
{
    async fn registrar(&self, comando: RegistrarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        self.registrar.manejar(comando).await
    }

    async fn autenticar(&self, comando: AutenticarUsuario) -> Result<TokenDTO, ErrorClientes> {
        self.autenticar.manejar(comando).await
    }

    async fn desactivar(&self, comando: DesactivarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        self.desactivar.manejar(comando).await
    }
}

#[async_trait]
impl<U, F, H, T, R> ConsultasClientes for AplicacionClientes<U, F, H, T, R>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
    H: HasherPasswords,
    T: EmisorTokens,
    R: Reloj,
{
    async fn obtener(&self, query: ObtenerUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        self.obtener.manejar(query).await
    }

    async fn acceso(&self, query: ObtenerAcceso) -> Result<Acceso, ErrorClientes> {
        self.acceso.manejar(query).await
    }

    async fn listar_todos(
        &self,
        query: ObtenerTodosUsuarios,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        self.todos.manejar(query).await
    }

    async fn listar_desactivados(
        &self,
        query: ObtenerUsuariosDesactivados,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        self.desactivados.manejar(query).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use clientes_dominio::Documento;
    use clientes_dominio::{Email, IdUsuario, Nombre, NumeroDocumento};
    use seedwork_pruebas::RelojFijo;

    use super::*;
    use crate::comandos::registrar_usuario::DatosCliente;
    use crate::password::{PasswordNueva, PasswordPlano};
    use crate::pruebas::{
        ahora, bogota, fecha, hasher, EmisorTokensFalso, FabricaEnMemoria, HasherFalso,
        UnidadTrabajoEnMemoria,
    };

    type Aplicacion = AplicacionClientes<
        UnidadTrabajoEnMemoria,
        FabricaEnMemoria,
        HasherFalso,
        EmisorTokensFalso,
        RelojFijo,
    >;

    /// The application over `uow`, at [`ahora`], issuing tokens that live one hour.
    fn aplicacion(uow: &UnidadTrabajoEnMemoria) -> Aplicacion {
        AplicacionClientes::con_reloj(
            uow.clone(),
            FabricaEnMemoria,
            hasher(),
            emisor(),
            RelojFijo::new(ahora()),
        )
    }

    fn emisor() -> EmisorTokensFalso {
        EmisorTokensFalso::new(ahora() + TimeDelta::hours(1))
    }

    fn registro(email: &str) -> RegistrarUsuario {
        RegistrarUsuario {
            nombre: Nombre::new("Ana", "Pérez").unwrap(),
            email: Email::parse(email).unwrap(),
            password: PasswordNueva::parse(PasswordPlano::new("clave-secreta")).unwrap(),
            cliente: DatosCliente::Natural {
                cedula: Documento::new(NumeroDocumento::new(1_020_304_050).unwrap(), bogota()),
                fecha_nacimiento: fecha("1990-05-01"),
            },
        }
    }

    fn credenciales(email: &str) -> AutenticarUsuario {
        AutenticarUsuario {
            email: Email::parse(email).unwrap(),
            password: PasswordPlano::new("clave-secreta"),
        }
    }

    #[tokio::test]
    async fn given_a_registration_when_logging_in_then_the_token_names_the_user_read_back_by_id() {
        let uow = UnidadTrabajoEnMemoria::default();
        let clientes = aplicacion(&uow);

        let registrado = clientes.registrar(registro("ana@gmail.com")).await.unwrap();
        let token = clientes
            .autenticar(credenciales("ana@gmail.com"))
            .await
            .unwrap();

        let id = IdUsuario::from(registrado.id);
        assert_eq!(registrado.fecha_creacion, "2026-06-15T10:00:00Z");
        assert_eq!(token.expira, "2026-06-15T11:00:00Z");
        assert_eq!(emisor().verificar(&token.token), Ok(id));
        assert_eq!(
            clientes.obtener(ObtenerUsuario { id }).await.unwrap(),
            registrado
        );
        assert_eq!(uow.eventos_despachados(), ["UsuarioRegistrado"]);
    }

    #[tokio::test]
    async fn given_two_users_when_one_is_deactivated_then_the_lists_tell_them_apart_and_it_cannot_log_in(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let clientes = aplicacion(&uow);
        let ana = clientes.registrar(registro("ana@gmail.com")).await.unwrap();
        let luis = clientes
            .registrar(registro("luis@gmail.com"))
            .await
            .unwrap();

        let desactivado = clientes
            .desactivar(DesactivarUsuario { id: luis.id.into() })
            .await
            .unwrap();

        assert!(!desactivado.activo);
        let todos = clientes.listar_todos(ObtenerTodosUsuarios).await.unwrap();
        let mut ids: Vec<_> = todos.iter().map(|u| u.id).collect();
        ids.sort();
        let mut esperados = vec![ana.id, luis.id];
        esperados.sort();
        assert_eq!(ids, esperados);
        assert_eq!(
            clientes
                .listar_desactivados(ObtenerUsuariosDesactivados)
                .await
                .unwrap(),
            [desactivado]
        );
        assert!(matches!(
            clientes.autenticar(credenciales("luis@gmail.com")).await,
            Err(ErrorClientes::CredencialesInvalidas)
        ));
    }

    #[tokio::test]
    async fn the_errors_of_the_handlers_reach_the_caller_unchanged() {
        let uow = UnidadTrabajoEnMemoria::default();
        let clientes = aplicacion(&uow);
        clientes.registrar(registro("ana@gmail.com")).await.unwrap();

        assert!(matches!(
            clientes.registrar(registro("ANA@gmail.com")).await,
            Err(ErrorClientes::EmailDuplicado(_))
        ));
        let nadie = IdUsuario::nuevo();
        assert!(matches!(
            clientes.obtener(ObtenerUsuario { id: nadie }).await,
            Err(ErrorClientes::NoEncontrado(id)) if id == nadie
        ));
        assert!(matches!(
            clientes.desactivar(DesactivarUsuario { id: nadie }).await,
            Err(ErrorClientes::NoEncontrado(id)) if id == nadie
        ));
        assert_eq!(uow.cantidad(), 1);
    }
}
