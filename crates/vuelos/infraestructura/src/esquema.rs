//! The diesel schema of the vuelos tables.

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
