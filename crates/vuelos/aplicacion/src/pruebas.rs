//! In-memory fakes of the ports, for the unit tests of the handlers (and only for them:
//! adapters are tested against real databases in their own crates).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::Utc;
use seedwork_aplicacion::{ErrorUnidadTrabajo, Transaccion, UnidadTrabajo};
use seedwork_dominio::{Entidad, ErrorPersistencia, EventoDominio};
use vuelos_dominio::{FiltroReservas, IdReserva, Itinerario, Pagina, RepositorioReservas, Reserva};

use crate::dto::{AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, SegmentoDTO};
use crate::puertos::{FabricaRepositorios, RepositorioSolicitudes};
use crate::solicitudes::EstadoSolicitud;

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

#[derive(Default)]
struct Estado {
    reservas: BTreeMap<IdReserva, Reserva>,
    solicitudes: BTreeMap<IdReserva, EstadoSolicitud>,
    eventos: Vec<&'static str>,
}

/// A unit of work over a map: the transaction works on a copy that replaces the map on
/// commit, so a failed unit of work leaves nothing behind, as a database would.
#[derive(Clone, Default)]
pub struct UnidadTrabajoEnMemoria {
    estado: Arc<Mutex<Estado>>,
    fallo_al_confirmar: Option<ErrorPersistencia>,
}

pub struct TransaccionEnMemoria {
    reservas: BTreeMap<IdReserva, Reserva>,
    solicitudes: BTreeMap<IdReserva, EstadoSolicitud>,
    eventos: Vec<Box<dyn EventoDominio>>,
}

impl Transaccion for TransaccionEnMemoria {
    fn registrar_eventos(&mut self, eventos: Vec<Box<dyn EventoDominio>>) {
        self.eventos.extend(eventos);
    }
}

impl UnidadTrabajoEnMemoria {
    pub fn que_falla_al_confirmar(error: ErrorPersistencia) -> Self {
        Self {
            fallo_al_confirmar: Some(error),
            ..Self::default()
        }
    }

    fn estado(&self) -> MutexGuard<'_, Estado> {
        // A test that panicked while holding the lock has failed already.
        self.estado.lock().unwrap()
    }

    pub fn con_reserva_pendiente(&self) -> IdReserva {
        let reserva =
            Reserva::crear(IdReserva::nuevo(), None, vec![itinerario()], Utc::now()).unwrap();
        let id = reserva.id();
        self.estado().reservas.insert(id, reserva);
        id
    }

    pub fn reserva(&self, id: IdReserva) -> Option<Reserva> {
        self.estado().reservas.get(&id).cloned()
    }

    pub fn con_solicitud(&self, id: IdReserva, estado: EstadoSolicitud) {
        self.estado().solicitudes.insert(id, estado);
    }

    pub fn cantidad(&self) -> usize {
        self.estado().reservas.len()
    }

    /// The names of the domain events dispatched by committed units of work, in order.
    pub fn eventos_despachados(&self) -> Vec<&'static str> {
        self.estado().eventos.clone()
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
        let mut tx = {
            let estado = self.estado();
            TransaccionEnMemoria {
                reservas: estado.reservas.clone(),
                solicitudes: estado.solicitudes.clone(),
                eventos: Vec::new(),
            }
        };
        let resultado = trabajo(&mut tx)?;
        if let Some(error) = &self.fallo_al_confirmar {
            return Err(ErrorUnidadTrabajo::Persistencia(error.clone()).into());
        }
        let mut estado = self.estado();
        estado.reservas = tx.reservas;
        estado.solicitudes = tx.solicitudes;
        estado.eventos.extend(tx.eventos.iter().map(|e| e.nombre()));
        Ok(resultado)
    }
}

#[derive(Clone)]
pub struct FabricaEnMemoria;

/// The reservations of an open in-memory transaction; saving queues the events there.
pub struct RepositorioEnMemoria<'a>(&'a mut TransaccionEnMemoria);

pub struct SolicitudesEnMemoria<'a>(&'a mut BTreeMap<IdReserva, EstadoSolicitud>);

impl FabricaRepositorios<TransaccionEnMemoria> for FabricaEnMemoria {
    type Reservas<'a> = RepositorioEnMemoria<'a>;
    type Solicitudes<'a> = SolicitudesEnMemoria<'a>;

    fn reservas<'a>(&self, tx: &'a mut TransaccionEnMemoria) -> RepositorioEnMemoria<'a> {
        RepositorioEnMemoria(tx)
    }

    fn solicitudes<'a>(&self, tx: &'a mut TransaccionEnMemoria) -> SolicitudesEnMemoria<'a> {
        SolicitudesEnMemoria(&mut tx.solicitudes)
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
}

impl RepositorioReservas for RepositorioEnMemoria<'_> {
    fn obtener_por_id(&mut self, id: IdReserva) -> Result<Option<Reserva>, ErrorPersistencia> {
        Ok(self.0.reservas.get(&id).cloned())
    }

    fn obtener(
        &mut self,
        filtro: FiltroReservas,
        pagina: Pagina,
    ) -> Result<Vec<Reserva>, ErrorPersistencia> {
        use vuelos_dominio::EstadoReserva::*;
        Ok(self
            .0
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
        if self.0.reservas.contains_key(&reserva.id()) {
            return Err(ErrorPersistencia::Duplicado(reserva.id().to_string()));
        }
        self.0.reservas.insert(reserva.id(), reserva.clone());
        self.0.recoger_eventos(reserva);
        Ok(())
    }

    fn actualizar(&mut self, reserva: &mut Reserva) -> Result<(), ErrorPersistencia> {
        self.0.reservas.insert(reserva.id(), reserva.clone());
        self.0.recoger_eventos(reserva);
        Ok(())
    }
}
