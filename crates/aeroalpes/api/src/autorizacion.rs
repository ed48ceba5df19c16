//! Who may do what: the authorization policy of every route, as the README's table
//! writes it. Each rule takes the request's [`Portador`] and answers 401 (credentials
//! needed) or 403 (these credentials may not), with the reason.
//!
//! - A reservation of a client is read and changed only by that client or by staff. An
//!   anonymous reservation (booked without a client, as the tutorial's clients do) is read
//!   and changed by whoever holds its id: the id, an unguessable UUID v4 returned only to
//!   whoever booked it, is the capability.
//! - Booking in a client's name needs that client's token (or staff's).
//! - Listing reservations, listing users and another user's data are staff-only.

use vuelos_dominio::IdCliente;

use crate::autenticacion::{sin_credenciales, Portador};
use crate::errores::ErrorApi;

impl Portador {
    /// Staff only: 401 without credentials, 403 for a client.
    pub fn exigir_personal(&self) -> Result<(), ErrorApi> {
        match self.0 {
            None => Err(sin_credenciales()),
            Some(_) if self.es_personal() => Ok(()),
            Some(_) => Err(ErrorApi::Prohibido("solo para el personal".to_owned())),
        }
    }

    /// Credentials of any kind: a route that needs them refuses an anonymous request with
    /// 401 before it looks at anything else the request sends.
    pub fn exigir_credenciales(&self) -> Result<(), ErrorApi> {
        self.0.map(|_| ()).ok_or_else(sin_credenciales)
    }

    /// The user `id` itself, or staff.
    pub fn exigir_usuario(&self, id: uuid::Uuid) -> Result<(), ErrorApi> {
        match (self.0, self.usuario()) {
            (None, _) => Err(sin_credenciales()),
            _ if self.es_personal() => Ok(()),
            (_, Some(usuario)) if usuario.uuid() == id => Ok(()),
            _ => Err(ErrorApi::Prohibido(
                "el token no es de este usuario".to_owned(),
            )),
        }
    }

    /// May read or change a reservation whose client is `dueno` (`None`: anonymous).
    pub fn exigir_reserva(&self, dueno: Option<&str>) -> Result<(), ErrorApi> {
        let Some(dueno) = dueno else {
            return Ok(());
        };
        match (self.0, self.usuario()) {
            (None, _) => Err(sin_credenciales()),
            _ if self.es_personal() => Ok(()),
            (_, Some(usuario)) if usuario.uuid().to_string() == dueno => Ok(()),
            _ => Err(ErrorApi::Prohibido(
                "la reserva es de otro cliente".to_owned(),
            )),
        }
    }

    /// The client a new reservation is booked for: the user of a client's token (a
    /// different `id_cliente` is 403), the body's `id_cliente` for staff, none for an
    /// anonymous request, which cannot book in a client's name (401).
    pub fn cliente_de_reserva(
        &self,
        id_cliente: Option<&str>,
    ) -> Result<Option<IdCliente>, ErrorApi> {
        let del_cuerpo = id_cliente.map(IdCliente::parse).transpose()?;
        if self.es_personal() {
            return Ok(del_cuerpo);
        }
        let Some(usuario) = self.usuario() else {
            return match del_cuerpo {
                Some(_) => Err(ErrorApi::NoAutenticado(
                    "reservar a nombre de un cliente requiere su token".to_owned(),
                )),
                None => Ok(None),
            };
        };
        let del_token = IdCliente::from(usuario.uuid());
        match del_cuerpo {
            Some(otro) if otro != del_token => Err(ErrorApi::Prohibido(
                "id_cliente no es el usuario del token".to_owned(),
            )),
            _ => Ok(Some(del_token)),
        }
    }
}

#[cfg(test)]
mod tests {
    use clientes_dominio::IdUsuario;

    use super::*;
    use crate::autenticacion::Principal;

    fn cliente(id: IdUsuario) -> Portador {
        Portador(Some(Principal::Cliente(id)))
    }

    const ANONIMO: Portador = Portador(None);

    #[test]
    fn staff_and_the_service_pass_every_rule() {
        let dueno = uuid::Uuid::new_v4().to_string();
        for portador in [
            Portador(Some(Principal::Personal(IdUsuario::nuevo()))),
            Portador(Some(Principal::Servicio)),
        ] {
            assert!(portador.exigir_personal().is_ok());
            assert!(portador.exigir_usuario(uuid::Uuid::new_v4()).is_ok());
            assert!(portador.exigir_reserva(Some(&dueno)).is_ok());
            assert_eq!(
                portador.cliente_de_reserva(Some(&dueno)).unwrap(),
                Some(IdCliente::parse(&dueno).unwrap())
            );
        }
    }

    #[test]
    fn a_client_reaches_its_own_user_and_reservations_only() {
        let (yo, otro) = (IdUsuario::nuevo(), IdUsuario::nuevo());
        let portador = cliente(yo);
        assert!(matches!(
            portador.exigir_personal(),
            Err(ErrorApi::Prohibido(_))
        ));
        assert!(portador.exigir_usuario(yo.uuid()).is_ok());
        assert!(matches!(
            portador.exigir_usuario(otro.uuid()),
            Err(ErrorApi::Prohibido(_))
        ));
        assert!(portador.exigir_reserva(Some(&yo.to_string())).is_ok());
        assert!(portador.exigir_reserva(None).is_ok());
        assert!(matches!(
            portador.exigir_reserva(Some(&otro.to_string())),
            Err(ErrorApi::Prohibido(_))
        ));
    }

    #[test]
    fn anonymous_requests_reach_anonymous_reservations_and_nothing_else() {
        assert!(ANONIMO.exigir_reserva(None).is_ok());
        let dueno = uuid::Uuid::new_v4().to_string();
        assert!(matches!(
            ANONIMO.exigir_reserva(Some(&dueno)),
            Err(ErrorApi::NoAutenticado(_))
        ));
        assert!(matches!(
            ANONIMO.exigir_personal(),
            Err(ErrorApi::NoAutenticado(_))
        ));
        assert!(matches!(
            ANONIMO.exigir_usuario(uuid::Uuid::new_v4()),
            Err(ErrorApi::NoAutenticado(_))
        ));
    }

    #[test]
    fn booking_in_a_clients_name_needs_its_token() {
        let usuario = IdUsuario::nuevo();
        let suyo = Some(IdCliente::from(usuario.uuid()));
        assert_eq!(ANONIMO.cliente_de_reserva(None).unwrap(), None);
        assert!(matches!(
            ANONIMO.cliente_de_reserva(Some(&usuario.to_string())),
            Err(ErrorApi::NoAutenticado(_))
        ));
        assert_eq!(cliente(usuario).cliente_de_reserva(None).unwrap(), suyo);
        assert_eq!(
            cliente(usuario)
                .cliente_de_reserva(Some(&usuario.to_string()))
                .unwrap(),
            suyo
        );
        let otro = uuid::Uuid::new_v4().to_string();
        assert!(matches!(
            cliente(usuario).cliente_de_reserva(Some(&otro)),
            Err(ErrorApi::Prohibido(_))
        ));
        assert!(matches!(
            cliente(usuario).cliente_de_reserva(Some("cliente-7")),
            Err(ErrorApi::SolicitudInvalida {
                regla: Some("IdClienteValido"),
                ..
            })
        ));
    }
}
