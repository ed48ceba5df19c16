//! The lifecycle of a reservation.

use std::fmt;
use std::str::FromStr;

use seedwork_dominio::ReglaIncumplida;

/// Where a reservation is in its lifecycle:
/// `Pendiente -> Aprobada -> Pagada`, and `Pendiente | Aprobada -> Cancelada`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EstadoReserva {
    Pendiente,
    Aprobada,
    Pagada,
    Cancelada,
}

/// What can be done to a reservation once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccionReserva {
    Aprobar,
    Cancelar,
    Pagar,
}

impl AccionReserva {
    /// Every action, in the order of the lifecycle.
    pub const TODAS: [AccionReserva; 3] = [Self::Aprobar, Self::Cancelar, Self::Pagar];
}

impl EstadoReserva {
    pub const TODOS: [EstadoReserva; 4] = [
        Self::Pendiente,
        Self::Aprobada,
        Self::Pagada,
        Self::Cancelada,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pendiente => "Pendiente",
            Self::Aprobada => "Aprobada",
            Self::Pagada => "Pagada",
            Self::Cancelada => "Cancelada",
        }
    }

    /// The state an action leads to from this one, if the lifecycle allows it.
    pub fn tras(self, accion: AccionReserva) -> Option<EstadoReserva> {
        use AccionReserva::*;
        use EstadoReserva::*;
        match (self, accion) {
            (Pendiente, Aprobar) => Some(Aprobada),
            (Aprobada, Pagar) => Some(Pagada),
            (Pendiente | Aprobada, Cancelar) => Some(Cancelada),
            _ => None,
        }
    }
}

impl fmt::Display for EstadoReserva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EstadoReserva {
    type Err = ReglaIncumplida;

    fn from_str(texto: &str) -> Result<Self, Self::Err> {
        Self::TODOS
            .into_iter()
            .find(|estado| estado.as_str().eq_ignore_ascii_case(texto))
            .ok_or_else(|| {
                ReglaIncumplida::new(
                    "EstadoReservaValido",
                    format!("'{texto}' no es un estado de reserva (Pendiente, Aprobada, Pagada, Cancelada)"),
                )
            })
    }
}

impl fmt::Display for AccionReserva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Aprobar => "aprobar",
            Self::Cancelar => "cancelar",
            Self::Pagar => "pagar",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::AccionReserva::*;
    use super::EstadoReserva::*;
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_the_documented_transitions() {
        let permitidas: Vec<_> = EstadoReserva::TODOS
            .into_iter()
            .flat_map(|e| [Aprobar, Cancelar, Pagar].map(|a| (e, a, e.tras(a))))
            .filter_map(|(e, a, destino)| destino.map(|d| (e, a, d)))
            .collect();
        assert_eq!(
            permitidas,
            vec![
                (Pendiente, Aprobar, Aprobada),
                (Pendiente, Cancelar, Cancelada),
                (Aprobada, Cancelar, Cancelada),
                (Aprobada, Pagar, Pagada)
            ]
        );
    }

    #[test]
    fn every_state_parses_back_from_its_name_in_any_case() {
        for estado in EstadoReserva::TODOS {
            assert_eq!(
                estado.as_str().to_lowercase().parse::<EstadoReserva>(),
                Ok(estado)
            );
        }
    }

    #[test]
    fn an_unknown_state_name_is_refused() {
        assert_eq!(
            "Volando".parse::<EstadoReserva>().unwrap_err().regla,
            "EstadoReservaValido"
        );
    }
}
