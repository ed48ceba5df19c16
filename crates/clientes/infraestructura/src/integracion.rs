//! The integration adapter of clientes: its domain events as the records of its published
//! contract (`clientes-contrato`), written to the outbox inside the transaction that raised
//! them (an event leaves if and only if its change commits).

use chrono::{DateTime, Utc};
use clientes_contrato::{
    CiudadAvro, DocumentoAvro, PaisAvro, UsuarioDesactivadoPayload, UsuarioRegistradoPayload,
};
use clientes_dominio::{Ciudad, Cliente, UsuarioDesactivado, UsuarioRegistrado};
use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_contrato::{campos::milisegundos, Sobre};
use seedwork_dominio::{ErrorPersistencia, EventoDominio};
use seedwork_persistencia::outbox::{metadatos_de_evento, saliente};
use seedwork_persistencia::{ManejadoresEventos, TransaccionDiesel};

fn ciudad(ciudad: &Ciudad) -> CiudadAvro {
    CiudadAvro {
        codigo: Some(ciudad.codigo().to_owned()),
        nombre: Some(ciudad.nombre().to_owned()),
        pais: Some(PaisAvro {
            codigo: Some(ciudad.pais().codigo().to_owned()),
            nombre: Some(ciudad.pais().nombre().to_owned()),
        }),
    }
}

fn dia(fecha: chrono::NaiveDate) -> Option<String> {
    Some(fecha.format("%Y-%m-%d").to_string())
}

/// The record of a registration: the whole user but its password.
pub fn registro_de_alta(evento: &UsuarioRegistrado) -> UsuarioRegistradoPayload {
    let (numero, lugar, fecha_nacimiento, fecha_constitucion) = match &evento.cliente {
        Cliente::Natural(natural) => (
            natural.cedula().numero().valor(),
            natural.cedula().ciudad(),
            dia(natural.fecha_nacimiento()),
            None,
        ),
        Cliente::Empresa(empresa) => (
            empresa.rut().numero().valor(),
            empresa.rut().ciudad(),
            None,
            dia(empresa.fecha_constitucion()),
        ),
    };
    UsuarioRegistradoPayload {
        id_usuario: Some(evento.id_usuario.to_string()),
        email: Some(evento.email.to_string()),
        nombres: Some(evento.nombre.nombres().to_owned()),
        apellidos: Some(evento.nombre.apellidos().to_owned()),
        tipo: Some(evento.tipo.as_str().to_owned()),
        documento: Some(DocumentoAvro {
            // Document numbers are at most ten digits (`NumeroDocumento`): they fit.
            numero: i64::try_from(numero).ok(),
            ciudad: Some(ciudad(lugar)),
        }),
        fecha_nacimiento,
        fecha_constitucion,
        fecha_creacion: Some(milisegundos(evento.fecha_evento)),
    }
}

fn al_outbox<P: seedwork_contrato::CargaIntegracion>(
    id_evento: uuid::Uuid,
    fecha: DateTime<Utc>,
    carga: P,
    tx: &mut TransaccionDiesel,
) -> Result<(), ErrorUnidadTrabajo> {
    let metadatos = metadatos_de_evento(id_evento, tx.mensaje_en_curso());
    let registro = Sobre::envolver(carga, &metadatos, fecha);
    let mensaje = saliente(&registro, &metadatos).map_err(ErrorPersistencia::inesperado)?;
    Ok(tx.agregar_al_outbox(&mensaje)?)
}

/// Subscribes the handlers that write clientes' integration events to the outbox.
pub fn registrar_manejadores(manejadores: &mut ManejadoresEventos) {
    manejadores.suscribir(|evento: &UsuarioRegistrado, tx: &mut TransaccionDiesel| {
        al_outbox::<UsuarioRegistradoPayload>(
            evento.id_evento(),
            evento.fecha_evento,
            registro_de_alta(evento),
            tx,
        )
    });
    manejadores.suscribir(|evento: &UsuarioDesactivado, tx: &mut TransaccionDiesel| {
        al_outbox::<UsuarioDesactivadoPayload>(
            evento.id_evento(),
            evento.fecha_evento,
            UsuarioDesactivadoPayload {
                id_usuario: Some(evento.id_usuario.to_string()),
                fecha: Some(milisegundos(evento.fecha_evento)),
            },
            tx,
        )
    });
}
