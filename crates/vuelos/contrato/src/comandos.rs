//! The command records (`ComandoCrearReserva`, `ComandoAprobarReserva`,
//! `ComandoCancelarReserva`, `ComandoPagarReserva`) and their conversion to and from the
//! application's commands.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use vuelos_aplicacion::comandos::{AprobarReserva, CancelarReserva, CrearReserva, PagarReserva};
use vuelos_dominio::{Aeropuerto, Itinerario, Leg, Odo, Segmento};

use super::campos::{milisegundos, Campos};
use super::errores::ErrorConversion;
use super::sobre::Metadatos;
use super::{mensaje_integracion, MensajeIntegracion};

/// A command record: built from an application command by the sender, turned back into
/// that command by the consumer.
pub trait ComandoIntegracion: MensajeIntegracion {
    type Comando;

    /// The record of a command, sent now.
    fn desde_comando(comando: &Self::Comando, metadatos: &Metadatos) -> Self;

    /// The command, or what is missing or invalid in the record.
    fn a_comando(&self) -> Result<Self::Comando, ErrorConversion>;
}

/// Record `Aeropuerto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AeropuertoAvro {
    pub codigo: Option<String>,
    pub nombre: Option<String>,
}

/// Record `Leg`; dates in milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegAvro {
    pub fecha_salida: Option<i64>,
    pub fecha_llegada: Option<i64>,
    pub origen: Option<AeropuertoAvro>,
    pub destino: Option<AeropuertoAvro>,
}

/// Record `Segmento`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentoAvro {
    pub legs: Option<Vec<LegAvro>>,
}

/// Record `Odo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdoAvro {
    pub segmentos: Option<Vec<SegmentoAvro>>,
}

/// Record `Itinerario`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItinerarioAvro {
    pub odos: Option<Vec<OdoAvro>>,
}

/// The payload of `ComandoCrearReserva`: the whole reservation. The tutorial's payload has
/// `id_usuario` only; its other fields are what the tutorial left as a TODO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComandoCrearReservaPayload {
    pub id_reserva: Option<String>,
    /// The client (`id_cliente` of the command).
    pub id_usuario: Option<String>,
    pub fecha_creacion: Option<i64>,
    pub itinerarios: Option<Vec<ItinerarioAvro>>,
}

mensaje_integracion!(
    /// Create a reservation, on `comandos-reserva`.
    ComandoCrearReserva = Sobre<ComandoCrearReservaPayload>,
    "comandos-reserva"
);

impl From<&Aeropuerto> for AeropuertoAvro {
    fn from(aeropuerto: &Aeropuerto) -> Self {
        Self {
            codigo: Some(aeropuerto.codigo().to_string()),
            nombre: Some(aeropuerto.nombre().to_owned()),
        }
    }
}

impl From<&Leg> for LegAvro {
    fn from(leg: &Leg) -> Self {
        Self {
            fecha_salida: Some(milisegundos(leg.fecha_salida())),
            fecha_llegada: Some(milisegundos(leg.fecha_llegada())),
            origen: Some(leg.origen().into()),
            destino: Some(leg.destino().into()),
        }
    }
}

impl From<&Segmento> for SegmentoAvro {
    fn from(segmento: &Segmento) -> Self {
        Self {
            legs: Some(segmento.legs().iter().map(LegAvro::from).collect()),
        }
    }
}

impl From<&Odo> for OdoAvro {
    fn from(odo: &Odo) -> Self {
        Self {
            segmentos: Some(odo.segmentos().iter().map(SegmentoAvro::from).collect()),
        }
    }
}

impl From<&Itinerario> for ItinerarioAvro {
    fn from(itinerario: &Itinerario) -> Self {
        Self {
            odos: Some(itinerario.odos().iter().map(OdoAvro::from).collect()),
        }
    }
}

/// Maps every element of a required list, naming each by its index in the path.
fn lista<A, D>(
    campos: Campos,
    valor: &Option<Vec<A>>,
    ruta: &str,
    elemento: impl Fn(&A, &str) -> Result<D, ErrorConversion>,
) -> Result<Vec<D>, ErrorConversion> {
    campos
        .requerido(valor, ruta)?
        .iter()
        .enumerate()
        .map(|(i, a)| elemento(a, &format!("{ruta}[{i}]")))
        .collect()
}

impl AeropuertoAvro {
    fn a_dominio(&self, campos: Campos, ruta: &str) -> Result<Aeropuerto, ErrorConversion> {
        let codigo = campos.requerido(&self.codigo, &format!("{ruta}.codigo"))?;
        let nombre = campos.requerido(&self.nombre, &format!("{ruta}.nombre"))?;
        Aeropuerto::parse(codigo, nombre)
            .map_err(|regla| campos.invalido(&format!("{ruta}.codigo"), regla))
    }
}

impl LegAvro {
    fn a_dominio(&self, campos: Campos, ruta: &str) -> Result<Leg, ErrorConversion> {
        let aeropuerto = |valor: &Option<AeropuertoAvro>, campo: &str| {
            let ruta = format!("{ruta}.{campo}");
            campos.requerido(valor, &ruta)?.a_dominio(campos, &ruta)
        };
        Leg::new(
            campos.fecha(&self.fecha_salida, &format!("{ruta}.fecha_salida"))?,
            campos.fecha(&self.fecha_llegada, &format!("{ruta}.fecha_llegada"))?,
            aeropuerto(&self.origen, "origen")?,
            aeropuerto(&self.destino, "destino")?,
        )
        .map_err(|regla| campos.invalido(ruta, regla))
    }
}

impl ItinerarioAvro {
    fn a_dominio(&self, campos: Campos, ruta: &str) -> Result<Itinerario, ErrorConversion> {
        let ruta_odos = format!("{ruta}.odos");
        let odos = lista(campos, &self.odos, &ruta_odos, |odo, ruta| {
            let ruta_segmentos = format!("{ruta}.segmentos");
            let segmentos = lista(campos, &odo.segmentos, &ruta_segmentos, |segmento, ruta| {
                let ruta_legs = format!("{ruta}.legs");
                let legs = lista(campos, &segmento.legs, &ruta_legs, |leg, ruta| {
                    leg.a_dominio(campos, ruta)
                })?;
                Segmento::new(legs).map_err(|regla| campos.invalido(&ruta_legs, regla))
            })?;
            Odo::new(segmentos).map_err(|regla| campos.invalido(&ruta_segmentos, regla))
        })?;
        Itinerario::new(odos).map_err(|regla| campos.invalido(&ruta_odos, regla))
    }
}

impl ComandoIntegracion for ComandoCrearReserva {
    type Comando = CrearReserva;

    /// `time` is the command's `fecha_creacion`: when the reservation was asked for.
    fn desde_comando(comando: &CrearReserva, metadatos: &Metadatos) -> Self {
        let carga = ComandoCrearReservaPayload {
            id_reserva: Some(comando.id.to_string()),
            id_usuario: comando.id_cliente.map(|id| id.to_string()),
            fecha_creacion: Some(milisegundos(comando.fecha_creacion)),
            itinerarios: Some(
                comando
                    .itinerarios
                    .iter()
                    .map(ItinerarioAvro::from)
                    .collect(),
            ),
        };
        Self::envolver(carga, metadatos, comando.fecha_creacion)
    }

    /// Requires `id_reserva`, `fecha_creacion` and `itinerarios` (all named at once when
    /// missing, as in a message of the tutorial's schema); `id_usuario` may be null.
    /// Itineraries must keep the domain's rules; an empty list is left to the handler.
    fn a_comando(&self) -> Result<CrearReserva, ErrorConversion> {
        let campos = Campos::de::<Self>();
        let carga = self.carga()?;
        campos.todos_presentes(&[
            ("data.id_reserva", carga.id_reserva.is_none()),
            ("data.fecha_creacion", carga.fecha_creacion.is_none()),
            ("data.itinerarios", carga.itinerarios.is_none()),
        ])?;
        Ok(CrearReserva {
            id: campos.id_reserva(&carga.id_reserva, "data.id_reserva")?,
            id_cliente: campos.id_cliente(&carga.id_usuario, "data.id_usuario")?,
            fecha_creacion: campos.fecha(&carga.fecha_creacion, "data.fecha_creacion")?,
            itinerarios: lista(
                campos,
                &carga.itinerarios,
                "data.itinerarios",
                |itinerario, ruta| itinerario.a_dominio(campos, ruta),
            )?,
        })
    }
}

/// A lifecycle command record: its payload names the reservation only.
macro_rules! comando_ciclo_de_vida {
    ($(#[$doc:meta])* $registro:ident, $carga:ident, $comando:ident, $topico:literal) => {
        #[doc = concat!("The payload of `", stringify!($registro), "`.")]
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $carga {
            pub id_reserva: Option<String>,
        }

        mensaje_integracion!($(#[$doc])* $registro = Sobre<$carga>, $topico);

        impl ComandoIntegracion for $registro {
            type Comando = $comando;

            fn desde_comando(comando: &$comando, metadatos: &Metadatos) -> Self {
                let carga = $carga {
                    id_reserva: Some(comando.id.to_string()),
                };
                Self::envolver(carga, metadatos, Utc::now())
            }

            fn a_comando(&self) -> Result<$comando, ErrorConversion> {
                let id_reserva = &self.carga()?.id_reserva;
                Ok($comando {
                    id: Campos::de::<Self>().id_reserva(id_reserva, "data.id_reserva")?,
                })
            }
        }
    };
}

comando_ciclo_de_vida!(
    /// Approve a pending reservation, on `comandos-aprobar-reserva`.
    ComandoAprobarReserva,
    ComandoAprobarReservaPayload,
    AprobarReserva,
    "comandos-aprobar-reserva"
);
comando_ciclo_de_vida!(
    /// Cancel a pending or approved reservation, on `comandos-cancelar-reserva`.
    ComandoCancelarReserva,
    ComandoCancelarReservaPayload,
    CancelarReserva,
    "comandos-cancelar-reserva"
);
comando_ciclo_de_vida!(
    /// Pay an approved reservation, on `comandos-pagar-reserva`.
    ComandoPagarReserva,
    ComandoPagarReservaPayload,
    PagarReserva,
    "comandos-pagar-reserva"
);
