//! The adaptador's client, like the tutorial's `cliente.py`: reads a request file in the
//! tutorial's JSON shape, sends `CrearReserva`, then `ConsultarReserva` with the id it got,
//! and prints both answers.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use adaptador::proto::vuelos_client::VuelosClient;
use adaptador::proto::{QueryReserva, Reserva};
use adaptador::traduccion::itinerarios_de_dto;
use anyhow::Context;
use clap::Parser;
use vuelos_aplicacion::dto::SolicitudReservaDTO;

/// Creates a reservation through the gRPC adaptador and reads it back.
#[derive(Debug, Parser)]
struct Argumentos {
    /// The request: `{"itinerarios": [...]}` as in the tutorial's `crear_reserva.json`.
    archivo: PathBuf,
    /// The adaptador's address.
    #[arg(
        long,
        env = "ADAPTADOR_ADDRESS",
        default_value = "http://localhost:50051"
    )]
    direccion: String,
    /// Set every leg's arrival to now, as the tutorial's client does (the departures of
    /// its file are in the past, so the leg still lands after it leaves).
    #[arg(long)]
    llegada_ahora: bool,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    tiempo_espera: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let argumentos = Argumentos::parse();
    let texto = std::fs::read_to_string(&argumentos.archivo)
        .with_context(|| format!("reading {}", argumentos.archivo.display()))?;
    let solicitud: SolicitudReservaDTO = serde_json::from_str(&texto).with_context(|| {
        format!(
            "{} is not a reservation request",
            argumentos.archivo.display()
        )
    })?;
    let mut itinerarios = itinerarios_de_dto(solicitud.itinerarios)?;
    if argumentos.llegada_ahora {
        let ahora = prost_types::Timestamp::from(std::time::SystemTime::now());
        for itinerario in &mut itinerarios {
            for odo in &mut itinerario.odos {
                for segmento in &mut odo.segmentos {
                    for leg in &mut segmento.legs {
                        leg.fecha_llegada = Some(ahora);
                    }
                }
            }
        }
    }
    let canal = tonic::transport::Endpoint::from_shared(argumentos.direccion.clone())
        .with_context(|| format!("{} is not a valid address", argumentos.direccion))?
        .connect_timeout(Duration::from_secs(argumentos.tiempo_espera))
        .timeout(Duration::from_secs(argumentos.tiempo_espera))
        .connect()
        .await
        .with_context(|| format!("connecting to {}", argumentos.direccion))?;
    let mut cliente = VuelosClient::new(canal);

    let creada = cliente
        .crear_reserva(Reserva {
            id: None,
            fecha_creacion: None,
            fecha_actualizacion: None,
            itinerarios,
        })
        .await
        .context("CrearReserva")?
        .into_inner();
    println!("CrearReserva: {creada:#?}");
    let id = creada
        .reserva
        .and_then(|reserva| reserva.id)
        .context("CrearReserva answered no reservation id")?;

    let consultada = cliente
        .consultar_reserva(QueryReserva { id })
        .await
        .context("ConsultarReserva")?
        .into_inner();
    println!("ConsultarReserva: {consultada:#?}");
    Ok(())
}
