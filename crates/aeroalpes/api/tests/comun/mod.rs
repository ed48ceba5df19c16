//! What the route tests over fake ports share: the context they fill, a module a test does
//! not exercise, a token checker with no cryptography and a healthy database.

use std::sync::Arc;

use aeroalpes_api::{BacklogOutbox, Contexto, InformeSalud, Metricas, Salud, VerificadorTokens};
use async_trait::async_trait;
use clientes_aplicacion::dto::{TokenDTO, UsuarioDTO};
use clientes_aplicacion::{
    Acceso, AutenticarUsuario, Clientes, ConsultasClientes, DesactivarUsuario, ErrorClientes,
    ErrorToken, ObtenerAcceso, ObtenerTodosUsuarios, ObtenerUsuario, ObtenerUsuariosDesactivados,
    RegistrarUsuario,
};
use clientes_dominio::IdUsuario;
use vuelos_aplicacion::comandos::ComandoReserva;
use vuelos_aplicacion::dto::ReservaDTO;
use vuelos_aplicacion::{ConsultaReserva, ConsultasVuelos, Conversacion, ErrorVuelos, Vuelos};
use vuelos_dominio::{FiltroReservas, IdReserva, Pagina};

/// The routes of `aeroalpes_api` over `contexto`, as a test service.
macro_rules! app {
    ($contexto:expr) => {
        actix_web::test::init_service(
            actix_web::App::new()
                .wrap(tracing_actix_web::TracingLogger::<
                    aeroalpes_api::acceso::RaizPeticion,
                >::new())
                .app_data(actix_web::web::Data::new($contexto))
                .configure(aeroalpes_api::rutas),
        )
        .await
    };
}
pub(crate) use app;

/// The context of a test: its fakes of both modules, [`TokensFalsos`] and a healthy
/// database.
pub fn contexto<V: Vuelos, C: Clientes>(vuelos: Arc<V>, clientes: Arc<C>) -> Contexto {
    Contexto {
        vuelos: Some(vuelos.clone()),
        consultas: vuelos,
        clientes: Some(clientes.clone()),
        consultas_clientes: clientes,
        tokens: Arc::new(TokensFalsos),
        salud: Arc::new(Sana),
        metricas: Arc::new(MetricasFijas),
        token_servicio: None,
        limites: Default::default(),
        idempotencia: Arc::new(SinIdempotencia),
        proxies_confiables: Default::default(),
    }
}

/// Keys are not exercised by these tests: every key is new, nothing is kept.
pub struct SinIdempotencia;

#[async_trait]
impl aeroalpes_api::Idempotencia for SinIdempotencia {
    async fn tomar(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<aeroalpes_api::EstadoIdempotencia, seedwork_dominio::Causa> {
        Ok(aeroalpes_api::EstadoIdempotencia::Nueva)
    }

    async fn responder(
        &self,
        _: &str,
        _: &str,
        _: aeroalpes_api::RespuestaGuardada,
    ) -> Result<(), seedwork_dominio::Causa> {
        Ok(())
    }

    async fn liberar(&self, _: &str, _: &str) -> Result<(), seedwork_dominio::Causa> {
        Ok(())
    }

    fn id_derivado(&self, _: &str, _: &str) -> uuid::Uuid {
        uuid::Uuid::new_v4()
    }
}

/// Metrics that answer one fixed line.
pub struct MetricasFijas;

impl Metricas for MetricasFijas {
    fn exponer(&self) -> String {
        "aeroalpes_prueba_total 1\n".to_owned()
    }
}

/// The user whose token (its id, with [`TokensFalsos`]) has staff rights.
pub const PERSONAL: &str = "00000000-0000-4000-8000-0000000000aa";

/// The access of a user of these tests: staff for [`PERSONAL`], else an active client.
pub fn acceso_de(id: IdUsuario) -> Acceso {
    if id.to_string() == PERSONAL {
        Acceso::Personal
    } else {
        Acceso::Cliente
    }
}

/// A module the test does not exercise: a route that reaches it fails the test.
pub struct Ajeno;

fn no_esperado(modulo: &str) -> ! {
    panic!("the route reached the {modulo} module, which this test does not exercise")
}

#[async_trait]
impl Vuelos for Ajeno {
    async fn ejecutar(&self, _: ComandoReserva) -> Result<ReservaDTO, ErrorVuelos> {
        no_esperado("vuelos")
    }

    async fn enviar(&self, _: ComandoReserva, _: Conversacion) -> Result<IdReserva, ErrorVuelos> {
        no_esperado("vuelos")
    }
}

#[async_trait]
impl ConsultasVuelos for Ajeno {
    async fn consultar(&self, _: IdReserva) -> Result<ConsultaReserva, ErrorVuelos> {
        no_esperado("vuelos")
    }

    async fn listar(&self, _: FiltroReservas, _: Pagina) -> Result<Vec<ReservaDTO>, ErrorVuelos> {
        no_esperado("vuelos")
    }
}

#[async_trait]
impl Clientes for Ajeno {
    async fn registrar(&self, _: RegistrarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        no_esperado("clientes")
    }

    async fn autenticar(&self, _: AutenticarUsuario) -> Result<TokenDTO, ErrorClientes> {
        no_esperado("clientes")
    }

    async fn desactivar(&self, _: DesactivarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        no_esperado("clientes")
    }
}

#[async_trait]
impl ConsultasClientes for Ajeno {
    async fn obtener(&self, _: ObtenerUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        no_esperado("clientes")
    }

    async fn listar_todos(
        &self,
        _: ObtenerTodosUsuarios,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        no_esperado("clientes")
    }

    async fn listar_desactivados(
        &self,
        _: ObtenerUsuariosDesactivados,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        no_esperado("clientes")
    }

    /// Every token of these tests names an active client, but [`PERSONAL`]'s.
    async fn acceso(&self, query: ObtenerAcceso) -> Result<Acceso, ErrorClientes> {
        Ok(acceso_de(query.id))
    }
}

/// Tokens with no signature: a token is the id of its user; anything else is invalid.
pub struct TokensFalsos;

impl VerificadorTokens for TokensFalsos {
    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken> {
        token.parse().map_err(|_| ErrorToken::Invalido)
    }
}

/// Health where every check passes: the database answers, the broker is connected and
/// the outbox is empty.
pub struct Sana;

impl Salud for Sana {
    fn verificar(&self) -> InformeSalud {
        InformeSalud {
            base_datos: Ok(()),
            broker: true,
            outbox: Ok(BacklogOutbox {
                pendientes: 0,
                mas_antiguo_segundos: 0,
                maximo: 10_000,
            }),
        }
    }
}
