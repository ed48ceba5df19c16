//! `AgregarReservaUsuario`: record that a user holds a reservation, as a command and as a
//! handler of the vuelos module's `ReservaCreada` domain event.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clientes_dominio::reglas::UsuarioExiste;
use clientes_dominio::{IdReservaCliente, IdUsuario, RepositorioUsuarios};
use seedwork_aplicacion::{
    Comando, ErrorUnidadTrabajo, ManejadorComando, Reloj, RelojSistema, Transaccion, UnidadTrabajo,
};
use seedwork_dominio::{ReglaIncumplida, ReglaNegocio};

use crate::dto::UsuarioDTO;
use crate::errores::ErrorClientes;
use crate::puertos::FabricaRepositorioUsuarios;

/// Add a reservation to a user's list. Adding one the user already holds succeeds and
/// changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgregarReservaUsuario {
    pub id_usuario: IdUsuario,
    pub id_reserva: IdReservaCliente,
}

impl Comando for AgregarReservaUsuario {
    /// The user after the change.
    type Respuesta = UsuarioDTO;
    /// `NoEncontrado`, `Regla` (`UsuarioActivo`), `Persistencia`.
    type Error = ErrorClientes;
}

/// Adds a reservation to a user inside the caller's transaction `tx`: the handler of the
/// vuelos module's `ReservaCreada` domain event, timed by the system clock.
///
/// Fails with a [`ReglaIncumplida`] named `UsuarioExiste` when no user has `id_usuario`
/// and `UsuarioActivo` when the user is deactivated; the unit of work then rolls back the
/// reservation that raised the event. A reservation already held is a no-op, so a
/// redelivered event is harmless. Wire it in the composition root:
///
/// ```text
/// despachador.suscribir(move |evento: &ReservaCreada, tx: &mut TxDiesel| match evento.id_cliente {
///     Some(cliente) => agregar_reserva(&fabrica, tx, cliente.uuid().into(), evento.id_reserva.uuid().into()),
///     None => Ok(()),
/// });
/// ```
pub fn agregar_reserva<Tx, F>(
    fabrica: &F,
    tx: &mut Tx,
    id_usuario: IdUsuario,
    id_reserva: IdReservaCliente,
) -> Result<(), ErrorUnidadTrabajo>
where
    Tx: Transaccion,
    F: FabricaRepositorioUsuarios<Tx>,
{
    agregar_reserva_con_reloj(fabrica, tx, id_usuario, id_reserva, &RelojSistema)
}

/// [`agregar_reserva`] timed by `reloj`, which dates the change and its event.
#[tracing::instrument(name = "agregar_reserva", skip_all, fields(%id_usuario, %id_reserva))]
pub fn agregar_reserva_con_reloj<Tx, F, R>(
    fabrica: &F,
    tx: &mut Tx,
    id_usuario: IdUsuario,
    id_reserva: IdReservaCliente,
    reloj: &R,
) -> Result<(), ErrorUnidadTrabajo>
where
    Tx: Transaccion,
    F: FabricaRepositorioUsuarios<Tx>,
    R: Reloj,
{
    agregar_reserva_en(fabrica, tx, id_usuario, id_reserva, reloj.ahora())
}

/// [`agregar_reserva`] at a given instant. Saving the user hands its
/// `ReservaAgregadaAUsuario` event to the unit of work.
///
/// The user is read without its reservations, and a reservation it holds already is found
/// by one indexed lookup: adding one costs the same for a new client and one with years
/// of history.
fn agregar_reserva_en<Tx, F>(
    fabrica: &F,
    tx: &mut Tx,
    id_usuario: IdUsuario,
    id_reserva: IdReservaCliente,
    ahora: DateTime<Utc>,
) -> Result<(), ErrorUnidadTrabajo>
where
    Tx: Transaccion,
    F: FabricaRepositorioUsuarios<Tx>,
{
    let mut repositorio = fabrica.usuarios(tx);
    let mut usuario = repositorio
        .obtener_para_agregar(id_usuario)?
        .ok_or_else(|| {
            let regla = UsuarioExiste {
                id: id_usuario,
                existe: false,
            };
            ReglaIncumplida::new(regla.nombre(), regla.mensaje())
        })?;
    if repositorio.tiene_reserva(id_usuario, id_reserva)? {
        // A redelivered event: the rule is still checked, nothing changes.
        usuario.agregar_reserva(id_reserva, ahora)?;
        return Ok(());
    }
    if usuario.agregar_reserva(id_reserva, ahora)? {
        repositorio.actualizar(&mut usuario)?;
    }
    Ok(())
}

pub struct ManejadorAgregarReservaUsuario<U, F, R = RelojSistema> {
    uow: U,
    fabrica: F,
    reloj: R,
}

impl<U, F> ManejadorAgregarReservaUsuario<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self::con_reloj(uow, fabrica, RelojSistema)
    }
}

impl<U, F, R> ManejadorAgregarReservaUsuario<U, F, R> {
    pub fn con_reloj(uow: U, fabrica: F, reloj: R) -> Self {
        Self {
            uow,
            fabrica,
            reloj,
        }
    }
}

#[async_trait]
impl<U, F, R> ManejadorComando<AgregarReservaUsuario> for ManejadorAgregarReservaUsuario<U, F, R>
where
    U: UnidadTrabajo,
    F: FabricaRepositorioUsuarios<U::Transaccion>,
    R: Reloj,
{
    #[tracing::instrument(
        name = "agregar_reserva_usuario",
        skip_all,
        fields(id_usuario = %comando.id_usuario, id_reserva = %comando.id_reserva)
    )]
    async fn manejar(&self, comando: AgregarReservaUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        let (fabrica, ahora) = (self.fabrica.clone(), self.reloj.ahora());
        let AgregarReservaUsuario {
            id_usuario,
            id_reserva,
        } = comando;
        self.uow
            .ejecutar(move |tx| {
                match agregar_reserva_en(&fabrica, tx, id_usuario, id_reserva, ahora) {
                    // Answered whole: read again, with every reservation.
                    Ok(()) => fabrica
                        .usuarios(tx)
                        .obtener_por_id(id_usuario)?
                        .map(|usuario| UsuarioDTO::from(&usuario))
                        .ok_or(ErrorClientes::NoEncontrado(id_usuario)),
                    // Addressed directly (not through an event), a missing user is a 404.
                    Err(ErrorUnidadTrabajo::Regla(regla))
                        if regla.regla == UsuarioExiste::NOMBRE =>
                    {
                        Err(ErrorClientes::NoEncontrado(id_usuario))
                    }
                    Err(otro) => Err(otro.into()),
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use seedwork_aplicacion::DespachadorEventosDominio;
    use seedwork_dominio::{
        evento_dominio, AgregacionRaiz, Entidad, EventoDominio, EventosPendientes,
    };
    use seedwork_pruebas::RelojFijo;
    use uuid::Uuid;

    use super::*;
    use crate::pruebas::{
        ahora, regla_incumplida, usuario_natural, FabricaEnMemoria, TransaccionEnMemoria,
        UnidadTrabajoEnMemoria,
    };

    fn despues() -> DateTime<Utc> {
        ahora() + TimeDelta::hours(2)
    }

    fn manejador(
        uow: &UnidadTrabajoEnMemoria,
    ) -> ManejadorAgregarReservaUsuario<UnidadTrabajoEnMemoria, FabricaEnMemoria, RelojFijo> {
        ManejadorAgregarReservaUsuario::con_reloj(
            uow.clone(),
            FabricaEnMemoria,
            RelojFijo::new(despues()),
        )
    }

    fn comando(id_usuario: IdUsuario, id_reserva: IdReservaCliente) -> AgregarReservaUsuario {
        AgregarReservaUsuario {
            id_usuario,
            id_reserva,
        }
    }

    #[tokio::test]
    async fn given_an_active_user_when_adding_a_reservation_then_it_is_stored_and_the_event_dispatched(
    ) {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_usuario(usuario_natural("ana@gmail.com"));
        let reserva = IdReservaCliente::nuevo();

        let dto = manejador(&uow).manejar(comando(id, reserva)).await.unwrap();

        assert_eq!(dto.reservas, [reserva.uuid()]);
        assert_eq!(dto.fecha_actualizacion, "2026-06-15T12:00:00Z");
        assert_eq!(uow.usuario(id).unwrap().reservas(), [reserva]);
        assert_eq!(uow.eventos_despachados(), ["ReservaAgregadaAUsuario"]);
    }

    #[tokio::test]
    async fn given_a_reservation_already_held_when_adding_it_again_then_nothing_changes() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = uow.con_usuario(usuario_natural("ana@gmail.com"));
        let reserva = IdReservaCliente::nuevo();
        manejador(&uow).manejar(comando(id, reserva)).await.unwrap();

        let dto = manejador(&uow).manejar(comando(id, reserva)).await.unwrap();

        assert_eq!(dto.reservas, [reserva.uuid()]);
        assert_eq!(uow.eventos_despachados(), ["ReservaAgregadaAUsuario"]);
    }

    #[tokio::test]
    async fn given_a_deactivated_user_when_adding_a_reservation_then_usuario_activo_fails() {
        let uow = UnidadTrabajoEnMemoria::default();
        let mut usuario = usuario_natural("ana@gmail.com");
        usuario.desactivar(ahora());
        let id = uow.con_usuario(usuario);

        let error = manejador(&uow)
            .manejar(comando(id, IdReservaCliente::nuevo()))
            .await
            .unwrap_err();

        assert_eq!(regla_incumplida(&error), Some("UsuarioActivo"));
        assert!(uow.usuario(id).unwrap().reservas().is_empty());
    }

    #[tokio::test]
    async fn given_an_unknown_user_when_adding_a_reservation_then_no_encontrado() {
        let uow = UnidadTrabajoEnMemoria::default();
        let id = IdUsuario::nuevo();
        let error = manejador(&uow)
            .manejar(comando(id, IdReservaCliente::nuevo()))
            .await
            .unwrap_err();
        assert!(matches!(error, ErrorClientes::NoEncontrado(ref otro) if *otro == id));
    }

    /// Stands in for the vuelos module's `ReservaCreada`, which these layers do not know.
    #[derive(Debug)]
    struct ReservaCreada {
        id_evento: Uuid,
        fecha_evento: DateTime<Utc>,
        id_reserva: Uuid,
        id_cliente: Uuid,
    }
    evento_dominio!(ReservaCreada);

    /// Stands in for the vuelos module's `Reserva`: a new reservation that has raised
    /// `ReservaCreada` and not yet handed it over.
    struct Reserva {
        id: Uuid,
        creada: DateTime<Utc>,
        eventos: EventosPendientes,
    }

    impl Reserva {
        fn crear(id_reserva: IdReservaCliente, id_cliente: IdUsuario) -> Self {
            let mut eventos = EventosPendientes::default();
            eventos.registrar(ReservaCreada {
                id_evento: Uuid::now_v7(),
                fecha_evento: ahora(),
                id_reserva: id_reserva.uuid(),
                id_cliente: id_cliente.uuid(),
            });
            Self {
                id: id_reserva.uuid(),
                creada: ahora(),
                eventos,
            }
        }
    }

    impl Entidad for Reserva {
        type Id = Uuid;

        fn id(&self) -> Uuid {
            self.id
        }
        fn fecha_creacion(&self) -> DateTime<Utc> {
            self.creada
        }
        fn fecha_actualizacion(&self) -> DateTime<Utc> {
            self.creada
        }
    }

    impl AgregacionRaiz for Reserva {
        fn tomar_eventos(&mut self) -> Vec<Box<dyn EventoDominio>> {
            self.eventos.tomar()
        }
    }

    /// A unit of work whose dispatcher runs `agregar_reserva` on every `ReservaCreada`.
    fn con_suscripcion() -> UnidadTrabajoEnMemoria {
        let mut despachador = DespachadorEventosDominio::<TransaccionEnMemoria>::new();
        despachador.suscribir(|evento: &ReservaCreada, tx: &mut TransaccionEnMemoria| {
            agregar_reserva_con_reloj(
                &FabricaEnMemoria,
                tx,
                evento.id_cliente.into(),
                evento.id_reserva.into(),
                &RelojFijo::new(despues()),
            )
        });
        UnidadTrabajoEnMemoria::con_despachador(despachador)
    }

    /// Runs a unit of work that only creates a reservation, as vuelos' handler would: its
    /// repository hands the reservation's `ReservaCreada` to the transaction on saving.
    async fn crear_reserva(
        uow: &UnidadTrabajoEnMemoria,
        id_cliente: IdUsuario,
        id_reserva: IdReservaCliente,
    ) -> Result<(), ErrorClientes> {
        uow.ejecutar(move |tx: &mut TransaccionEnMemoria| {
            tx.recoger_eventos(&mut Reserva::crear(id_reserva, id_cliente));
            Ok(())
        })
        .await
    }

    #[tokio::test]
    async fn given_a_subscribed_handler_when_a_reservation_is_created_then_the_user_holds_it_after_commit(
    ) {
        let uow = con_suscripcion();
        let id = uow.con_usuario(usuario_natural("ana@gmail.com"));
        let reserva = IdReservaCliente::nuevo();

        crear_reserva(&uow, id, reserva).await.unwrap();

        let usuario = uow.usuario(id).unwrap();
        assert_eq!(usuario.reservas(), [reserva]);
        assert_eq!(usuario.fecha_actualizacion(), despues());
        assert_eq!(
            uow.eventos_despachados(),
            ["ReservaCreada", "ReservaAgregadaAUsuario"]
        );
    }

    #[tokio::test]
    async fn given_a_subscribed_handler_when_the_client_does_not_exist_then_the_whole_unit_of_work_fails_with_usuario_existe(
    ) {
        let uow = con_suscripcion();

        let error = crear_reserva(&uow, IdUsuario::nuevo(), IdReservaCliente::nuevo())
            .await
            .unwrap_err();

        assert_eq!(regla_incumplida(&error), Some("UsuarioExiste"));
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_a_subscribed_handler_when_the_client_is_deactivated_then_the_whole_unit_of_work_fails_with_usuario_activo(
    ) {
        let uow = con_suscripcion();
        let mut usuario = usuario_natural("ana@gmail.com");
        usuario.desactivar(ahora());
        let id = uow.con_usuario(usuario);

        let error = crear_reserva(&uow, id, IdReservaCliente::nuevo())
            .await
            .unwrap_err();

        assert_eq!(regla_incumplida(&error), Some("UsuarioActivo"));
        assert!(uow.usuario(id).unwrap().reservas().is_empty());
        assert!(uow.eventos_despachados().is_empty());
    }

    #[tokio::test]
    async fn given_a_subscribed_handler_when_the_same_event_is_delivered_twice_then_the_reservation_is_held_once(
    ) {
        let uow = con_suscripcion();
        let id = uow.con_usuario(usuario_natural("ana@gmail.com"));
        let reserva = IdReservaCliente::nuevo();

        crear_reserva(&uow, id, reserva).await.unwrap();
        crear_reserva(&uow, id, reserva).await.unwrap();

        assert_eq!(uow.usuario(id).unwrap().reservas(), [reserva]);
    }

    /// Adding a reservation reads none of the client's earlier ones: it costs the same for
    /// a client with 10 reservations and one with 10,000 (counted in ids read, not time).
    #[tokio::test]
    async fn adding_a_reservation_reads_none_of_the_clients_history() {
        for historia in [10usize, 10_000] {
            let uow = UnidadTrabajoEnMemoria::default();
            let mut usuario = usuario_natural("historia@gmail.com");
            for _ in 0..historia {
                usuario
                    .agregar_reserva(IdReservaCliente::nuevo(), ahora())
                    .unwrap();
            }
            let id = uow.con_usuario(usuario);
            let nueva = IdReservaCliente::nuevo();
            uow.ejecutar(move |tx: &mut TransaccionEnMemoria| {
                agregar_reserva(&FabricaEnMemoria, tx, id, nueva)
            })
            .await
            .unwrap();
            assert_eq!(uow.reservas_leidas(), 0, "{historia}: the history was read");
            let guardado = uow.usuario(id).unwrap();
            assert_eq!(guardado.reservas().len(), historia + 1);
            assert_eq!(
                guardado.reservas().last(),
                Some(&nueva),
                "added after the others"
            );
            // Again: a redelivery changes nothing, still without reading the history.
            uow.ejecutar(move |tx: &mut TransaccionEnMemoria| {
                agregar_reserva(&FabricaEnMemoria, tx, id, nueva)
            })
            .await
            .unwrap();
            assert_eq!(uow.usuario(id).unwrap().reservas().len(), historia + 1);
            assert_eq!(uow.reservas_leidas(), 0);
        }
    }
}
