//! Binds the repositories of the vuelos module to the unit of work's open transaction.

use seedwork_persistencia::TransaccionDiesel;
use vuelos_aplicacion::FabricaRepositorios;

use crate::repositorio::RepositorioReservasDiesel;
use crate::solicitudes::RepositorioSolicitudesDiesel;

#[derive(Debug, Clone, Copy, Default)]
pub struct FabricaRepositoriosDiesel;

impl FabricaRepositorios<TransaccionDiesel> for FabricaRepositoriosDiesel {
    type Reservas<'a> = RepositorioReservasDiesel<'a>;
    type Solicitudes<'a> = RepositorioSolicitudesDiesel<'a>;

    fn reservas<'a>(&self, tx: &'a mut TransaccionDiesel) -> RepositorioReservasDiesel<'a> {
        RepositorioReservasDiesel::new(tx)
    }

    fn solicitudes<'a>(&self, tx: &'a mut TransaccionDiesel) -> RepositorioSolicitudesDiesel<'a> {
        RepositorioSolicitudesDiesel::new(tx.conexion())
    }
}
