//! The `Usuario` aggregate: a registered client, its state and the reservations it holds.

use chrono::{DateTime, Utc};
use seedwork_dominio::{
    validar, AgregacionRaiz, Entidad, EventoDominio, EventosPendientes, ReglaIncumplida,
};
use uuid::Uuid;

use crate::cliente::Cliente;
use crate::email::Email;
use crate::errores::ErrorRegistro;
use crate::eventos::{ReservaAgregadaAUsuario, UsuarioDesactivado, UsuarioRegistrado};
use crate::ids::{IdReservaCliente, IdUsuario};
use crate::nombre::Nombre;
use crate::password::HashPassword;
use crate::reglas::{EmailUnico, UsuarioActivo};
use crate::repositorio::RepositorioUsuarios;

/// Whether a user may still authenticate and take on reservations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EstadoUsuario {
    Activo,
    Desactivado,
}

impl EstadoUsuario {
    /// The stable lower-case name used in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Activo => "activo",
            Self::Desactivado => "desactivado",
        }
    }
}

/// What it takes to register a user; every field is already a valid value.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistroUsuario {
    pub id: IdUsuario,
    pub nombre: Nombre,
    pub email: Email,
    pub hash_password: HashPassword,
    pub cliente: Cliente,
}

/// The whole state of a stored user, as a repository reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct DatosUsuario {
    pub id: IdUsuario,
    pub nombre: Nombre,
    pub email: Email,
    pub hash_password: HashPassword,
    pub cliente: Cliente,
    pub estado: EstadoUsuario,
    pub reservas: Vec<IdReservaCliente>,
    pub fecha_creacion: DateTime<Utc>,
    pub fecha_actualizacion: DateTime<Utc>,
}

/// A registered client of AeroAlpes, natural person or company.
///
/// Invariants: the e-mail is unique among users (checked at registration through the
/// repository), the reservation list holds no duplicates and only grows while the user is
/// active, and a deactivated user stays deactivated.
#[derive(Debug, Clone, PartialEq)]
pub struct Usuario {
    id: IdUsuario,
    nombre: Nombre,
    email: Email,
    hash_password: HashPassword,
    cliente: Cliente,
    estado: EstadoUsuario,
    reservas: Vec<IdReservaCliente>,
    fecha_creacion: DateTime<Utc>,
    fecha_actualizacion: DateTime<Utc>,
    eventos: EventosPendientes,
}

impl Usuario {
    /// Registers a new, active user with no reservations, raising `UsuarioRegistrado`.
    ///
    /// Fails with [`ErrorRegistro::EmailDuplicado`] (rule `EmailUnico`) when the
    /// repository already knows the e-mail. The caller still has to `agregar` the user,
    /// which hands the event to the unit of work.
    pub fn registrar<R: RepositorioUsuarios + ?Sized>(
        registro: RegistroUsuario,
        repositorio: &mut R,
        ahora: DateTime<Utc>,
    ) -> Result<Self, ErrorRegistro> {
        let ya_registrado = repositorio.existe_email(&registro.email)?;
        validar(&EmailUnico {
            email: &registro.email,
            ya_registrado,
        })
        .map_err(ErrorRegistro::EmailDuplicado)?;

        let mut usuario = Self::reconstruir(DatosUsuario {
            id: registro.id,
            nombre: registro.nombre,
            email: registro.email,
            hash_password: registro.hash_password,
            cliente: registro.cliente,
            estado: EstadoUsuario::Activo,
            reservas: Vec::new(),
            fecha_creacion: ahora,
            fecha_actualizacion: ahora,
        });
        usuario.eventos.registrar(UsuarioRegistrado {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_usuario: usuario.id,
            email: usuario.email.clone(),
            tipo: usuario.cliente.tipo(),
            nombre: usuario.nombre.clone(),
            cliente: usuario.cliente.clone(),
        });
        Ok(usuario)
    }

    /// Rebuilds a stored user without raising events. Repeated reservation ids are kept
    /// once, in their first position.
    pub fn reconstruir(datos: DatosUsuario) -> Self {
        let mut vistas = std::collections::HashSet::with_capacity(datos.reservas.len());
        let reservas: Vec<IdReservaCliente> = datos
            .reservas
            .into_iter()
            .filter(|reserva| vistas.insert(*reserva))
            .collect();
        Self {
            id: datos.id,
            nombre: datos.nombre,
            email: datos.email,
            hash_password: datos.hash_password,
            cliente: datos.cliente,
            estado: datos.estado,
            reservas,
            fecha_creacion: datos.fecha_creacion,
            fecha_actualizacion: datos.fecha_actualizacion,
            eventos: EventosPendientes::default(),
        }
    }

    /// Deactivates the user, raising `UsuarioDesactivado`. Deactivating a deactivated user
    /// changes nothing; the answer says whether anything changed.
    pub fn desactivar(&mut self, ahora: DateTime<Utc>) -> bool {
        if self.estado == EstadoUsuario::Desactivado {
            return false;
        }
        self.estado = EstadoUsuario::Desactivado;
        self.fecha_actualizacion = ahora;
        self.eventos.registrar(UsuarioDesactivado {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_usuario: self.id,
        });
        true
    }

    /// Adds a reservation, raising `ReservaAgregadaAUsuario`; the answer says whether
    /// anything changed.
    ///
    /// Fails with the rule `UsuarioActivo` when the user is deactivated. Adding a
    /// reservation the user already holds changes nothing, so redelivered events are
    /// harmless.
    pub fn agregar_reserva(
        &mut self,
        id_reserva: IdReservaCliente,
        ahora: DateTime<Utc>,
    ) -> Result<bool, ReglaIncumplida> {
        validar(&UsuarioActivo {
            id: self.id,
            activo: self.esta_activo(),
        })?;
        if self.reservas.contains(&id_reserva) {
            return Ok(false);
        }
        self.reservas.push(id_reserva);
        self.fecha_actualizacion = ahora;
        self.eventos.registrar(ReservaAgregadaAUsuario {
            id_evento: Uuid::now_v7(),
            fecha_evento: ahora,
            id_usuario: self.id,
            id_reserva,
        });
        Ok(true)
    }

    pub fn nombre(&self) -> &Nombre {
        &self.nombre
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn hash_password(&self) -> &HashPassword {
        &self.hash_password
    }

    pub fn cliente(&self) -> &Cliente {
        &self.cliente
    }

    pub fn estado(&self) -> EstadoUsuario {
        self.estado
    }

    pub fn esta_activo(&self) -> bool {
        self.estado == EstadoUsuario::Activo
    }

    /// The reservations held, in the order they were added.
    pub fn reservas(&self) -> &[IdReservaCliente] {
        &self.reservas
    }

    /// What the user is made of, as [`Usuario::reconstruir`] takes it back.
    pub fn datos(&self) -> DatosUsuario {
        DatosUsuario {
            id: self.id,
            nombre: self.nombre.clone(),
            email: self.email.clone(),
            hash_password: self.hash_password.clone(),
            cliente: self.cliente.clone(),
            estado: self.estado,
            reservas: self.reservas.clone(),
            fecha_creacion: self.fecha_creacion,
            fecha_actualizacion: self.fecha_actualizacion,
        }
    }
}

impl Entidad for Usuario {
    type Id = IdUsuario;

    fn id(&self) -> IdUsuario {
        self.id
    }

    fn fecha_creacion(&self) -> DateTime<Utc> {
        self.fecha_creacion
    }

    fn fecha_actualizacion(&self) -> DateTime<Utc> {
        self.fecha_actualizacion
    }
}

impl AgregacionRaiz for Usuario {
    fn tomar_eventos(&mut self) -> Vec<Box<dyn EventoDominio>> {
        self.eventos.tomar()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use seedwork_dominio::ErrorPersistencia;

    use super::*;
    use crate::ciudad::Ciudad;
    use crate::cliente::{ClienteNatural, TipoCliente};
    use crate::documento::{Documento, NumeroDocumento};
    use crate::pais::Pais;
    use crate::repositorio::AccesoUsuario;

    /// Answers `existe_email` from a fixed list; the other methods are not used here.
    struct EmailsRegistrados(Vec<Email>);

    impl RepositorioUsuarios for EmailsRegistrados {
        fn obtener_por_id(&mut self, _: IdUsuario) -> Result<Option<Usuario>, ErrorPersistencia> {
            Ok(None)
        }
        fn obtener_por_email(&mut self, _: &Email) -> Result<Option<Usuario>, ErrorPersistencia> {
            Ok(None)
        }
        fn existe_email(&mut self, email: &Email) -> Result<bool, ErrorPersistencia> {
            Ok(self.0.contains(email))
        }
        fn obtener_para_agregar(
            &mut self,
            _: IdUsuario,
        ) -> Result<Option<Usuario>, ErrorPersistencia> {
            Ok(None)
        }
        fn tiene_reserva(
            &mut self,
            _: IdUsuario,
            _: IdReservaCliente,
        ) -> Result<bool, ErrorPersistencia> {
            Ok(false)
        }
        fn acceso(&mut self, _: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia> {
            Ok(None)
        }
        fn obtener_todos(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
            Ok(Vec::new())
        }
        fn obtener_desactivados(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
            Ok(Vec::new())
        }
        fn agregar(&mut self, _: &mut Usuario) -> Result<(), ErrorPersistencia> {
            Ok(())
        }
        fn actualizar(&mut self, _: &mut Usuario) -> Result<(), ErrorPersistencia> {
            Ok(())
        }
    }

    /// A repository that cannot be reached.
    struct Caido;

    impl RepositorioUsuarios for Caido {
        fn obtener_por_id(&mut self, _: IdUsuario) -> Result<Option<Usuario>, ErrorPersistencia> {
            Err(caida())
        }
        fn obtener_por_email(&mut self, _: &Email) -> Result<Option<Usuario>, ErrorPersistencia> {
            Err(caida())
        }
        fn existe_email(&mut self, _: &Email) -> Result<bool, ErrorPersistencia> {
            Err(caida())
        }
        fn obtener_para_agregar(
            &mut self,
            _: IdUsuario,
        ) -> Result<Option<Usuario>, ErrorPersistencia> {
            Err(caida())
        }
        fn tiene_reserva(
            &mut self,
            _: IdUsuario,
            _: IdReservaCliente,
        ) -> Result<bool, ErrorPersistencia> {
            Err(caida())
        }
        fn acceso(&mut self, _: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia> {
            Err(caida())
        }
        fn obtener_todos(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
            Err(caida())
        }
        fn obtener_desactivados(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
            Err(caida())
        }
        fn agregar(&mut self, _: &mut Usuario) -> Result<(), ErrorPersistencia> {
            Err(caida())
        }
        fn actualizar(&mut self, _: &mut Usuario) -> Result<(), ErrorPersistencia> {
            Err(caida())
        }
    }

    fn caida() -> ErrorPersistencia {
        ErrorPersistencia::no_disponible("sin conexión")
    }

    fn ahora() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 10, 0, 0).unwrap()
    }

    fn despues() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 16, 9, 30, 0).unwrap()
    }

    fn registro(email: &str) -> RegistroUsuario {
        let pais = Pais::new("CO", "Colombia").unwrap();
        let cedula = Documento::new(
            NumeroDocumento::new(1_020_304_050).unwrap(),
            Ciudad::new("BOG", "Bogotá", pais).unwrap(),
        );
        let nacimiento = NaiveDate::from_ymd_opt(1990, 5, 1).unwrap();
        RegistroUsuario {
            id: IdUsuario::nuevo(),
            nombre: Nombre::new("Ana", "Pérez").unwrap(),
            email: Email::parse(email).unwrap(),
            hash_password: HashPassword::new("$argon2id$hash").unwrap(),
            cliente: Cliente::Natural(
                ClienteNatural::new(cedula, nacimiento, ahora().date_naive()).unwrap(),
            ),
        }
    }

    fn usuario_registrado() -> Usuario {
        let mut usuario = Usuario::registrar(
            registro("ana@gmail.com"),
            &mut EmailsRegistrados(vec![]),
            ahora(),
        )
        .unwrap();
        usuario.tomar_eventos();
        usuario
    }

    fn nombres_de(eventos: &[Box<dyn EventoDominio>]) -> Vec<&'static str> {
        eventos.iter().map(|e| e.nombre()).collect()
    }

    #[test]
    fn registering_with_a_new_email_gives_an_active_user_with_no_reservations() {
        // given
        let registro = registro("ana@gmail.com");
        let id = registro.id;
        // when
        let mut usuario =
            Usuario::registrar(registro, &mut EmailsRegistrados(vec![]), ahora()).unwrap();
        // then
        assert_eq!(usuario.id(), id);
        assert!(usuario.esta_activo());
        assert!(usuario.reservas().is_empty());
        assert_eq!(usuario.fecha_creacion(), ahora());
        assert_eq!(usuario.fecha_actualizacion(), ahora());
        let eventos = usuario.tomar_eventos();
        assert_eq!(nombres_de(&eventos), ["UsuarioRegistrado"]);
        let registrado = eventos[0]
            .como_any()
            .downcast_ref::<UsuarioRegistrado>()
            .unwrap();
        assert_eq!(registrado.id_usuario, id);
        assert_eq!(registrado.email.as_str(), "ana@gmail.com");
        assert_eq!(registrado.tipo, TipoCliente::Natural);
        assert!(usuario.tomar_eventos().is_empty());
    }

    #[test]
    fn registering_with_a_taken_email_breaks_email_unico() {
        // given
        let mut repositorio = EmailsRegistrados(vec![Email::parse("ana@gmail.com").unwrap()]);
        // when
        let error =
            Usuario::registrar(registro("ANA@gmail.com"), &mut repositorio, ahora()).unwrap_err();
        // then
        assert!(
            matches!(error, ErrorRegistro::EmailDuplicado(regla) if regla.regla == "EmailUnico")
        );
    }

    #[test]
    fn registering_while_the_store_is_down_reports_the_store_error() {
        let error = Usuario::registrar(registro("ana@gmail.com"), &mut Caido, ahora()).unwrap_err();
        assert!(matches!(
            error,
            ErrorRegistro::Persistencia(ErrorPersistencia::NoDisponible(_))
        ));
    }

    #[test]
    fn deactivating_an_active_user_raises_usuario_desactivado() {
        // given
        let mut usuario = usuario_registrado();
        // when
        let cambio = usuario.desactivar(despues());
        // then
        assert!(cambio);
        assert_eq!(usuario.estado(), EstadoUsuario::Desactivado);
        assert_eq!(usuario.fecha_actualizacion(), despues());
        assert_eq!(nombres_de(&usuario.tomar_eventos()), ["UsuarioDesactivado"]);
    }

    #[test]
    fn deactivating_a_deactivated_user_changes_nothing() {
        // given
        let mut usuario = usuario_registrado();
        usuario.desactivar(ahora());
        usuario.tomar_eventos();
        // when
        let cambio = usuario.desactivar(despues());
        // then
        assert!(!cambio);
        assert_eq!(usuario.fecha_actualizacion(), ahora());
        assert!(usuario.tomar_eventos().is_empty());
    }

    #[test]
    fn adding_a_reservation_to_an_active_user_raises_reserva_agregada() {
        // given
        let mut usuario = usuario_registrado();
        let reserva = IdReservaCliente::nuevo();
        // when
        let cambio = usuario.agregar_reserva(reserva, despues()).unwrap();
        // then
        assert!(cambio);
        assert_eq!(usuario.reservas(), [reserva]);
        assert_eq!(usuario.fecha_actualizacion(), despues());
        let eventos = usuario.tomar_eventos();
        let agregada = eventos[0]
            .como_any()
            .downcast_ref::<ReservaAgregadaAUsuario>()
            .unwrap();
        assert_eq!(
            (agregada.id_usuario, agregada.id_reserva),
            (usuario.id(), reserva)
        );
    }

    #[test]
    fn adding_the_same_reservation_twice_is_a_no_op() {
        // given
        let mut usuario = usuario_registrado();
        let reserva = IdReservaCliente::nuevo();
        usuario.agregar_reserva(reserva, ahora()).unwrap();
        usuario.tomar_eventos();
        // when
        let cambio = usuario.agregar_reserva(reserva, despues()).unwrap();
        // then
        assert!(!cambio);
        assert_eq!(usuario.reservas(), [reserva]);
        assert_eq!(usuario.fecha_actualizacion(), ahora());
        assert!(usuario.tomar_eventos().is_empty());
    }

    #[test]
    fn a_deactivated_user_cannot_take_on_a_reservation() {
        // given
        let mut usuario = usuario_registrado();
        usuario.desactivar(ahora());
        usuario.tomar_eventos();
        // when
        let error = usuario
            .agregar_reserva(IdReservaCliente::nuevo(), despues())
            .unwrap_err();
        // then
        assert_eq!(error.regla, "UsuarioActivo");
        assert!(usuario.reservas().is_empty());
        assert!(usuario.tomar_eventos().is_empty());
    }

    #[test]
    fn reservations_keep_the_order_they_were_added_in() {
        let mut usuario = usuario_registrado();
        let (primera, segunda) = (IdReservaCliente::nuevo(), IdReservaCliente::nuevo());
        usuario.agregar_reserva(primera, ahora()).unwrap();
        usuario.agregar_reserva(segunda, ahora()).unwrap();
        assert_eq!(usuario.reservas(), [primera, segunda]);
    }

    #[test]
    fn a_rebuilt_user_equals_the_saved_one_and_raises_nothing() {
        // given
        let mut guardado = usuario_registrado();
        guardado
            .agregar_reserva(IdReservaCliente::nuevo(), despues())
            .unwrap();
        // when
        let mut reconstruido = Usuario::reconstruir(guardado.datos());
        // then
        assert_eq!(reconstruido, guardado);
        assert!(reconstruido.tomar_eventos().is_empty());
    }

    #[test]
    fn rebuilding_keeps_each_reservation_once() {
        let usuario = usuario_registrado();
        let reserva = IdReservaCliente::nuevo();
        let reconstruido = Usuario::reconstruir(DatosUsuario {
            id: usuario.id(),
            nombre: usuario.nombre().clone(),
            email: usuario.email().clone(),
            hash_password: usuario.hash_password().clone(),
            cliente: usuario.cliente().clone(),
            estado: usuario.estado(),
            reservas: vec![reserva, reserva],
            fecha_creacion: usuario.fecha_creacion(),
            fecha_actualizacion: usuario.fecha_actualizacion(),
        });
        assert_eq!(reconstruido.reservas(), [reserva]);
    }
}
