//! The commands of the vuelos module, one file each, and [`ComandoReserva`]: the closed set
//! of them. Every entry point — the HTTP routes, the command consumer, a transport — takes a
//! `ComandoReserva`, and [`ManejadorReservas`] handles it with an exhaustive `match`, so a
//! command added to the enum and not handled, not translated to its record or not routed
//! does not compile.

pub mod aprobar_reserva;
pub mod cancelar_reserva;
pub mod ciclo_de_vida;
pub mod crear_reserva;
pub mod pagar_reserva;

use async_trait::async_trait;
use seedwork_aplicacion::{Comando, ManejadorComando, Reloj, RelojSistema, UnidadTrabajo};
use vuelos_dominio::{AccionReserva, IdReserva};

pub use aprobar_reserva::AprobarReserva;
pub use cancelar_reserva::CancelarReserva;
pub use crear_reserva::CrearReserva;
pub use pagar_reserva::PagarReserva;

use crate::dto::ReservaDTO;
use crate::errores::ErrorVuelos;
use crate::puertos::FabricaRepositorios;

/// Every command of the reservation aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum ComandoReserva {
    Crear(CrearReserva),
    Aprobar(AprobarReserva),
    Cancelar(CancelarReserva),
    Pagar(PagarReserva),
}

impl ComandoReserva {
    /// The reservation the command is about.
    pub fn id_reserva(&self) -> IdReserva {
        match self {
            Self::Crear(c) => c.id,
            Self::Aprobar(c) => c.id,
            Self::Cancelar(c) => c.id,
            Self::Pagar(c) => c.id,
        }
    }

    /// The creation, if this command creates a reservation: every other command acts on
    /// one that exists (or is in process).
    pub fn creacion(&self) -> Option<&CrearReserva> {
        match self {
            Self::Crear(crear) => Some(crear),
            _ => None,
        }
    }

    /// The lifecycle action of this command; `None` for a creation.
    pub fn accion(&self) -> Option<AccionReserva> {
        match self {
            Self::Crear(_) => None,
            Self::Aprobar(_) => Some(AprobarReserva::ACCION),
            Self::Cancelar(_) => Some(CancelarReserva::ACCION),
            Self::Pagar(_) => Some(PagarReserva::ACCION),
        }
    }

    /// The lifecycle command named by an action of the routes (`aprobar`, `cancelar`,
    /// `pagar`), or `None` for any other word.
    pub fn de_accion(accion: &str, id: IdReserva) -> Option<Self> {
        let accion = AccionReserva::TODAS
            .into_iter()
            .find(|conocida| conocida.to_string() == accion)?;
        Some(match accion {
            AccionReserva::Aprobar => Self::Aprobar(AprobarReserva { id }),
            AccionReserva::Cancelar => Self::Cancelar(CancelarReserva { id }),
            AccionReserva::Pagar => Self::Pagar(PagarReserva { id }),
        })
    }
}

impl From<CrearReserva> for ComandoReserva {
    fn from(comando: CrearReserva) -> Self {
        Self::Crear(comando)
    }
}

impl From<AprobarReserva> for ComandoReserva {
    fn from(comando: AprobarReserva) -> Self {
        Self::Aprobar(comando)
    }
}

impl From<CancelarReserva> for ComandoReserva {
    fn from(comando: CancelarReserva) -> Self {
        Self::Cancelar(comando)
    }
}

impl From<PagarReserva> for ComandoReserva {
    fn from(comando: PagarReserva) -> Self {
        Self::Pagar(comando)
    }
}

impl Comando for ComandoReserva {
    type Respuesta = ReservaDTO;
    type Error = ErrorVuelos;
}

/// Handles every command of the reservation aggregate, each in one unit of work. The clock
/// `R` dates the lifecycle's changes; a creation carries its own date.
#[derive(Clone)]
pub struct ManejadorReservas<U, F, R = RelojSistema> {
    uow: U,
    fabrica: F,
    reloj: R,
}

impl<U, F> ManejadorReservas<U, F> {
    pub fn new(uow: U, fabrica: F) -> Self {
        Self::con_reloj(uow, fabrica, RelojSistema)
    }
}

impl<U, F, R> ManejadorReservas<U, F, R> {
    pub fn con_reloj(uow: U, fabrica: F, reloj: R) -> Self {
        Self {
            uow,
            fabrica,
            reloj,
        }
    }
}

#[async_trait]
impl<U, F, R> ManejadorComando<ComandoReserva> for ManejadorReservas<U, F, R>
where
    U: UnidadTrabajo,
    F: FabricaRepositorios<U::Transaccion>,
    R: Reloj,
{
    async fn manejar(&self, comando: ComandoReserva) -> Result<ReservaDTO, ErrorVuelos> {
        let (uow, fabrica, reloj) = (&self.uow, &self.fabrica, &self.reloj);
        match comando {
            ComandoReserva::Crear(c) => crear_reserva::crear(uow, fabrica, c).await,
            ComandoReserva::Aprobar(c) => {
                ciclo_de_vida::ejecutar(uow, fabrica, reloj, c.id, AprobarReserva::ACCION).await
            }
            ComandoReserva::Cancelar(c) => {
                ciclo_de_vida::ejecutar(uow, fabrica, reloj, c.id, CancelarReserva::ACCION).await
            }
            ComandoReserva::Pagar(c) => {
                ciclo_de_vida::ejecutar(uow, fabrica, reloj, c.id, PagarReserva::ACCION).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_of_the_routes_names_its_command_and_no_other_word_does() {
        let id = IdReserva::nuevo();
        assert_eq!(
            ComandoReserva::de_accion("aprobar", id),
            Some(ComandoReserva::Aprobar(AprobarReserva { id }))
        );
        assert_eq!(
            ComandoReserva::de_accion("cancelar", id),
            Some(ComandoReserva::Cancelar(CancelarReserva { id }))
        );
        assert_eq!(
            ComandoReserva::de_accion("pagar", id),
            Some(ComandoReserva::Pagar(PagarReserva { id }))
        );
        assert_eq!(ComandoReserva::de_accion("volar", id), None);
    }
}
