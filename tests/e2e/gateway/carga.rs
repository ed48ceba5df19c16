//! Replicas die under load: a bounded load of asynchronous reservations through the gateway,
//! while one command replica and one query replica are killed (SIGKILL) and started again
//! on the same port and database. Every reservation accepted ends up once in the write
//! model, once in each read model and once on the events' topic, and clients see 5xx only
//! for a short failover window.
//!
//! What a client sees, and why (gateway/nginx.conf, gateway/upstreams.conf):
//!
//! - A request that reaches a dead replica's port is refused there, and nginx passes it to
//!   the next replica of the pool (`proxy_next_upstream error timeout`), then leaves the dead
//!   one alone for `fail_timeout` (10 s): no 5xx.
//! - A POST in flight on the replica when it dies is answered 502 (nginx does not resend a
//!   request it sent). The client retries it with the same `Idempotency-Key`: the key is
//!   still taken by the dead request, so the other replica answers 409 (`Retry-After: 1`)
//!   until the service counts that request abandoned (60 s after it took the key), and then
//!   runs it again, which finds the reservation the dead request may have committed under
//!   the id derived from the key. Clients here put such a key aside and carry on with the
//!   others, so the load goes on meanwhile; the test lasts at least that minute.
//! - A GET in flight on a dying query replica is resent by nginx to the other one.
//!
//! So the 5xx a client sees are the 502s of the requests in flight on the killed command
//! replica, each followed at once by a retry that the other replica answers: no client
//! sees 5xx for longer than [`VENTANA_FALLA`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pulsar::{Pulsar, TokioExecutor};
use reqwest::{Client, Response};
use serde_json::Value;
use tokio::time::Instant;
use vuelos_contrato::{EventoIntegracion, EventoReservaCreada, MensajeIntegracion};

use super::{filas, Pool, Topologia};
use crate::flujo::{fixture, suscriptor};
use crate::procesos::PLAZO;

/// Reservations asked for, each under an `Idempotency-Key` of its own.
const RESERVAS: usize = 2000;
/// Clients that send them, each one request at a time.
const CLIENTES: usize = 6;
/// Clients that read accepted reservations meanwhile, through the query pool.
const LECTORES: usize = 2;
/// The replicas are killed once this many reservations were accepted: early, so that the
/// keys the killed requests leave taken wait out their minute while the load goes on.
const ACEPTADAS_ANTES_DE_MATAR: usize = 200;
/// How long the killed replicas stay down before they start again.
const CAIDA: Duration = Duration::from_millis(500);
/// The longest a client may keep getting 5xx (from its first until an answer that is not
/// one): the failover window this test allows.
const VENTANA_FALLA: Duration = Duration::from_secs(5);
/// Sends of one request that fail (5xx, or no answer from the gateway) before the test gives
/// up on it, and the pause between them.
const INTENTOS: u32 = 50;
const PAUSA_REINTENTO: Duration = Duration::from_millis(100);
/// How long a key may be answered 409 (taken by a request that died with its replica):
/// the service's abandonment (60 s) and a margin.
const PLAZO_CLAVE: Duration = Duration::from_secs(90);
/// How long the checks after the load wait for the write model, each read model, the query
/// route and the topic to hold every reservation.
const PLAZO_CONVERGENCIA: Duration = Duration::from_secs(60);

/// What one client saw.
#[derive(Default)]
struct Observado {
    /// When each 5xx (or failed exchange with the gateway) happened.
    fallos: Vec<Instant>,
    /// Since when this client has been getting only 5xx, if it is.
    racha: Option<Instant>,
    /// The longest such run, closed by an answer that was not a 5xx.
    racha_mas_larga: Duration,
    /// 409s: a key still taken by a request that died with its replica.
    ocupadas: usize,
    /// The longest a key was answered 409, from the first to the answer that took it.
    espera_clave_mas_larga: Duration,
}

impl Observado {
    fn fallo(&mut self) {
        let ahora = Instant::now();
        self.fallos.push(ahora);
        self.racha.get_or_insert(ahora);
    }

    fn respuesta(&mut self) {
        if let Some(desde) = self.racha.take() {
            self.racha_mas_larga = self.racha_mas_larga.max(desde.elapsed());
        }
    }

    fn sumar(&mut self, otro: Observado) {
        assert!(otro.racha.is_none(), "a client ended on a 5xx");
        self.fallos.extend(otro.fallos);
        self.racha_mas_larga = self.racha_mas_larga.max(otro.racha_mas_larga);
        self.ocupadas += otro.ocupadas;
        self.espera_clave_mas_larga = self.espera_clave_mas_larga.max(otro.espera_clave_mas_larga);
    }
}

/// What the clients share: the gateway, the next key to send, and the ids accepted.
struct Carga {
    cliente: Client,
    gateway: String,
    cuerpo: String,
    /// Keys are `<prefijo>-<n>`, `n` below [`RESERVAS`].
    prefijo: String,
    siguiente: AtomicUsize,
    /// When the last key was taken by a client: the load but the keys put aside.
    repartidas: Mutex<Option<Instant>>,
    aceptadas: Mutex<Vec<String>>,
    terminada: AtomicBool,
}

enum Envio {
    Aceptada(String),
    /// 409: the key is taken by a request in flight (or that died in flight).
    Ocupada,
}

impl Carga {
    fn aceptadas(&self) -> usize {
        self.aceptadas.lock().unwrap().len()
    }

    /// Sends the reservation of key `n` until the gateway answers something else than a
    /// 5xx, at most [`INTENTOS`] times.
    async fn enviar(&self, n: usize, observado: &mut Observado) -> Envio {
        let clave = format!("{}-{n}", self.prefijo);
        for _ in 0..INTENTOS {
            let respuesta = self
                .cliente
                .post(format!("{}/vuelos/reserva-commando", self.gateway))
                .header("idempotency-key", &clave)
                .body(self.cuerpo.clone())
                .send()
                .await;
            match respuesta {
                Ok(respuesta) if !respuesta.status().is_server_error() => {
                    let estado = respuesta.status();
                    match (estado.as_u16(), cuerpo(respuesta).await) {
                        (202, Some(cuerpo)) => {
                            observado.respuesta();
                            let id = cuerpo["id"].as_str().expect("an id").to_owned();
                            return Envio::Aceptada(id);
                        }
                        (409, Some(_)) => {
                            observado.respuesta();
                            return Envio::Ocupada;
                        }
                        (_, Some(cuerpo)) => panic!("key {clave}: answered {estado}: {cuerpo}"),
                        // The answer broke off: as a failed exchange.
                        (_, None) => observado.fallo(),
                    }
                }
                _ => observado.fallo(),
            }
            tokio::time::sleep(PAUSA_REINTENTO).await;
        }
        panic!("key {clave}: {INTENTOS} sends failed");
    }

    /// One client: sends fresh keys one at a time, puts a key answered 409 aside for a
    /// second (its `Retry-After`), and sends it again once the second passed; ends when
    /// every key is taken and its own are answered.
    async fn escritor(self: Arc<Self>) -> Observado {
        let mut observado = Observado::default();
        // (key, when to send it again, when it was first answered 409)
        let mut apartadas: VecDeque<(usize, Instant, Instant)> = VecDeque::new();
        loop {
            let (n, ocupada_desde) = match apartadas.front() {
                Some(&(n, listo, desde)) if listo <= Instant::now() => {
                    apartadas.pop_front();
                    (n, Some(desde))
                }
                _ => {
                    let n = self.siguiente.fetch_add(1, Ordering::Relaxed);
                    if n < RESERVAS {
                        (n, None)
                    } else if n == RESERVAS {
                        *self.repartidas.lock().unwrap() = Some(Instant::now());
                        continue;
                    } else if let Some(&(_, listo, _)) = apartadas.front() {
                        tokio::time::sleep_until(listo).await;
                        continue;
                    } else {
                        return observado;
                    }
                }
            };
            match self.enviar(n, &mut observado).await {
                Envio::Aceptada(id) => {
                    if let Some(desde) = ocupada_desde {
                        observado.espera_clave_mas_larga =
                            observado.espera_clave_mas_larga.max(desde.elapsed());
                    }
                    self.aceptadas.lock().unwrap().push(id);
                }
                Envio::Ocupada => {
                    observado.ocupadas += 1;
                    let desde = ocupada_desde.unwrap_or_else(Instant::now);
                    assert!(
                        desde.elapsed() < PLAZO_CLAVE,
                        "key {}-{n} was still taken after {PLAZO_CLAVE:?}",
                        self.prefijo
                    );
                    let listo = Instant::now() + Duration::from_secs(1);
                    apartadas.push_back((n, listo, desde));
                }
            }
        }
    }

    /// One reader: until the load ends, reads accepted reservations through the query pool
    /// (the latest and older ones in turn). 200, 202 (in process) and 404 (not projected
    /// yet) are all answers; a 5xx or a failed exchange is what it counts.
    async fn lector(self: Arc<Self>) -> Observado {
        let mut observado = Observado::default();
        let (mut vuelta, mut la_ultima) = (0usize, false);
        while !self.terminada.load(Ordering::Relaxed) {
            vuelta += 1;
            la_ultima = !la_ultima;
            let id = {
                let aceptadas = self.aceptadas.lock().unwrap();
                match aceptadas.len() {
                    0 => None,
                    _ if la_ultima => aceptadas.last().cloned(),
                    n => Some(aceptadas[(vuelta * 7919) % n].clone()),
                }
            };
            if let Some(id) = id {
                let respuesta = self
                    .cliente
                    .get(format!("{}/vuelos/reserva-query/{id}", self.gateway))
                    .send()
                    .await;
                match respuesta {
                    Ok(r) if !r.status().is_server_error() => {
                        let estado = r.status().as_u16();
                        if cuerpo(r).await.is_some() {
                            observado.respuesta();
                            assert!(
                                [200, 202, 404].contains(&estado),
                                "reading {id} answered {estado}"
                            );
                        } else {
                            observado.fallo();
                        }
                    }
                    _ => observado.fallo(),
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        observado
    }
}

/// The JSON body of `respuesta`, or `None` when it broke off.
async fn cuerpo(respuesta: Response) -> Option<Value> {
    let texto = respuesta.text().await.ok()?;
    Some(serde_json::from_str(&texto).unwrap_or(Value::String(texto)))
}

/// Polls `leer` until it answers `esperado`, within [`PLAZO_CONVERGENCIA`]; `que` names
/// what is read, for the failure.
async fn hasta_que_tenga<F, Fut>(que: &str, esperado: &HashSet<String>, leer: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    let limite = Instant::now() + PLAZO_CONVERGENCIA;
    loop {
        let leidas = leer().await;
        let distintas: HashSet<String> = leidas.iter().cloned().collect();
        assert_eq!(
            distintas.len(),
            leidas.len(),
            "{que}: a reservation is there twice"
        );
        if &distintas == esperado {
            return;
        }
        let faltan = esperado.difference(&distintas).count();
        let sobran: Vec<_> = distintas.difference(esperado).collect();
        assert!(
            sobran.is_empty(),
            "{que}: reservations nobody was answered 202 for: {sobran:?}"
        );
        assert!(
            Instant::now() < limite,
            "{que}: {faltan} of {} reservations missing after {PLAZO_CONVERGENCIA:?}",
            esperado.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_command_and_a_query_replica_killed_under_load_every_accepted_reservation_is_kept_once_everywhere(
) {
    let Some(mut t) = Topologia::levantar().await else {
        return;
    };
    let inicio = Instant::now();
    let carga = Arc::new(Carga {
        cliente: Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
        gateway: t.gateway.url.clone(),
        cuerpo: fixture(),
        prefijo: format!("carga-{}", uuid::Uuid::new_v4().simple()),
        siguiente: AtomicUsize::new(0),
        repartidas: Mutex::new(None),
        aceptadas: Mutex::new(Vec::new()),
        terminada: AtomicBool::new(false),
    });
    let escritores: Vec<_> = (0..CLIENTES)
        .map(|_| tokio::spawn(carga.clone().escritor()))
        .collect();
    let lectores: Vec<_> = (0..LECTORES)
        .map(|_| tokio::spawn(carga.clone().lector()))
        .collect();

    // Mid-load: one replica of each pool killed, then started again on its port.
    let limite = Instant::now() + PLAZO;
    while carga.aceptadas() < ACEPTADAS_ANTES_DE_MATAR {
        assert!(
            Instant::now() < limite,
            "only {} reservations accepted in {PLAZO:?}",
            carga.aceptadas()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let victimas: Vec<usize> = Pool::TODOS
        .into_iter()
        .map(|pool| {
            t.replicas
                .iter()
                .position(|r| r.pool == pool)
                .expect("a replica of the pool")
        })
        .collect();
    let muertas = Instant::now();
    for &victima in &victimas {
        t.replicas[victima].aeroalpes.proceso.matar();
    }
    let aceptadas_al_matar = carga.aceptadas();
    tokio::time::sleep(CAIDA).await;
    for &victima in &victimas {
        t.reiniciar(victima).await;
    }
    let de_vuelta = muertas.elapsed();

    let mut observado = Observado::default();
    for escritor in escritores {
        observado.sumar(escritor.await.expect("a client"));
    }
    let duracion_carga = inicio.elapsed();
    carga.terminada.store(true, Ordering::Relaxed);
    let mut lecturas = Observado::default();
    for lector in lectores {
        lecturas.sumar(lector.await.expect("a reader"));
    }

    let aceptadas: Vec<String> = carga.aceptadas.lock().unwrap().clone();
    let ids: HashSet<String> = aceptadas.iter().cloned().collect();
    assert_eq!(aceptadas.len(), RESERVAS, "one 202 per key");
    assert_eq!(ids.len(), RESERVAS, "one reservation id per key");

    let primero_ultimo = |fallos: &[Instant]| {
        let primero = fallos.iter().min().map(|i| i.duration_since(muertas));
        let ultimo = fallos.iter().max().map(|i| i.duration_since(muertas));
        (primero, ultimo)
    };
    println!(
        "load: {RESERVAS} reservations by {CLIENTES} clients in {duracion_carga:.1?} (every \
         key sent after {:.1?}); replicas {} killed after {aceptadas_al_matar} accepted, back \
         after {de_vuelta:.1?}",
        carga
            .repartidas
            .lock()
            .unwrap()
            .map(|repartidas| repartidas.duration_since(inicio)),
        victimas
            .iter()
            .map(|&v| t.replicas[v].nombre.as_str())
            .collect::<Vec<_>>()
            .join(" and "),
    );
    println!(
        "writes: {} answers 5xx (first, last after the kill: {:?}), longest 5xx run of a \
         client {:?}; {} answers 409 (key taken by a killed request), longest wait of a key {:.1?}",
        observado.fallos.len(),
        primero_ultimo(&observado.fallos),
        observado.racha_mas_larga,
        observado.ocupadas,
        observado.espera_clave_mas_larga,
    );
    println!(
        "reads: {} answers 5xx (first, last after the kill: {:?}), longest 5xx run of a reader {:?}",
        lecturas.fallos.len(),
        primero_ultimo(&lecturas.fallos),
        lecturas.racha_mas_larga,
    );
    assert!(
        observado.racha_mas_larga <= VENTANA_FALLA && lecturas.racha_mas_larga <= VENTANA_FALLA,
        "a client saw 5xx for longer than {VENTANA_FALLA:?}"
    );
    // At most the requests in flight on the killed replicas: one per client.
    assert!(
        observado.fallos.len() + lecturas.fallos.len() <= CLIENTES + LECTORES,
        "more 5xx than requests in flight at the kill"
    );

    // Exactly once in the write model.
    let escrituras = t.bases.escrituras.url.clone();
    hasta_que_tenga("the write model (reservas)", &ids, || {
        filas(&escrituras, "SELECT id AS fila FROM reservas")
    })
    .await;
    // Exactly once in each read model, the killed replica's included: the reservation, and
    // the asynchronous request that created it, applied.
    for (i, lectura) in t.bases.lecturas.iter().enumerate() {
        let url = lectura.url.clone();
        hasta_que_tenga(
            &format!("the read model of queries-{}", i + 1),
            &ids,
            || {
                filas(
                    &url,
                    "SELECT id AS fila FROM vista_reservas WHERE itinerarios IS NOT NULL",
                )
            },
        )
        .await;
        hasta_que_tenga(
            &format!("the requests of the read model of queries-{}", i + 1),
            &ids,
            || {
                filas(
                    &url,
                    "SELECT id_reserva AS fila FROM vista_solicitudes \
                     WHERE accion IS NULL AND estado = 'Aplicada'",
                )
            },
        )
        .await;
    }
    // Read through the gateway.
    let limite = Instant::now() + PLAZO_CONVERGENCIA;
    let cliente = carga.cliente.clone();
    let gateway = t.gateway.url.clone();
    futures::stream::iter(ids.iter().cloned())
        .for_each_concurrent(CLIENTES, |id| {
            let (cliente, url) = (
                cliente.clone(),
                format!("{gateway}/vuelos/reserva-query/{id}"),
            );
            async move {
                loop {
                    let respuesta = cliente.get(&url).send().await;
                    if let Ok(respuesta) = respuesta {
                        if respuesta.status() == 200 {
                            let reserva: Value = respuesta.json().await.unwrap();
                            assert_eq!(reserva["id"], id.as_str());
                            return;
                        }
                    }
                    assert!(Instant::now() < limite, "{url} never answered 200");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        })
        .await;

    // Exactly one creation event per reservation: one envelope id each (a publication
    // resent across the kill may repeat on the topic, under the same id).
    let broker = Pulsar::builder(&t.url_broker, TokioExecutor)
        .build()
        .await
        .unwrap();
    let mut eventos = suscriptor(&broker, EventoReservaCreada::TOPICO).await;
    let mut envolturas: HashMap<String, HashSet<String>> = HashMap::new();
    let mut mensajes = 0usize;
    let limite = Instant::now() + PLAZO_CONVERGENCIA;
    loop {
        // Every reservation seen: then only until the topic is quiet for a moment.
        let espera = if envolturas.len() < ids.len() {
            limite.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(1)
        };
        let Ok(siguiente) = tokio::time::timeout(espera, eventos.next()).await else {
            break;
        };
        let mensaje = siguiente.expect("the topic goes on").expect("a message");
        eventos.ack(&mensaje).await.unwrap();
        mensajes += 1;
        let registro = EventoReservaCreada::decodificar(&mensaje.payload.data, None).unwrap();
        envolturas
            .entry(registro.a_notificacion().unwrap().id_reserva.to_string())
            .or_default()
            .insert(registro.id_mensaje().unwrap().to_owned());
    }
    println!(
        "events: {mensajes} messages on {} for {} reservations",
        EventoReservaCreada::TOPICO,
        envolturas.len()
    );
    assert_eq!(
        envolturas.keys().cloned().collect::<HashSet<_>>(),
        ids,
        "one creation event for every reservation accepted, and for no other"
    );
    let repetidas: Vec<_> = envolturas.iter().filter(|(_, e)| e.len() > 1).collect();
    assert!(
        repetidas.is_empty(),
        "reservations created by more than one event: {repetidas:?}"
    );
    println!("whole test: {:.1?}", inicio.elapsed());
}
