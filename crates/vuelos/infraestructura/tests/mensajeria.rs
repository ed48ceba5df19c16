//! The vuelos module over a real Pulsar-protocol broker (`pulsar-embedded`): the outbox
//! relay, the command consumer and the dead-letter topic, on SQLite and (with
//! TEST_DATABASE_URL) PostgreSQL.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use pulsar::{Consumer, SubType, TokioExecutor};
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_mensajeria::{conectar, consumir, Broker, RelevoOutbox, Suscripcion};
use seedwork_persistencia::{outbox, ManejadoresEventos, Migraciones, UnidadTrabajoDiesel};
use seedwork_pruebas::bases::{self, BaseDePrueba};
use tokio::sync::{oneshot, Notify};
use vuelos_aplicacion::comandos::{AprobarReserva, ComandoReserva, CrearReserva};
use vuelos_aplicacion::{
    AplicacionVuelos, ConsultaReserva, ConsultasVuelos, Conversacion, TransporteComandos,
};
use vuelos_contrato::{
    contratos, ComandoAprobarReserva, ComandoCrearReserva, EventoIntegracion,
    EventoReservaAprobada, EventoReservaCreada, MensajeIntegracion, Metadatos,
    SUSCRIPCION_COMANDOS,
};
use vuelos_dominio::IdReserva;
use vuelos_infraestructura::consumidores::ConsumidorComandos;
use vuelos_infraestructura::integracion::ComandoIntegracion;
use vuelos_infraestructura::{integracion, FabricaRepositoriosDiesel, TransporteOutbox};

mod comun;

use comun::itinerario;

type Aplicacion =
    AplicacionVuelos<UnidadTrabajoDiesel, FabricaRepositoriosDiesel, TransporteOutbox>;

const PLAZO: Duration = Duration::from_secs(20);

/// The tables of these tests: the seedwork's (outbox, inbox) and vuelos'.
const MIGRACIONES: [Migraciones; 2] = [
    seedwork_persistencia::MIGRACIONES,
    vuelos_infraestructura::MIGRACIONES,
];

/// A broker, a database and the vuelos module wired over them, relay and command consumer running.
struct Sistema {
    _directorio: tempfile::TempDir,
    broker_embebido: Option<pulsar_embedded::BrokerHandle>,
    broker: Broker,
    uow: UnidadTrabajoDiesel,
    /// The durable transport alone: it sends even what the application would refuse.
    transporte: TransporteOutbox,
    aplicacion: Aplicacion,
    detener: Vec<oneshot::Sender<()>>,
    _base: BaseDePrueba,
}

impl Sistema {
    async fn arrancar(base: BaseDePrueba) -> Self {
        let directorio = tempfile::tempdir().unwrap();
        let broker_embebido =
            pulsar_embedded::start(pulsar_embedded::Config::local(directorio.path()))
                .await
                .unwrap();
        let broker = conectar(&format!("pulsar://{}", broker_embebido.address()))
            .await
            .unwrap();

        let mut manejadores = ManejadoresEventos::new();
        integracion::registrar_manejadores(&mut manejadores);
        let aviso = Arc::new(Notify::new());
        let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(manejadores))
            .con_aviso_outbox(aviso.clone());

        let esquemas: HashMap<String, String> = contratos()
            .map(|c| (c.tipo.to_owned(), c.esquema_json.to_owned()))
            .collect();
        let (detener_relevo, relevo_apagado) = oneshot::channel::<()>();
        tokio::spawn(
            RelevoOutbox::new(uow.clone(), broker.clone(), esquemas, aviso).ejecutar(async move {
                let _ = relevo_apagado.await;
            }),
        );
        let mut detener = vec![detener_relevo];
        let consumidor = Arc::new(ConsumidorComandos::new(uow.clone()));
        let mut listos = Vec::new();
        for topico in [ComandoCrearReserva::TOPICO, ComandoAprobarReserva::TOPICO] {
            let (tx, rx) = oneshot::channel::<()>();
            detener.push(tx);
            let listo = Arc::new(Notify::new());
            listos.push(listo.clone());
            tokio::spawn(consumir(
                broker.clone(),
                Suscripcion::compartida(topico, SUSCRIPCION_COMANDOS).con_aviso_de_listo(listo),
                consumidor.clone(),
                async move {
                    let _ = rx.await;
                },
            ));
        }
        // Subscribed before anything is published (or the broker restarted): a broker keeps
        // a message only for the subscriptions that exist when it arrives.
        for listo in listos {
            tokio::time::timeout(PLAZO, listo.notified())
                .await
                .expect("the command consumers subscribe");
        }
        Self {
            _directorio: directorio,
            broker_embebido: Some(broker_embebido),
            broker,
            transporte: TransporteOutbox::new(uow.clone()),
            aplicacion: AplicacionVuelos::new(
                uow.clone(),
                FabricaRepositoriosDiesel,
                TransporteOutbox::new(uow.clone()),
            ),
            uow,
            detener,
            _base: base,
        }
    }

    async fn suscriptor(&self, topico: &str) -> Consumer<Vec<u8>, TokioExecutor> {
        self.broker
            .consumer()
            .with_topic(topico)
            .with_subscription(format!("prueba-{}", uuid::Uuid::new_v4()))
            .with_subscription_type(SubType::Exclusive)
            .with_options(
                pulsar::ConsumerOptions::default()
                    .with_initial_position(pulsar::consumer::InitialPosition::Earliest),
            )
            .build()
            .await
            .unwrap()
    }

    async fn estado(&self, id: IdReserva) -> Option<String> {
        match self.aplicacion.consultar(id).await {
            Ok(ConsultaReserva::Existe(reserva)) => Some(reserva.estado),
            _ => None,
        }
    }

    /// Accepts the creation of `id` through the durable transport.
    async fn encolar_creacion(&self, comando: CrearReserva, conversacion: Conversacion) {
        self.transporte
            .enviar(ComandoReserva::Crear(comando), conversacion)
            .await
            .unwrap();
    }

    async fn esperar_estado(&self, id: IdReserva, esperado: &str) {
        let limite = tokio::time::Instant::now() + PLAZO;
        while self.estado(id).await.as_deref() != Some(esperado) {
            assert!(
                tokio::time::Instant::now() < limite,
                "the reservation {id} never reached {esperado}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the broker and starts it again on the same port and data after `pausa`,
    /// running `mientras` while it is down.
    async fn reiniciar_broker<F: std::future::Future>(&mut self, mientras: F) -> F::Output {
        let anterior = self.broker_embebido.take().expect("a running broker");
        let direccion = anterior.address();
        anterior.shutdown().await;
        let salida = mientras.await;
        let config = pulsar_embedded::Config::new(direccion, self._directorio.path());
        self.broker_embebido = Some(pulsar_embedded::start(config).await.unwrap());
        salida
    }

    async fn apagar(self) {
        for tx in self.detener {
            let _ = tx.send(());
        }
        if let Some(broker) = self.broker_embebido {
            broker.shutdown().await;
        }
    }
}

fn comando(id: IdReserva) -> CrearReserva {
    CrearReserva {
        id,
        id_cliente: None,
        itinerarios: vec![itinerario()],
        fecha_creacion: Utc::now(),
    }
}

/// Every outbox row, published or not, in creation order.
async fn filas_outbox(uow: &UnidadTrabajoDiesel) -> Vec<outbox::FilaOutbox> {
    uow.consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
        .await
        .unwrap()
}

/// Receives the next message within the deadline, acknowledging it.
async fn recibir(
    consumidor: &mut Consumer<Vec<u8>, TokioExecutor>,
) -> pulsar::consumer::Message<Vec<u8>> {
    let mensaje = tokio::time::timeout(PLAZO, consumidor.next())
        .await
        .expect("a message in time")
        .unwrap()
        .unwrap();
    consumidor.ack(&mensaje).await.unwrap();
    mensaje
}

/// Nothing more arrives within a short while.
async fn nada_mas(consumidor: &mut Consumer<Vec<u8>, TokioExecutor>) {
    if let Ok(Some(Ok(mensaje))) =
        tokio::time::timeout(Duration::from_millis(1500), consumidor.next()).await
    {
        panic!("an unexpected message: {:?}", mensaje.metadata().properties);
    }
}

/// How many creation events the outbox holds.
async fn creaciones_en_outbox(uow: &UnidadTrabajoDiesel) -> usize {
    filas_outbox(uow)
        .await
        .iter()
        .filter(|f| f.tipo == EventoReservaCreada::TIPO)
        .count()
}

/// Receives the creation event of every reservation of `ids`, none twice, then nothing more.
async fn una_creacion_por_reserva(
    eventos: &mut Consumer<Vec<u8>, TokioExecutor>,
    ids: &[IdReserva],
    nombre: &str,
) {
    let mut vistas = std::collections::HashSet::new();
    while vistas.len() < ids.len() {
        let mensaje = recibir(eventos).await;
        let evento = EventoReservaCreada::decodificar(&mensaje.payload.data, None).unwrap();
        assert!(
            vistas.insert(evento.a_notificacion().unwrap().id_reserva),
            "a second event for one reservation on {nombre}"
        );
    }
    nada_mas(eventos).await;
}

#[tokio::test]
async fn an_accepted_command_creates_the_reservation_and_publishes_its_event_once() {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let sistema = Sistema::arrancar(base).await;
        let mut eventos = sistema.suscriptor(EventoReservaCreada::TOPICO).await;
        let id = IdReserva::nuevo();

        sistema
            .encolar_creacion(comando(id), Conversacion::correlacionada("peticion-http-1"))
            .await;
        assert_eq!(
            sistema.aplicacion.consultar(id).await.unwrap(),
            ConsultaReserva::EnProceso
        );
        let id_comando = filas_outbox(&sistema.uow).await[0].id_mensaje.clone();

        sistema.esperar_estado(id, "Pendiente").await;
        let mensaje = recibir(&mut eventos).await;
        let evento = EventoReservaCreada::decodificar(&mensaje.payload.data, None).unwrap();
        assert_eq!(
            evento.a_notificacion().unwrap().id_reserva,
            id.uuid(),
            "on {nombre}"
        );
        // The conversation is traceable: the event is caused by the command and shares the
        // request's correlation id, in the envelope and in the message's properties.
        assert_eq!(evento.correlation_id(), Some("peticion-http-1"));
        assert_eq!(evento.causation_id.as_deref(), Some(id_comando.as_str()));
        let propiedades: HashMap<&str, &str> = mensaje
            .metadata()
            .properties
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.as_str()))
            .collect();
        assert_eq!(propiedades.get("correlation_id"), Some(&"peticion-http-1"));
        nada_mas(&mut eventos).await;

        let filas = filas_outbox(&sistema.uow).await;
        assert_eq!(
            filas.len(),
            2,
            "the command and the event went through the outbox on {nombre}"
        );
        assert!(
            filas.iter().all(|f| f.publicado),
            "every row marked published on {nombre}"
        );
        sistema.apagar().await;
    }
}

#[tokio::test]
async fn a_command_delivered_twice_changes_nothing_twice() {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let sistema = Sistema::arrancar(base).await;
        let mut eventos = sistema.suscriptor(EventoReservaAprobada::TOPICO).await;
        let id = IdReserva::nuevo();
        sistema
            .encolar_creacion(comando(id), Conversacion::default())
            .await;
        sistema.esperar_estado(id, "Pendiente").await;

        // The same message (same envelope id) published twice, as a redelivery would.
        let registro =
            ComandoAprobarReserva::desde_comando(&AprobarReserva { id }, &Metadatos::nuevos());
        let mut productor = sistema
            .broker
            .producer()
            .with_topic(ComandoAprobarReserva::TOPICO)
            .build()
            .await
            .unwrap();
        for _ in 0..2 {
            productor
                .send_non_blocking(registro.codificar().unwrap())
                .await
                .unwrap()
                .await
                .unwrap();
        }

        sistema.esperar_estado(id, "Aprobada").await;
        recibir(&mut eventos).await;
        nada_mas(&mut eventos).await;
        let filas = filas_outbox(&sistema.uow).await;
        let aprobadas = filas
            .iter()
            .filter(|f| f.tipo == EventoReservaAprobada::TIPO)
            .count();
        assert_eq!(aprobadas, 1, "one approval event on {nombre}");
        sistema.apagar().await;
    }
}

#[tokio::test]
async fn a_poison_message_lands_in_the_dead_letter_topic_and_the_consumer_keeps_going() {
    let sistema = Sistema::arrancar(bases::sqlite(&MIGRACIONES)).await;
    let mut muertos = sistema
        .suscriptor(&format!("{}-DLQ", ComandoCrearReserva::TOPICO))
        .await;
    let mut productor = sistema
        .broker
        .producer()
        .with_topic(ComandoCrearReserva::TOPICO)
        .build()
        .await
        .unwrap();
    productor
        .send_non_blocking(b"\xff\xfe no es avro".to_vec())
        .await
        .unwrap()
        .await
        .unwrap();

    let muerto = recibir(&mut muertos).await;
    assert_eq!(muerto.payload.data, b"\xff\xfe no es avro");
    assert!(muerto
        .metadata()
        .properties
        .iter()
        .any(|kv| kv.key == "razon" && !kv.value.is_empty()));

    let id = IdReserva::nuevo();
    sistema
        .encolar_creacion(comando(id), Conversacion::default())
        .await;
    sistema.esperar_estado(id, "Pendiente").await;
    sistema.apagar().await;
}

#[tokio::test]
async fn a_command_that_breaks_a_rule_is_recorded_as_refused_and_dead_lettered() {
    let sistema = Sistema::arrancar(bases::sqlite(&MIGRACIONES)).await;
    let mut muertos = sistema
        .suscriptor(&format!("{}-DLQ", ComandoCrearReserva::TOPICO))
        .await;
    let id = IdReserva::nuevo();
    let mut sin_itinerario = comando(id);
    sin_itinerario.itinerarios.clear();
    sistema
        .encolar_creacion(sin_itinerario, Conversacion::default())
        .await;

    recibir(&mut muertos).await;
    let estado = sistema.aplicacion.consultar(id).await;
    assert!(
        matches!(estado, Ok(ConsultaReserva::Rechazada { ref razon }) if razon.contains("itinerario")),
        "{estado:?}"
    );
    assert_eq!(sistema.estado(id).await, None);
    sistema.apagar().await;
}

#[tokio::test]
async fn commands_accepted_while_the_broker_is_down_are_all_handled_once_it_is_back() {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let mut sistema = Sistema::arrancar(base).await;
        let ids: Vec<IdReserva> = (0..20).map(|_| IdReserva::nuevo()).collect();
        let transporte = sistema.transporte.clone();
        let aceptados = ids.clone();
        sistema
            .reiniciar_broker(async move {
                // Accepted while the broker is down: they wait in the outbox.
                for id in aceptados {
                    transporte
                        .enviar(ComandoReserva::Crear(comando(id)), Conversacion::default())
                        .await
                        .unwrap();
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            })
            .await;
        for id in &ids {
            sistema.esperar_estado(*id, "Pendiente").await;
        }
        let mut eventos = sistema.suscriptor(EventoReservaCreada::TOPICO).await;
        una_creacion_por_reserva(&mut eventos, &ids, nombre).await;
        assert_eq!(creaciones_en_outbox(&sistema.uow).await, 20, "on {nombre}");
        let filas = filas_outbox(&sistema.uow).await;
        assert!(filas.iter().all(|f| f.publicado), "on {nombre}");
        sistema.apagar().await;
    }
}

#[tokio::test]
async fn two_relays_on_one_postgresql_database_never_publish_a_row_twice() {
    let Some(base) = bases::postgresql(&MIGRACIONES) else {
        return;
    };
    let directorio = tempfile::tempdir().unwrap();
    let broker_embebido = pulsar_embedded::start(pulsar_embedded::Config::local(directorio.path()))
        .await
        .unwrap();
    let url = format!("pulsar://{}", broker_embebido.address());
    let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(ManejadoresEventos::new()));
    let observador = conectar(&url).await.unwrap();
    let mut consumidor = observador
        .consumer()
        .with_topic(ComandoCrearReserva::TOPICO)
        .with_subscription("observador")
        .build::<Vec<u8>>()
        .await
        .unwrap();

    // 300 rows written before either relay runs, so both find the same backlog.
    let transporte = TransporteOutbox::new(uow.clone());
    let ids: Vec<IdReserva> = (0..300).map(|_| IdReserva::nuevo()).collect();
    for id in &ids {
        transporte
            .enviar(ComandoReserva::Crear(comando(*id)), Conversacion::default())
            .await
            .unwrap();
    }
    let esquemas: HashMap<String, String> = contratos()
        .map(|c| (c.tipo.to_owned(), c.esquema_json.to_owned()))
        .collect();
    let mut detener = Vec::new();
    for _ in 0..2 {
        // Each replica has its own client, as separate processes would.
        let broker = conectar(&url).await.unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        detener.push(tx);
        let relevo = RelevoOutbox::new(
            uow.clone(),
            broker,
            esquemas.clone(),
            Arc::new(Notify::new()),
        );
        tokio::spawn(relevo.ejecutar(async move {
            let _ = rx.await;
        }));
    }

    let mut vistos: HashMap<String, usize> = HashMap::new();
    while vistos.len() < ids.len() {
        let mensaje = recibir(&mut consumidor).await;
        let registro = ComandoCrearReserva::decodificar(&mensaje.payload.data, None).unwrap();
        *vistos
            .entry(registro.id_mensaje().unwrap().to_owned())
            .or_default() += 1;
    }
    nada_mas(&mut consumidor).await;
    assert!(
        vistos.values().all(|veces| *veces == 1),
        "a row was published twice"
    );
    let filas = filas_outbox(&uow).await;
    assert!(filas.iter().all(|f| f.publicado));
    for tx in detener {
        let _ = tx.send(());
    }
    broker_embebido.shutdown().await;
}

#[tokio::test]
async fn published_rows_are_purged_after_the_retention_and_unpublished_ones_never() {
    let sistema = Sistema::arrancar(bases::sqlite(&MIGRACIONES)).await;
    let id = IdReserva::nuevo();
    sistema
        .encolar_creacion(comando(id), Conversacion::default())
        .await;
    sistema.esperar_estado(id, "Pendiente").await;
    let filas = || async { filas_outbox(&sistema.uow).await };
    let limite = tokio::time::Instant::now() + PLAZO;
    while !(filas().await.len() == 2 && filas().await.iter().all(|f| f.publicado)) {
        assert!(
            tokio::time::Instant::now() < limite,
            "the command and the event were never published"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A row no relay can publish (no schema for its type) stays pending.
    let pendiente = seedwork_persistencia::MensajeSaliente {
        id_mensaje: uuid::Uuid::new_v4(),
        topico: "persistent://public/default/sin-esquema".into(),
        tipo: "SinEsquema".into(),
        clave: None,
        carga: vec![1],
        propiedades: Default::default(),
    };
    sistema
        .uow
        .ejecutar(move |tx| Ok::<_, ErrorUnidadTrabajo>(tx.agregar_al_outbox(&pendiente)?))
        .await
        .unwrap();

    let purgador = RelevoOutbox::new(
        sistema.uow.clone(),
        sistema.broker.clone(),
        HashMap::new(),
        Arc::new(Notify::new()),
    )
    .con_retencion(Duration::ZERO);
    assert_eq!(purgador.purgar_publicadas().await.unwrap(), 2);
    let quedan = filas().await;
    assert_eq!(quedan.len(), 1);
    assert_eq!(quedan[0].tipo, "SinEsquema");
    assert!(!quedan[0].publicado);
    sistema.apagar().await;
}

#[tokio::test]
async fn the_relay_publishes_one_batch_per_step_in_order_and_reports_how_many() {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let directorio = tempfile::tempdir().unwrap();
        let embebido = pulsar_embedded::start(pulsar_embedded::Config::local(directorio.path()))
            .await
            .unwrap();
        let broker = conectar(&format!("pulsar://{}", embebido.address()))
            .await
            .unwrap();
        let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(ManejadoresEventos::new()));
        let mut consumidor = broker
            .consumer()
            .with_topic(ComandoAprobarReserva::TOPICO)
            .with_subscription("observador")
            .build::<Vec<u8>>()
            .await
            .unwrap();
        let esquemas: HashMap<String, String> = contratos()
            .map(|c| (c.tipo.to_owned(), c.esquema_json.to_owned()))
            .collect();
        let mut relevo = RelevoOutbox::new(uow.clone(), broker, esquemas, Arc::new(Notify::new()));

        assert_eq!(
            relevo.publicar_lote().await.unwrap(),
            0,
            "nothing to publish yet"
        );
        let transporte = TransporteOutbox::new(uow.clone());
        let ids: Vec<IdReserva> = (0..3).map(|_| IdReserva::nuevo()).collect();
        for id in &ids {
            transporte
                .enviar(
                    ComandoReserva::Aprobar(AprobarReserva { id: *id }),
                    Conversacion::default(),
                )
                .await
                .unwrap();
        }

        assert_eq!(relevo.publicar_lote().await.unwrap(), 3, "on {nombre}");
        assert!(filas_outbox(&uow).await.iter().all(|f| f.publicado));
        assert_eq!(relevo.publicar_lote().await.unwrap(), 0, "on {nombre}");
        for id in &ids {
            let mensaje = recibir(&mut consumidor).await;
            let registro = ComandoAprobarReserva::decodificar(&mensaje.payload.data, None).unwrap();
            assert_eq!(registro.clave(), Some(id.to_string().as_str()), "in order");
        }
        nada_mas(&mut consumidor).await;
        embebido.shutdown().await;
    }
}

/// Publishes each record's bytes (and, in the middle, `veneno` when given) at once, keyed
/// by its reservation as the relay keys them, so that the consumer receives them in
/// batches; waits for every receipt.
async fn rafaga(sistema: &Sistema, registros: &[ComandoCrearReserva], veneno: Option<&[u8]>) {
    let mut productor = sistema
        .broker
        .producer()
        .with_topic(ComandoCrearReserva::TOPICO)
        .build()
        .await
        .unwrap();
    let mitad = registros.len() / 2;
    let mut recibos = Vec::new();
    for (n, registro) in registros.iter().enumerate() {
        if n == mitad {
            if let Some(veneno) = veneno {
                let mensaje = pulsar::producer::Message {
                    payload: veneno.to_vec(),
                    ..Default::default()
                };
                recibos.push(productor.send_non_blocking(mensaje).await.unwrap());
            }
        }
        let mensaje = pulsar::producer::Message {
            payload: registro.codificar().unwrap(),
            partition_key: registro.clave().map(str::to_owned),
            ..Default::default()
        };
        recibos.push(productor.send_non_blocking(mensaje).await.unwrap());
    }
    for recibo in recibos {
        recibo.await.unwrap();
    }
}

/// The creation records of `n` new reservations.
fn creaciones(n: usize) -> (Vec<IdReserva>, Vec<ComandoCrearReserva>) {
    let ids: Vec<IdReserva> = (0..n).map(|_| IdReserva::nuevo()).collect();
    let registros = ids
        .iter()
        .map(|id| ComandoCrearReserva::desde_comando(&comando(*id), &Metadatos::nuevos()))
        .collect();
    (ids, registros)
}

#[tokio::test]
async fn a_burst_with_one_poison_message_dead_letters_that_one_and_books_every_other() {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let sistema = Sistema::arrancar(base).await;
        let mut muertos = sistema
            .suscriptor(&format!("{}-DLQ", ComandoCrearReserva::TOPICO))
            .await;
        let (ids, registros) = creaciones(40);

        rafaga(&sistema, &registros, Some(b"\xff\xfe no es avro")).await;

        for id in &ids {
            sistema.esperar_estado(*id, "Pendiente").await;
        }
        let muerto = recibir(&mut muertos).await;
        assert_eq!(muerto.payload.data, b"\xff\xfe no es avro", "on {nombre}");
        nada_mas(&mut muertos).await;
        assert_eq!(
            creaciones_en_outbox(&sistema.uow).await,
            40,
            "one event per booking on {nombre}"
        );
        sistema.apagar().await;
    }
}

#[tokio::test]
async fn a_burst_delivered_twice_over_changes_nothing_twice() {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let sistema = Sistema::arrancar(base).await;
        let mut eventos = sistema.suscriptor(EventoReservaCreada::TOPICO).await;
        let (ids, registros) = creaciones(30);
        // Each message twice in a row (a redelivery inside one batch), then the whole burst
        // again once it is handled (the redelivery of a batch after a crash).
        let dobles: Vec<ComandoCrearReserva> = registros
            .iter()
            .flat_map(|r| [r.clone(), r.clone()])
            .collect();

        rafaga(&sistema, &dobles, None).await;
        for id in &ids {
            sistema.esperar_estado(*id, "Pendiente").await;
        }
        rafaga(&sistema, &registros, None).await;

        una_creacion_por_reserva(&mut eventos, &ids, nombre).await;
        assert_eq!(creaciones_en_outbox(&sistema.uow).await, 30, "on {nombre}");
        sistema.apagar().await;
    }
}

#[tokio::test]
async fn a_backlog_written_during_an_outage_is_published_whole_once_and_in_order_when_the_broker_returns(
) {
    for base in bases::todas(&MIGRACIONES) {
        let nombre = base.nombre;
        let directorio = tempfile::tempdir().unwrap();
        let embebido = pulsar_embedded::start(pulsar_embedded::Config::local(directorio.path()))
            .await
            .unwrap();
        let direccion = embebido.address();
        let broker = conectar(&format!("pulsar://{direccion}")).await.unwrap();
        // A durable subscription, made before the outage, keeps everything published after.
        let observador = |broker: Broker| async move {
            broker
                .consumer()
                .with_topic(ComandoAprobarReserva::TOPICO)
                .with_subscription("observador")
                .build::<Vec<u8>>()
                .await
                .unwrap()
        };
        observador(broker.clone()).await.close().await.unwrap();
        let aviso = Arc::new(Notify::new());
        let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(ManejadoresEventos::new()))
            .con_aviso_outbox(aviso.clone());
        let esquemas: HashMap<String, String> = contratos()
            .map(|c| (c.tipo.to_owned(), c.esquema_json.to_owned()))
            .collect();
        let (detener, apagado) = oneshot::channel::<()>();
        tokio::spawn(
            RelevoOutbox::new(uow.clone(), broker.clone(), esquemas, aviso).ejecutar(async move {
                let _ = apagado.await;
            }),
        );

        embebido.shutdown().await;
        // More than two of the relay's batches, written while the relay fails and backs off.
        let transporte = TransporteOutbox::new(uow.clone());
        let ids: Vec<IdReserva> = (0..600).map(|_| IdReserva::nuevo()).collect();
        for id in &ids {
            transporte
                .enviar(
                    ComandoReserva::Aprobar(AprobarReserva { id: *id }),
                    Conversacion::default(),
                )
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let embebido =
            pulsar_embedded::start(pulsar_embedded::Config::new(direccion, directorio.path()))
                .await
                .unwrap();

        let mut consumidor = observador(broker.clone()).await;
        for (n, id) in ids.iter().enumerate() {
            let mensaje = recibir(&mut consumidor).await;
            let registro = ComandoAprobarReserva::decodificar(&mensaje.payload.data, None).unwrap();
            assert_eq!(
                registro.clave(),
                Some(id.to_string().as_str()),
                "row {n} in order on {nombre}"
            );
        }
        nada_mas(&mut consumidor).await;
        let limite = tokio::time::Instant::now() + PLAZO;
        while !filas_outbox(&uow).await.iter().all(|f| f.publicado) {
            assert!(
                tokio::time::Instant::now() < limite,
                "every row marked on {nombre}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = detener.send(());
        embebido.shutdown().await;
    }
}
