//! The vuelos tables (reservas, solicitudes, ultimas_solicitudes): their diesel schema, and the migrations that
//! create them (`migrations/{sqlite,postgres}` in this crate).

use diesel_migrations::embed_migrations;
use seedwork_persistencia::Migraciones;

/// The migrations of the vuelos tables, for the composition root to hand to
/// `BaseDatos::conectar` with the seedwork's.
pub const MIGRACIONES: Migraciones = Migraciones::new(
    "vuelos",
    embed_migrations!("migrations/sqlite"),
    embed_migrations!("migrations/postgres"),
);

diesel::table! {
    reservas (id) {
        id -> Text,
        id_cliente -> Nullable<Text>,
        estado -> Text,
        itinerarios -> Text,
        fecha_creacion -> Timestamp,
        fecha_actualizacion -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    solicitudes (id_reserva) {
        id_reserva -> Text,
        estado -> Text,
        razon -> Nullable<Text>,
        fecha_creacion -> Timestamp,
        fecha_actualizacion -> Timestamp,
    }
}

diesel::table! {
    ultimas_solicitudes (id_reserva) {
        id_reserva -> Text,
        accion -> Text,
        estado -> Text,
        razon -> Nullable<Text>,
        fecha_actualizacion -> Timestamp,
    }
}

// The sweep of answered requests asks which ones have their reservation.
diesel::allow_tables_to_appear_in_same_query!(reservas, solicitudes);
