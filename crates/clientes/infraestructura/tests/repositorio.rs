//! The diesel repository of users, the clientes handlers over it and the reaction to a
//! reservation event, against real SQLite and (with TEST_DATABASE_URL) PostgreSQL databases.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clientes_aplicacion::{
    agregar_reserva, AutenticarUsuario, DatosCliente, ErrorClientes, ManejadorAutenticarUsuario,
    ManejadorRegistrarUsuario, PasswordNueva, PasswordPlano, RegistrarUsuario,
};
use clientes_dominio::{
    Ciudad, Cliente, ClienteEmpresa, ClienteNatural, DatosUsuario, Documento, Email, EstadoUsuario,
    HashPassword, IdReservaCliente, IdUsuario, Nombre, NumeroDocumento, Pais, RepositorioUsuarios,
    ReservaAgregadaAUsuario, Usuario, UsuarioDesactivado,
};
use seedwork_aplicacion::{ErrorUnidadTrabajo, ManejadorComando, UnidadTrabajo};
use seedwork_dominio::{
    evento_dominio, AgregacionRaiz, Entidad, ErrorPersistencia, EventoDominio, ReglaIncumplida,
};
use seedwork_persistencia::{
    outbox, ManejadoresEventos, MensajeSaliente, Migraciones, TransaccionDiesel,
    UnidadTrabajoDiesel,
};
use seedwork_pruebas::bases::{self, BaseDePrueba};
use uuid::Uuid;

use clientes_infraestructura::{
    EmisorTokensJwt, FabricaRepositorioUsuariosDiesel, HasherArgon2, RepositorioUsuariosDiesel,
};

/// The tables of these tests: the seedwork's (outbox, inbox) and clientes'.
const MIGRACIONES: [Migraciones; 2] = [
    seedwork_persistencia::MIGRACIONES,
    clientes_infraestructura::MIGRACIONES,
];

fn instante(minuto: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, minuto, 0).unwrap()
}

fn bogota() -> Ciudad {
    Ciudad::new(
        "BOG",
        "Bogotá D.C. – ñ",
        Pais::new("CO", "Colombia").unwrap(),
    )
    .unwrap()
}

fn fecha(texto: &str) -> NaiveDate {
    texto.parse().unwrap()
}

/// A stored-looking user of the given kind, registered at `minuto`.
fn usuario(email: &str, minuto: u32, cliente: Cliente) -> Usuario {
    Usuario::reconstruir(DatosUsuario {
        id: IdUsuario::nuevo(),
        nombre: Nombre::new("Ana María", "Pérez Gómez").unwrap(),
        email: Email::parse(email).unwrap(),
        hash_password: HashPassword::new("$argon2id$v=19$m=8,t=1,p=1$c2Fs$aGFzaA").unwrap(),
        cliente,
        estado: EstadoUsuario::Activo,
        reservas: Vec::new(),
        fecha_creacion: instante(minuto),
        fecha_actualizacion: instante(minuto),
    })
}

fn natural(email: &str, minuto: u32) -> Usuario {
    let cedula = Documento::new(NumeroDocumento::new(999_999_999_999).unwrap(), bogota());
    usuario(
        email,
        minuto,
        Cliente::Natural(ClienteNatural::reconstruir(cedula, fecha("1990-05-01"))),
    )
}

fn empresa(email: &str, minuto: u32) -> Usuario {
    let rut = Documento::new(NumeroDocumento::new(900_123_456).unwrap(), bogota());
    usuario(
        email,
        minuto,
        Cliente::Empresa(ClienteEmpresa::reconstruir(rut, fecha("2001-03-20"))),
    )
}

/// A unit of work whose transactions run `agregar_reserva` on every [`ReservaDePrueba`],
/// as the composition root wires it for the vuelos module's `ReservaCreada`.
fn uow(prueba: &BaseDePrueba) -> UnidadTrabajoDiesel {
    let mut manejadores = ManejadoresEventos::new();
    let fabrica = FabricaRepositorioUsuariosDiesel;
    manejadores.suscribir(
        move |evento: &ReservaDePrueba, tx: &mut TransaccionDiesel| {
            agregar_reserva(&fabrica, tx, evento.id_usuario, evento.id_reserva)
        },
    );
    UnidadTrabajoDiesel::new(prueba.base.clone(), Arc::new(manejadores))
}

/// Stands for another module's event that names a user and a reservation.
#[derive(Debug)]
struct ReservaDePrueba {
    id_evento: Uuid,
    fecha_evento: DateTime<Utc>,
    id_usuario: IdUsuario,
    id_reserva: IdReservaCliente,
}
evento_dominio!(ReservaDePrueba);

/// Runs repository work in one committed transaction.
async fn con_repositorio<R: Send + 'static>(
    uow: &UnidadTrabajoDiesel,
    trabajo: impl FnOnce(&mut RepositorioUsuariosDiesel) -> Result<R, ErrorPersistencia>
        + Send
        + 'static,
) -> Result<R, ErrorPersistencia> {
    uow.ejecutar(move |tx| {
        trabajo(&mut RepositorioUsuariosDiesel::new(tx)).map_err(ErrorUnidadTrabajo::from)
    })
    .await
    .map_err(|e| match e {
        ErrorUnidadTrabajo::Persistencia(p) => p,
        otro => ErrorPersistencia::inesperado(otro),
    })
}

async fn guardado(uow: &UnidadTrabajoDiesel, usuario: &Usuario) {
    let mut copia = usuario.clone();
    con_repositorio(uow, move |repo| repo.agregar(&mut copia))
        .await
        .unwrap();
}

async fn leido(uow: &UnidadTrabajoDiesel, id: IdUsuario) -> Option<Usuario> {
    con_repositorio(uow, move |repo| repo.obtener_por_id(id))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stored_user_reads_back_equal_by_id_and_by_email() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        for mut original in [natural("ana@gmail.com", 0), empresa("ventas@acme.co", 1)] {
            original
                .agregar_reserva(IdReservaCliente::nuevo(), instante(2))
                .unwrap();
            original
                .agregar_reserva(IdReservaCliente::nuevo(), instante(3))
                .unwrap();
            guardado(&uow, &original).await;

            assert_eq!(
                leido(&uow, original.id()).await.as_ref(),
                Some(&original),
                "on {}",
                prueba.nombre
            );
            let email = original.email().clone();
            let por_email = con_repositorio(&uow, move |repo| repo.obtener_por_email(&email))
                .await
                .unwrap();
            assert_eq!(por_email, Some(original), "on {}", prueba.nombre);
        }
    }
}

#[tokio::test]
async fn an_unknown_id_or_email_reads_as_absent() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        guardado(&uow, &natural("ana@gmail.com", 0)).await;
        assert_eq!(leido(&uow, IdUsuario::nuevo()).await, None);
        let (por_email, existe, existe_otro) = con_repositorio(&uow, |repo| {
            let otro = Email::parse("otra@gmail.com").unwrap();
            Ok((
                repo.obtener_por_email(&otro)?,
                repo.existe_email(&Email::parse("ANA@gmail.com").unwrap())?,
                repo.existe_email(&otro)?,
            ))
        })
        .await
        .unwrap();
        assert_eq!(por_email, None, "on {}", prueba.nombre);
        assert!(
            existe,
            "an e-mail is found whatever its case on {}",
            prueba.nombre
        );
        assert!(!existe_otro, "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn a_second_user_with_the_same_email_or_id_is_a_duplicate() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let primero = natural("ana@gmail.com", 0);
        guardado(&uow, &primero).await;

        let mut mismo_email = empresa("ana@gmail.com", 1);
        let error = con_repositorio(&uow, move |repo| repo.agregar(&mut mismo_email))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ErrorPersistencia::Duplicado(_)),
            "on {}: {error:?}",
            prueba.nombre
        );

        let mut mismo_id = Usuario::reconstruir(DatosUsuario {
            id: primero.id(),
            ..datos(&natural("otra@gmail.com", 2))
        });
        let error = con_repositorio(&uow, move |repo| repo.agregar(&mut mismo_id))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ErrorPersistencia::Duplicado(_)),
            "on {}: {error:?}",
            prueba.nombre
        );
        let todos = con_repositorio(&uow, |repo| repo.obtener_todos())
            .await
            .unwrap();
        assert_eq!(todos, vec![primero], "on {}", prueba.nombre);
    }
}

fn datos(usuario: &Usuario) -> DatosUsuario {
    usuario.datos()
}

#[tokio::test]
async fn listings_come_oldest_first_with_their_reservations_and_filter_the_deactivated() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let mut tercero = natural("c@gmail.com", 30);
        let mut primero = empresa("a@acme.co", 10);
        let segundo = natural("b@gmail.com", 20);
        primero
            .agregar_reserva(IdReservaCliente::nuevo(), instante(40))
            .unwrap();
        tercero
            .agregar_reserva(IdReservaCliente::nuevo(), instante(41))
            .unwrap();
        tercero.desactivar(instante(42));
        for usuario in [&tercero, &primero, &segundo] {
            guardado(&uow, usuario).await;
        }

        let (todos, desactivados) = con_repositorio(&uow, |repo| {
            Ok((repo.obtener_todos()?, repo.obtener_desactivados()?))
        })
        .await
        .unwrap();
        assert_eq!(
            todos,
            vec![primero, segundo, tercero.clone()],
            "on {}",
            prueba.nombre
        );
        assert_eq!(desactivados, vec![tercero], "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn an_update_stores_the_state_and_the_new_reservations_in_order() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let original = natural("ana@gmail.com", 0);
        let id = original.id();
        guardado(&uow, &original).await;
        let reservas: Vec<IdReservaCliente> = (0..3).map(|_| IdReservaCliente::nuevo()).collect();

        for (minuto, reserva) in (1..).zip(reservas.clone()) {
            con_repositorio(&uow, move |repo| {
                let mut usuario = repo.obtener_por_id(id)?.unwrap();
                usuario.agregar_reserva(reserva, instante(minuto)).unwrap();
                repo.actualizar(&mut usuario)
            })
            .await
            .unwrap();
        }
        let desactivado = con_repositorio(&uow, move |repo| {
            let mut usuario = repo.obtener_por_id(id)?.unwrap();
            usuario.desactivar(instante(9));
            repo.actualizar(&mut usuario)?;
            Ok(usuario)
        })
        .await
        .unwrap();

        let leido = leido(&uow, id).await.unwrap();
        assert_eq!(leido.reservas(), reservas, "on {}", prueba.nombre);
        assert_eq!(leido.estado(), EstadoUsuario::Desactivado);
        assert_eq!(leido.fecha_actualizacion(), instante(9));
        assert_eq!(leido, desactivado, "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn an_update_based_on_a_stale_read_is_a_conflict_and_changes_nothing() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let original = natural("ana@gmail.com", 0);
        let id = original.id();
        guardado(&uow, &original).await;

        let resultado = con_repositorio(&uow, move |repo| {
            let mut primera = repo.obtener_por_id(id)?.unwrap();
            // Someone else deactivates the user in between, through another repository.
            let mut otro = RepositorioUsuariosDiesel::new(repo.transaccion());
            let mut segunda = otro.obtener_por_id(id)?.unwrap();
            segunda.desactivar(instante(1));
            otro.actualizar(&mut segunda)?;
            primera
                .agregar_reserva(IdReservaCliente::nuevo(), instante(2))
                .unwrap();
            repo.actualizar(&mut primera)
        })
        .await;
        assert!(
            matches!(resultado, Err(ErrorPersistencia::Conflicto(_))),
            "on {}: {resultado:?}",
            prueba.nombre
        );
        assert_eq!(
            leido(&uow, id).await,
            Some(original),
            "the failed unit of work rolled back on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn updating_a_user_that_was_never_stored_is_unexpected() {
    for prueba in bases::todas(&MIGRACIONES) {
        let mut fantasma = natural("nadie@gmail.com", 0);
        let error = con_repositorio(&uow(&prueba), move |repo| repo.actualizar(&mut fantasma))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ErrorPersistencia::Inesperado(_)),
            "on {}: {error:?}",
            prueba.nombre
        );
    }
}

/// A unit of work whose transactions write down the name of every user event they dispatch.
fn uow_que_anota(prueba: &BaseDePrueba) -> (UnidadTrabajoDiesel, Arc<Mutex<Vec<&'static str>>>) {
    let anotados: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let (desactivados, agregadas) = (anotados.clone(), anotados.clone());
    let mut manejadores = ManejadoresEventos::new();
    manejadores
        .suscribir(
            move |evento: &UsuarioDesactivado, _: &mut TransaccionDiesel| {
                desactivados.lock().unwrap().push(evento.nombre());
                Ok(())
            },
        )
        .suscribir(
            move |evento: &ReservaAgregadaAUsuario, _: &mut TransaccionDiesel| {
                agregadas.lock().unwrap().push(evento.nombre());
                Ok(())
            },
        );
    let uow = UnidadTrabajoDiesel::new(prueba.base.clone(), Arc::new(manejadores));
    (uow, anotados)
}

#[tokio::test]
async fn saving_a_user_hands_its_pending_events_to_the_unit_of_work() {
    for prueba in bases::todas(&MIGRACIONES) {
        let (uow, anotados) = uow_que_anota(&prueba);
        let mut usuario = natural("ana@gmail.com", 0);
        let id = usuario.id();
        usuario
            .agregar_reserva(IdReservaCliente::nuevo(), instante(1))
            .unwrap();

        let mut agregado = con_repositorio(&uow, move |repo| {
            repo.agregar(&mut usuario)?;
            Ok(usuario)
        })
        .await
        .unwrap();
        assert_eq!(
            *anotados.lock().unwrap(),
            ["ReservaAgregadaAUsuario"],
            "on {}",
            prueba.nombre
        );
        assert!(agregado.tomar_eventos().is_empty(), "on {}", prueba.nombre);

        con_repositorio(&uow, move |repo| {
            let mut usuario = repo.obtener_por_id(id)?.unwrap();
            usuario.desactivar(instante(2));
            repo.actualizar(&mut usuario)
        })
        .await
        .unwrap();
        assert_eq!(
            *anotados.lock().unwrap(),
            ["ReservaAgregadaAUsuario", "UsuarioDesactivado"],
            "on {}",
            prueba.nombre
        );
    }
}

#[tokio::test]
async fn a_handler_that_refuses_the_event_of_a_saved_user_rolls_the_save_back() {
    for prueba in bases::todas(&MIGRACIONES) {
        let mut manejadores = ManejadoresEventos::new();
        manejadores.suscribir(|_: &UsuarioDesactivado, _: &mut TransaccionDiesel| {
            Err(ReglaIncumplida::new("ReglaDePrueba", "no se puede desactivar").into())
        });
        let uow = UnidadTrabajoDiesel::new(prueba.base.clone(), Arc::new(manejadores));
        let usuario = natural("ana@gmail.com", 0);
        let id = usuario.id();
        guardado(&uow, &usuario).await;

        let error = uow
            .ejecutar(move |tx| {
                let mut repo = RepositorioUsuariosDiesel::new(tx);
                let mut usuario = repo.obtener_por_id(id)?.unwrap();
                usuario.desactivar(instante(1));
                repo.actualizar(&mut usuario)
                    .map_err(ErrorUnidadTrabajo::from)
            })
            .await
            .unwrap_err();

        assert!(
            matches!(&error, ErrorUnidadTrabajo::Regla(r) if r.regla == "ReglaDePrueba"),
            "on {}: {error:?}",
            prueba.nombre
        );
        assert_eq!(
            leido(&uow, id).await.map(|u| u.estado()),
            Some(EstadoUsuario::Activo),
            "on {}",
            prueba.nombre
        );
    }
}

fn hasher() -> HasherArgon2 {
    HasherArgon2::con_costes(8, 1, 1).unwrap()
}

fn registro(email: &str, password: &str) -> RegistrarUsuario {
    RegistrarUsuario {
        nombre: Nombre::new("Ana", "Pérez").unwrap(),
        email: Email::parse(email).unwrap(),
        password: PasswordNueva::parse(PasswordPlano::new(password)).unwrap(),
        cliente: DatosCliente::Natural {
            cedula: Documento::new(NumeroDocumento::new(80_123_456).unwrap(), bogota()),
            fecha_nacimiento: fecha("1990-05-01"),
        },
    }
}

#[tokio::test]
async fn a_registered_user_can_authenticate_and_a_second_registration_of_the_email_is_refused() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let fabrica = FabricaRepositorioUsuariosDiesel;
        let registrar = ManejadorRegistrarUsuario::new(uow.clone(), fabrica, hasher());
        let emisor = EmisorTokensJwt::new(&[7; 32], chrono::TimeDelta::minutes(5)).unwrap();
        let autenticar = ManejadorAutenticarUsuario::new(uow.clone(), fabrica, hasher(), emisor);

        let registrado = registrar
            .manejar(registro("ana@gmail.com", "una clave larga"))
            .await
            .unwrap();
        let token = autenticar
            .manejar(AutenticarUsuario {
                email: Email::parse("ana@gmail.com").unwrap(),
                password: PasswordPlano::new("una clave larga"),
            })
            .await
            .unwrap();
        assert_eq!(token.tipo, "Bearer", "on {}", prueba.nombre);

        let error = registrar
            .manejar(registro("Ana@Gmail.com", "otra clave larga"))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ErrorClientes::EmailDuplicado(_)),
            "on {}: {error:?}",
            prueba.nombre
        );
        let todos = con_repositorio(&uow, |repo| repo.obtener_todos())
            .await
            .unwrap();
        assert_eq!(todos.len(), 1, "on {}", prueba.nombre);
        assert_eq!(todos[0].id().uuid(), registrado.id);
        assert!(
            todos[0].hash_password().as_str().starts_with("$argon2id$"),
            "only the hash is stored on {}",
            prueba.nombre
        );
    }
}

/// Runs, in one transaction, a write of another module (an outbox row) and the event that
/// gives the reservation to the user; answers how that unit of work ended.
async fn reservar(
    uow: &UnidadTrabajoDiesel,
    id_usuario: IdUsuario,
    id_reserva: IdReservaCliente,
) -> Result<(), ErrorUnidadTrabajo> {
    uow.ejecutar(move |tx| {
        tx.agregar_al_outbox(&MensajeSaliente {
            id_mensaje: Uuid::now_v7(),
            topico: "persistent://public/default/eventos-reserva".into(),
            tipo: "EventoReservaCreada".into(),
            clave: None,
            carga: Vec::new(),
            propiedades: BTreeMap::new(),
        })?;
        tx.registrar_eventos(vec![Box::new(ReservaDePrueba {
            id_evento: Uuid::now_v7(),
            fecha_evento: instante(5),
            id_usuario,
            id_reserva,
        })]);
        Ok(())
    })
    .await
}

async fn filas_outbox(uow: &UnidadTrabajoDiesel) -> usize {
    uow.consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_reservation_event_gives_the_reservation_to_an_active_user_in_the_same_transaction() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let usuario = natural("ana@gmail.com", 0);
        guardado(&uow, &usuario).await;
        let reserva = IdReservaCliente::nuevo();

        reservar(&uow, usuario.id(), reserva).await.unwrap();
        reservar(&uow, usuario.id(), reserva)
            .await
            .expect("a redelivered event is harmless");

        let leido = leido(&uow, usuario.id()).await.unwrap();
        assert_eq!(leido.reservas(), [reserva], "on {}", prueba.nombre);
        assert_eq!(filas_outbox(&uow).await, 2, "on {}", prueba.nombre);
    }
}

#[tokio::test]
async fn a_reservation_event_for_a_deactivated_or_unknown_user_is_refused_and_writes_nothing() {
    for prueba in bases::todas(&MIGRACIONES) {
        let uow = uow(&prueba);
        let mut usuario = natural("ana@gmail.com", 0);
        usuario.desactivar(instante(1));
        guardado(&uow, &usuario).await;

        let error = reservar(&uow, usuario.id(), IdReservaCliente::nuevo())
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ErrorUnidadTrabajo::Regla(r) if r.regla == "UsuarioActivo"),
            "on {}: {error:?}",
            prueba.nombre
        );
        let error = reservar(&uow, IdUsuario::nuevo(), IdReservaCliente::nuevo())
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ErrorUnidadTrabajo::Regla(r) if r.regla == "UsuarioExiste"),
            "on {}: {error:?}",
            prueba.nombre
        );

        assert_eq!(
            filas_outbox(&uow).await,
            0,
            "the other module's write rolled back on {}",
            prueba.nombre
        );
        assert!(leido(&uow, usuario.id())
            .await
            .unwrap()
            .reservas()
            .is_empty());
    }
}
