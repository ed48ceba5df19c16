//! In-memory fakes of the ports, for the unit tests of the handlers (and only for them:
//! adapters are tested against real databases in their own crates): the seedwork's
//! in-memory unit of work over this module's tables, and repositories over them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::Utc;
use seedwork_aplicacion::{ErrorUnidadTrabajo, Transaccion, UnidadTrabajo};
use seedwork_dominio::{Entidad, ErrorPersistencia};
use vuelos_dominio::{
    AccionReserva, FiltroReservas, IdReserva, Itinerario, Pagina, RepositorioReservas, Reserva,
};

use crate::dto::{AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, SegmentoDTO};
use crate::puertos::{FabricaRepositorios, RepositorioSolicitudes};
use crate::solicitudes::{DesenlaceSolicitud, EstadoSolicitud, UltimaSolicitud};

/// BOG -> MAD -> CDG, the itinerary of the fixture.
pub fn itinerario_dto() -> ItinerarioDTO {
    let aeropuerto = |codigo: &str| AeropuertoDTO {
        codigo: codigo.into(),
        nombre: format!("Aeropuerto {codigo}"),
    };
    let leg = |origen, destino, salida: &str, llegada: &str| LegDTO {
        fecha_salida: salida.into(),
        fecha_llegada: llegada.into(),
        origen: aeropuerto(origen),
        destino: aeropuerto(destino),
    };
    ItinerarioDTO {
        odos: vec![OdoDTO {
            segmentos: vec![SegmentoDTO {
                legs: vec![
                    leg("BOG", "MAD", "2027-03-10T22:05:00Z", "2027-03-11T14:40:00Z"),
                    leg("MAD", "CDG", "2027-03-11T16:30:00Z", "2027-03-11T18:45:00Z"),
                ],
            }],
        }],
    }
}

pub fn itinerario() -> Itinerario {
    itinerario_dto().try_into_domain().unwrap()
}

/// The tables of the in-memory unit of work.
#[derive(Clone, Default)]
pub struct Tablas {
    reservas: BTreeMap<IdReserva, Reserva>,
    solicitudes: BTreeMap<IdReserva, EstadoSolicitud>,
    ultimas: BTreeMap<IdReserva, UltimaSolicitud>,
}

pub type TransaccionEnMemoria = seedwork_pruebas::TransaccionEnMemoria<Tablas>;

/// The seedwork's in-memory unit of work over [`Tablas`], with the arrangements of these
/// tests.
#[derive(Clone, Default)]
pub struct UnidadTrabajoEnMemoria(seedwork_pruebas::UnidadTrabajoEnMemoria<Tablas>);

impl UnidadTrabajoEnMemoria {
    pub fn que_falla_al_confirmar(error: fn() -> ErrorPersistencia) -> Self {
        Self(seedwork_pruebas::UnidadTrabajoEnMemoria::default().que_falla_al_confirmar(error))
    }

    pub fn con_reserva_pendiente(&self) -> IdReserva {
        let reserva =
            Reserva::crear(IdReserva::nuevo(), None, vec![itinerario()], Utc::now()).unwrap();
        let id = reserva.id();
        self.0.datos(|tablas| tablas.reservas.insert(id, reserva));
        id
    }

    pub fn reserva(&self, id: IdReserva) -> Option<Reserva> {
        self.0.datos(|tablas| tablas.reservas.get(&id).cloned())
    }

    pub fn con_solicitud(&self, id: IdReserva, estado: EstadoSolicitud) {
        self.0.datos(|tablas| tablas.solicitudes.insert(id, estado));
    }

    pub fn cantidad(&self) -> usize {
        self.0.datos(|tablas| tablas.reservas.len())
    }

    /// The names of the domain events dispatched by committed units of work, in order.
    pub fn eventos_despachados(&self) -> Vec<&'static str> {
        self.0.eventos_despachados()
    }
}

#[async_trait]
impl UnidadTrabajo for UnidadTrabajoEnMemoria {
    type Transaccion = TransaccionEnMemoria;

    async fn ejecutar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionEnMemoria) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        self.0.ejecutar(trabajo).await
    }
}

#[derive(Clone)]
pub struct FabricaEnMemoria;

/// The reservations of an open in-memory transaction; saving queues the events there.
pub struct RepositorioEnMemoria<'a>(&'a mut TransaccionEnMemoria);

pub struct SolicitudesEnMemoria<'a>(
    &'a mut BTreeMap<IdReserva, EstadoSolicitud>,
    &'a mut BTreeMap<IdReserva, UltimaSolicitud>,
);

impl FabricaRepositorios<TransaccionEnMemoria> for FabricaEnMemoria {
    type Reservas<'a> = RepositorioEnMemoria<'a>;
    type Solicitudes<'a> = SolicitudesEnMemoria<'a>;

    fn reservas<'a>(&self, tx: &'a mut TransaccionEnMemoria) -> RepositorioEnMemoria<'a> {
        RepositorioEnMemoria(tx)
    }

    fn solicitudes<'a>(&self, tx: &'a mut TransaccionEnMemoria) -> SolicitudesEnMemoria<'a> {
        let tablas = &mut tx.datos;
        SolicitudesEnMemoria(&mut tablas.solicitudes, &mut tablas.ultimas)
    }
}

impl RepositorioSolicitudes for SolicitudesEnMemoria<'_> {
    fn estado(&mut self, id: IdReserva) -> Result<Option<EstadoSolicitud>, ErrorPersistencia> {
        Ok(self.0.get(&id).cloned())
    }

    fn registrar(&mut self, id: IdReserva) -> Result<(), ErrorPersistencia> {
        if self.0.contains_key(&id) {
            return Err(ErrorPersistencia::Duplicado(id.to_string()));
        }
        self.0.insert(id, EstadoSolicitud::EnProceso);
        Ok(())
    }

    fn rechazar(&mut self, id: IdReserva, razon: &str) -> Result<(), ErrorPersistencia> {
        self.0.insert(
            id,
            EstadoSolicitud::Rechazada {
                razon: razon.to_owned(),
            },
        );
        Ok(())
    }

    fn ultima(&mut self, id: IdReserva) -> Result<Option<UltimaSolicitud>, ErrorPersistencia> {
        Ok(self.1.get(&id).cloned())
    }

    fn aceptar_accion(
        &mut self,
        id: IdReserva,
        accion: AccionReserva,
    ) -> Result<(), ErrorPersistencia> {
        let desenlace = DesenlaceSolicitud::EnProceso;
        let fecha = chrono::Utc::now();
        self.1.insert(
            id,
            UltimaSolicitud {
                accion,
                desenlace,
                fecha,
            },
        );
        Ok(())
    }

    fn resolver_accion(
        &mut self,
        id: IdReserva,
        accion: AccionReserva,
        rechazo: Option<&str>,
    ) -> Result<(), ErrorPersistencia> {
        if let Some(ultima) = self.1.get_mut(&id) {
            if ultima.accion == accion && ultima.desenlace == DesenlaceSolicitud::EnProceso {
                ultima.desenlace = match rechazo {
                    Some(razon) => DesenlaceSolicitud::Rechazada {
                        razon: razon.to_owned(),
                    },
                    None => DesenlaceSolicitud::Aplicada,
                };
            }
        }
        Ok(())
    }
}

impl RepositorioReservas for RepositorioEnMemoria<'_> {
    fn obtener_por_id(&mut self, id: IdReserva) -> Result<Option<Reserva>, ErrorPersistencia> {
        Ok(self.0.datos.reservas.get(&id).cloned())
    }

    fn obtener(
        &mut self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<Reserva>, ErrorPersistencia> {
        use vuelos_dominio::EstadoReserva::*;
        Ok(self
            .0
            .datos
            .reservas
            .values()
            .rev()
            .filter(|r| match filtro {
                FiltroReservas::Todas => true,
                FiltroReservas::ConEstado(estado) => r.estado() == estado,
                FiltroReservas::NoPagadas => matches!(r.estado(), Pendiente | Aprobada),
            })
            .skip(pagina.desplazamiento as usize)
            .take(pagina.limite as usize)
            .cloned()
            .collect())
    }

    fn agregar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia> {
        if self.0.datos.reservas.contains_key(&reserva.id()) {
            return Err(ErrorPersistencia::Duplicado(reserva.id().to_string()));
        }
        self.0.datos.reservas.insert(reserva.id(), reserva.clone());
        self.0.recoger_eventos(reserva);
        Ok(())
    }

    fn actualizar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia> {
        self.0.datos.reservas.insert(reserva.id(), reserva.clone());
        self.0.recoger_eventos(reserva);
        Ok(())
    }
}
