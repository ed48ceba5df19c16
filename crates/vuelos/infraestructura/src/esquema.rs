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
