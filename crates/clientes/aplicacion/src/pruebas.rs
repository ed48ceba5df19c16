//! In-memory fakes of the ports and fixtures, for the unit tests of the handlers (and only
//! for them: adapters are tested against real databases and the real algorithms in the
//! infrastructure crate): the seedwork's in-memory unit of work over this module's tables,
//! a repository over them, a password hasher and a token issuer.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clientes_dominio::{
    AccesoUsuario, Ciudad, Cliente, ClienteEmpresa, ClienteNatural, DatosUsuario, Documento, Email,
    EstadoUsuario, HashPassword, IdReservaCliente, IdUsuario, Nombre, NumeroDocumento, Pais,
    RepositorioUsuarios, Usuario,
};
use seedwork_aplicacion::{ErrorUnidadTrabajo, Transaccion, UnidadTrabajo};
use seedwork_dominio::{AgregacionRaiz, Entidad, ErrorPersistencia};
use seedwork_pruebas::memoria::DespachadorEnMemoria;

use crate::errores::ErrorClientes;
use crate::password::PasswordPlano;
use crate::puertos::{
    EmisorTokens, ErrorEmisionToken, ErrorHasher, ErrorToken, FabricaRepositorioUsuarios,
    HasherPasswords, TokenAcceso,
};

/// 2026-06-15T10:00:00Z, "now" in every test.
pub fn ahora() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 10, 0, 0).unwrap()
}

pub fn fecha(texto: &str) -> NaiveDate {
    texto.parse().unwrap()
}

/// The name of the rule an error reports, if it is a rule error.
pub fn regla_incumplida(error: &ErrorClientes) -> Option<&'static str> {
    match error {
        ErrorClientes::Regla(regla) => Some(regla.regla),
        _ => None,
    }
}

/// A password hasher with no cryptography: the "hash" is the password behind a marker, so
/// that tests are fast and deterministic. It can be told to fail, as a broken hashing
/// machinery would.
#[derive(Debug, Clone, Default)]
pub struct HasherFalso {
    falla: bool,
}

impl HasherFalso {
    const MARCA: &'static str = "hash-falso:";

    /// A hasher whose every call fails with [`ErrorHasher`].
    pub fn que_falla() -> Self {
        Self { falla: true }
    }

    fn fallar(&self) -> Result<(), ErrorHasher> {
        if self.falla {
            Err(ErrorHasher("el hasher de prueba falla".into()))
        } else {
            Ok(())
        }
    }
}

impl HasherPasswords for HasherFalso {
    fn hashear(&self, password: &PasswordPlano) -> Result<HashPassword, ErrorHasher> {
        self.fallar()?;
        HashPassword::new(format!("{}{}", Self::MARCA, password.as_str()))
            .map_err(|error| ErrorHasher(Box::new(error)))
    }

    /// As the port asks: `Ok(false)` on a mismatch, `Err` for a hash it did not make.
    fn verificar(
        &self,
        password: &PasswordPlano,
        hash: &HashPassword,
    ) -> Result<bool, ErrorHasher> {
        self.fallar()?;
        let guardada = hash
            .as_str()
            .strip_prefix(Self::MARCA)
            .ok_or_else(|| ErrorHasher("no es un hash del hasher de prueba".into()))?;
        Ok(guardada == password.as_str())
    }
}

/// The hasher of the tests.
pub fn hasher() -> HasherFalso {
    HasherFalso::default()
}

/// A token issuer with no signature: the token is the user's id behind a marker, and every
/// token expires at the instant it was built with.
#[derive(Debug, Clone)]
pub struct EmisorTokensFalso {
    expira: DateTime<Utc>,
}

impl EmisorTokensFalso {
    const MARCA: &'static str = "token-falso:";

    pub fn new(expira: DateTime<Utc>) -> Self {
        Self { expira }
    }
}

impl EmisorTokens for EmisorTokensFalso {
    fn emitir(&self, id_usuario: IdUsuario) -> Result<TokenAcceso, ErrorEmisionToken> {
        Ok(TokenAcceso {
            token: format!("{}{id_usuario}", Self::MARCA),
            expira: self.expira,
        })
    }

    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken> {
        token
            .strip_prefix(Self::MARCA)
            .and_then(|id| id.parse().ok())
            .ok_or(ErrorToken::Invalido)
    }
}

pub fn bogota() -> Ciudad {
    Ciudad::new("BOG", "Bogotá", Pais::new("CO", "Colombia").unwrap()).unwrap()
}

fn usuario(email: &str, cliente: Cliente, hash: HashPassword) -> Usuario {
    Usuario::reconstruir(DatosUsuario {
        id: IdUsuario::nuevo(),
        nombre: Nombre::new("Ana", "Pérez").unwrap(),
        email: Email::parse(email).unwrap(),
        hash_password: hash,
        cliente,
        estado: EstadoUsuario::Activo,
        reservas: Vec::new(),
        fecha_creacion: ahora(),
        fecha_actualizacion: ahora(),
    })
}

/// An active natural client born on 1990-05-01, with cédula 1020304050.
pub fn usuario_natural(email: &str) -> Usuario {
    let cedula = Documento::new(NumeroDocumento::new(1_020_304_050).unwrap(), bogota());
    let cliente = Cliente::Natural(ClienteNatural::reconstruir(cedula, fecha("1990-05-01")));
    usuario(
        email,
        cliente,
        HashPassword::new("$argon2id$v=19$fijo").unwrap(),
    )
}

/// An active company client constituted on 2001-03-20, with RUT 900123456.
pub fn usuario_empresa(email: &str) -> Usuario {
    let rut = Documento::new(NumeroDocumento::new(900_123_456).unwrap(), bogota());
    let cliente = Cliente::Empresa(ClienteEmpresa::reconstruir(rut, fecha("2001-03-20")));
    usuario(
        email,
        cliente,
        HashPassword::new("$argon2id$v=19$fijo").unwrap(),
    )
}

/// An active natural client whose password really is `password`.
pub fn usuario_con_password(email: &str, password: &str) -> Usuario {
    let hash = hasher().hashear(&PasswordPlano::new(password)).unwrap();
    usuario(email, usuario_natural(email).cliente().clone(), hash)
}

/// The tables of the in-memory unit of work.
#[derive(Clone, Default)]
pub struct Tablas {
    usuarios: BTreeMap<IdUsuario, Usuario>,
    /// Whether `existe_email` answers `false` whatever the users (see
    /// [`UnidadTrabajoEnMemoria::con_carrera_de_emails`]).
    emails_ocultos: bool,
    /// Users read without their reservations in the transaction.
    parciales: std::collections::BTreeSet<IdUsuario>,
    /// Reservation ids read with users (what the cost of a read grows with).
    pub reservas_leidas: usize,
}

/// `usuario` holding exactly `reservas`.
fn con_reservas(usuario: &Usuario, reservas: Vec<IdReservaCliente>) -> Usuario {
    Usuario::reconstruir(DatosUsuario {
        reservas,
        ..usuario.datos()
    })
}

pub type TransaccionEnMemoria = seedwork_pruebas::TransaccionEnMemoria<Tablas>;

type Despachador = DespachadorEnMemoria<Tablas>;

/// The seedwork's in-memory unit of work over [`Tablas`], with the arrangements of these
/// tests. Domain events queued in the transaction (by its repository, when it saves a
/// user) go, before commit, to the handlers of an optional dispatcher.
#[derive(Clone, Default)]
pub struct UnidadTrabajoEnMemoria(seedwork_pruebas::UnidadTrabajoEnMemoria<Tablas>);

impl UnidadTrabajoEnMemoria {
    pub fn que_falla_al_confirmar(error: fn() -> ErrorPersistencia) -> Self {
        Self(seedwork_pruebas::UnidadTrabajoEnMemoria::default().que_falla_al_confirmar(error))
    }

    /// A store where `existe_email` answers `false` while `agregar` still enforces unique
    /// e-mails: what a registration sees when another one with its e-mail commits between
    /// its check and its insert.
    pub fn con_carrera_de_emails() -> Self {
        Self(seedwork_pruebas::UnidadTrabajoEnMemoria::con_datos(
            Tablas {
                emails_ocultos: true,
                ..Tablas::default()
            },
        ))
    }

    pub fn con_despachador(despachador: Despachador) -> Self {
        Self(seedwork_pruebas::UnidadTrabajoEnMemoria::default().con_despachador(despachador))
    }

    /// Stores a user directly, as if committed earlier; its pending events are dropped.
    pub fn con_usuario(&self, mut usuario: Usuario) -> IdUsuario {
        usuario.tomar_eventos();
        let id = usuario.id();
        self.0.datos(|tablas| tablas.usuarios.insert(id, usuario));
        id
    }

    pub fn usuario(&self, id: IdUsuario) -> Option<Usuario> {
        self.0.datos(|tablas| tablas.usuarios.get(&id).cloned())
    }

    /// Reservation ids read with users so far (see [`Tablas::reservas_leidas`]).
    pub fn reservas_leidas(&self) -> usize {
        self.0.datos(|tablas| tablas.reservas_leidas)
    }

    pub fn cantidad(&self) -> usize {
        self.0.datos(|tablas| tablas.usuarios.len())
    }

    /// The names of the domain events dispatched by committed units of work, in order.
    pub fn eventos_despachados(&self) -> Vec<&'static str> {
        self.0.eventos_despachados()
    }
}

#[async_trait]
impl UnidadTrabajo for UnidadTrabajoEnMemoria {
    type Transaccion = TransaccionEnMemoria;

    async fn ejecutar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionEnMemoria) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        self.0.ejecutar(trabajo).await
    }
}

#[derive(Clone)]
pub struct FabricaEnMemoria;

/// The users of an open in-memory transaction; saving queues the user's events there.
pub struct RepositorioEnMemoria<'a>(&'a mut TransaccionEnMemoria);

impl FabricaRepositorioUsuarios<TransaccionEnMemoria> for FabricaEnMemoria {
    type Usuarios<'a> = RepositorioEnMemoria<'a>;

    fn usuarios<'a>(&self, tx: &'a mut TransaccionEnMemoria) -> RepositorioEnMemoria<'a> {
        RepositorioEnMemoria(tx)
    }
}

impl RepositorioEnMemoria<'_> {
    fn ordenados(&self, filtro: impl Fn(&Usuario) -> bool) -> Vec<Usuario> {
        let mut usuarios: Vec<Usuario> = self
            .0
            .datos
            .usuarios
            .values()
            .filter(|u| filtro(u))
            .cloned()
            .collect();
        usuarios.sort_by_key(|u| (u.fecha_creacion(), u.id()));
        usuarios
    }
}

impl RepositorioUsuarios for RepositorioEnMemoria<'_> {
    fn obtener_por_id(&mut self, id: IdUsuario) -> Result<Option<Usuario>, ErrorPersistencia> {
        let usuario = self.0.datos.usuarios.get(&id).cloned();
        self.0.datos.reservas_leidas += usuario.as_ref().map_or(0, |u| u.reservas().len());
        Ok(usuario)
    }

    fn obtener_para_agregar(
        &mut self,
        id: IdUsuario,
    ) -> Result<Option<Usuario>, ErrorPersistencia> {
        let Some(usuario) = self.0.datos.usuarios.get(&id) else {
            return Ok(None);
        };
        let parcial = con_reservas(usuario, Vec::new());
        self.0.datos.parciales.insert(id);
        Ok(Some(parcial))
    }

    fn tiene_reserva(
        &mut self,
        id: IdUsuario,
        reserva: IdReservaCliente,
    ) -> Result<bool, ErrorPersistencia> {
        Ok(self
            .0
            .datos
            .usuarios
            .get(&id)
            .is_some_and(|u| u.reservas().contains(&reserva)))
    }

    fn obtener_por_email(&mut self, email: &Email) -> Result<Option<Usuario>, ErrorPersistencia> {
        Ok(self
            .0
            .datos
            .usuarios
            .values()
            .find(|u| u.email() == email)
            .cloned())
    }

    fn existe_email(&mut self, email: &Email) -> Result<bool, ErrorPersistencia> {
        Ok(!self.0.datos.emails_ocultos
            && self.0.datos.usuarios.values().any(|u| u.email() == email))
    }

    fn acceso(&mut self, id: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia> {
        Ok(self.0.datos.usuarios.get(&id).map(|u| AccesoUsuario {
            email: u.email().clone(),
            activo: u.esta_activo(),
        }))
    }

    fn obtener_todos(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
        Ok(self.ordenados(|_| true))
    }

    fn obtener_desactivados(&mut self) -> Result<Vec<Usuario>, ErrorPersistencia> {
        Ok(self.ordenados(|u| !u.esta_activo()))
    }

    fn agregar(&mut self, usuario: &mut Usuario) -> Result<(), ErrorPersistencia> {
        let usuarios = &self.0.datos.usuarios;
        let duplicado = usuarios.contains_key(&usuario.id())
            || usuarios.values().any(|u| u.email() == usuario.email());
        if duplicado {
            return Err(ErrorPersistencia::Duplicado(usuario.email().to_string()));
        }
        self.0.datos.usuarios.insert(usuario.id(), usuario.clone());
        self.0.recoger_eventos(usuario);
        Ok(())
    }

    fn actualizar(&mut self, usuario: &mut Usuario) -> Result<(), ErrorPersistencia> {
        let Some(guardado) = self.0.datos.usuarios.get_mut(&usuario.id()) else {
            return Err(ErrorPersistencia::inesperado(format!(
                "no existe el usuario {}",
                usuario.id()
            )));
        };
        *guardado = if self.0.datos.parciales.contains(&usuario.id()) {
            // Read without its reservations: it holds only those added since.
            let mut todas = guardado.reservas().to_vec();
            todas.extend_from_slice(usuario.reservas());
            con_reservas(usuario, todas)
        } else {
            usuario.clone()
        };
        self.0.recoger_eventos(usuario);
        Ok(())
    }
}
