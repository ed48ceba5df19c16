//! The nginx gateway (gateway/nginx.conf) in front of the scaled topology, as
//! `make run-escalado` runs it: the standalone broker (retaining every event), two command
//! replicas of aeroalpes (`AEROALPES_ROL=comandos`) on the write database, two query
//! replicas (`AEROALPES_ROL=queries`) each on a read database of its own, which its
//! projection builds from the broker, and nginx with a pool of each. Each test starts its
//! own topology and checks, in nginx's access log, which replica each request reached;
//! [`carga`] kills replicas under load, [`reconstruccion`] rebuilds a read model.
//!
//! nginx is Debian's, at /usr/sbin/nginx (`make system-deps` installs it): without it a test
//! says so and passes, except under CI (`CI` set), where it fails. Without
//! `TEST_DATABASE_URL` the tests skip as every PostgreSQL variant does.

mod carga;
mod reconstruccion;

use std::path::Path;
use std::time::Duration;

use aeroalpes_api::cuerpo::LIMITE_CUERPO;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use seedwork_pruebas::bases::{self, BaseVacia};
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

use crate::flujo::{cliente_autenticado, esperar_en, esperar_estado_en, fixture};
use crate::procesos::{
    aeroalpes_con, puerto_libre, pulsar_embedded, raiz, Aeroalpes, Proceso, PLAZO,
};

const NGINX: &str = "/usr/sbin/nginx";
const REPLICAS_POR_POOL: usize = 2;
/// The key every replica signs and checks tokens with (at least 32 bytes), as
/// scripts/escalado.sh shares one.
const SECRETO_JWT: &str = "el secreto que comparten las réplicas del gateway";

/// Under `cargo test` (every test on a thread of one process) one topology at a time: its
/// four replicas may open up to 64 connections (16 each) of PostgreSQL's default 100.
/// nextest runs each of these tests alone (.config/nextest.toml), in a process of its own.
static UNA_A_LA_VEZ: Mutex<()> = Mutex::const_new(());

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pool {
    Comandos,
    Queries,
}

impl Pool {
    const TODOS: [Pool; 2] = [Pool::Comandos, Pool::Queries];

    /// Its role (`AEROALPES_ROL`), and its service's name in gateway/upstreams.conf.
    fn nombre(self) -> &'static str {
        match self {
            Pool::Comandos => "comandos",
            Pool::Queries => "queries",
        }
    }

    /// Its server in gateway/upstreams.conf (docker-compose's service name and port).
    fn servidor_compose(self) -> String {
        format!("aeroalpes-{}:5000", self.nombre())
    }
}

/// The databases of a topology: the write model, which the command replicas share, and
/// one read database per query replica, each with its own read model (built by its own
/// projection from the broker's retained events).
struct Bases {
    escrituras: BaseVacia,
    lecturas: Vec<BaseVacia>,
}

impl Bases {
    fn crear() -> Option<Self> {
        let escrituras = bases::postgresql_vacia()?;
        let lecturas = (0..REPLICAS_POR_POOL)
            .map(|_| bases::postgresql_vacia())
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            escrituras,
            lecturas,
        })
    }
}

/// What replica `numero` (from 1) of `pool` runs with beyond what every aeroalpes of these
/// tests gets: its `DATABASE_URL` and its variables. The one place that gives each replica
/// its role and its database, as `entorno_replica` in scripts/escalado.sh.
fn entorno_replica(
    pool: Pool,
    numero: usize,
    bases: &Bases,
) -> (String, Vec<(&'static str, String)>) {
    let entorno = vec![
        ("AEROALPES_JWT_SECRET", SECRETO_JWT.to_owned()),
        ("AEROALPES_ROL", pool.nombre().to_owned()),
        // The gateway, on this machine, tells the client's address in X-Real-IP.
        ("AEROALPES_PROXIES_CONFIABLES", "127.0.0.1".to_owned()),
    ];
    let base = match pool {
        Pool::Comandos => &bases.escrituras,
        Pool::Queries => &bases.lecturas[numero - 1],
    };
    (base.url.clone(), entorno)
}

struct Replica {
    pool: Pool,
    /// `comandos-1`, `queries-2`...: its name in assertion messages.
    nombre: String,
    /// Its `DATABASE_URL` and its variables (see [`entorno_replica`]), to start it again.
    url_base_datos: String,
    entorno: Vec<(&'static str, String)>,
    aeroalpes: Aeroalpes,
}

impl Replica {
    /// `127.0.0.1:port`, as nginx names it in its access log.
    fn direccion(&self) -> &str {
        self.aeroalpes.http.trim_start_matches("http://")
    }
}

/// nginx, stopped with SIGTERM when dropped: its master stops its workers then, which a
/// SIGKILL of the master would leave running (and listening).
struct Gateway {
    proceso: Proceso,
    url: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.proceso.terminar();
    }
}

/// One topology. The fields drop in order: the gateway, the replicas, the broker, then the
/// databases.
struct Topologia {
    gateway: Gateway,
    /// `comandos-1`, `comandos-2`, `queries-1`, `queries-2`, in this order.
    replicas: Vec<Replica>,
    _broker: Proceso,
    url_broker: String,
    bases: Bases,
    datos: tempfile::TempDir,
    _turno: MutexGuard<'static, ()>,
    cliente: Client,
}

impl Topologia {
    /// Starts a topology, or answers `None` (saying why) when nginx or PostgreSQL is missing.
    async fn levantar() -> Option<Self> {
        if !Path::new(NGINX).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{NGINX} is missing: `make system-deps` installs nginx"
            );
            eprintln!("skipped: {NGINX} is missing (make system-deps installs it)");
            return None;
        }
        let turno = UNA_A_LA_VEZ.lock().await;
        let bases = Bases::crear()?;
        let datos = tempfile::tempdir().expect("a directory for the topology");
        let (broker, puerto_broker) = pulsar_embedded(&datos.path().join("broker"), 0).await;
        let url_broker = format!("pulsar://127.0.0.1:{puerto_broker}");
        let arranques = Pool::TODOS
            .into_iter()
            .flat_map(|pool| (1..=REPLICAS_POR_POOL).map(move |numero| (pool, numero)));
        let replicas = futures::future::join_all(arranques.map(|(pool, numero)| {
            let (url_base_datos, entorno) = entorno_replica(pool, numero, &bases);
            let nombre = format!("{}-{numero}", pool.nombre());
            let (datos, url_broker) = (datos.path(), url_broker.as_str());
            async move {
                let aeroalpes =
                    aeroalpes_con(&nombre, datos, &url_base_datos, Some(url_broker), &entorno)
                        .await;
                Replica {
                    pool,
                    nombre,
                    url_base_datos,
                    entorno,
                    aeroalpes,
                }
            }
        }))
        .await;
        let gateway = arrancar_gateway(datos.path(), &replicas).await;
        Some(Self {
            gateway,
            replicas,
            _broker: broker,
            url_broker,
            bases,
            datos,
            _turno: turno,
            cliente: Client::new(),
        })
    }

    /// Starts replica `indice` (of [`Self::replicas`], stopped or killed before) again, on
    /// its port, its database and its variables: the gateway's pools name that port.
    async fn reiniciar(&mut self, indice: usize) {
        let replica = &mut self.replicas[indice];
        let puerto = replica
            .direccion()
            .rsplit_once(':')
            .expect("127.0.0.1:port")
            .1
            .to_owned();
        let mut entorno = replica.entorno.clone();
        // After the free port (0) that every aeroalpes of these tests gets: the last wins.
        entorno.push(("AEROALPES_PORT", puerto));
        replica.aeroalpes = aeroalpes_con(
            &replica.nombre,
            self.datos.path(),
            &replica.url_base_datos,
            Some(&self.url_broker),
            &entorno,
        )
        .await;
    }

    fn url(&self, ruta: &str) -> String {
        format!("{}{ruta}", self.gateway.url)
    }

    fn get(&self, ruta: &str) -> RequestBuilder {
        self.cliente.get(self.url(ruta))
    }

    fn post(&self, ruta: &str) -> RequestBuilder {
        self.cliente.post(self.url(ruta))
    }

    /// Sends `peticion` with a request id of its own; answers the response and that id.
    async fn enviar(&self, peticion: RequestBuilder) -> (Response, String) {
        let id = format!("e2e-{}", uuid::Uuid::new_v4().simple());
        let respuesta = peticion
            .header("x-request-id", &id)
            .send()
            .await
            .expect("the gateway answers");
        (respuesta, id)
    }

    /// Posts the fixture to `ruta`, with a request id of its own (as [`Self::enviar`]).
    async fn reservar(&self, ruta: &str) -> (Response, String) {
        self.enviar(self.post(ruta).body(fixture())).await
    }

    /// Creates a reservation (synchronously) and waits until the query pool reads it;
    /// answers its query route.
    async fn reserva_leida(&self) -> String {
        let (creada, _) = self.reservar("/vuelos/reserva").await;
        assert_eq!(creada.status(), 200);
        let lectura = format!("/vuelos/reserva-query/{}", id_de(creada).await);
        esperar_estado_en(&self.cliente, &self.url(&lectura), "Pendiente").await;
        lectura
    }

    /// The gateway's access line of request `id`.
    async fn linea(&self, id: &str) -> String {
        self.gateway
            .proceso
            .esperar_linea(&[&format!(" id={id} ")])
            .await
    }

    /// The replicas request `id` was sent to, in order (`-` when none was).
    async fn intentos(&self, id: &str) -> Vec<String> {
        let linea = self.linea(id).await;
        let inicio = linea.find(" upstream=").expect("an upstream field") + " upstream=".len();
        let fin = linea
            .find(" upstream_status=")
            .expect("an upstream_status field");
        linea[inicio..fin].split(", ").map(str::to_owned).collect()
    }

    /// The replica that answered request `id`.
    async fn atendida_por(&self, id: &str) -> &Replica {
        let intentos = self.intentos(id).await;
        let ultima = intentos.last().expect("one attempt at least");
        self.replicas
            .iter()
            .find(|replica| replica.direccion() == ultima)
            .unwrap_or_else(|| panic!("request {id} reached no replica: {intentos:?}"))
    }

    /// Waits until the replica that answered request `id` logs its access line under `id`.
    async fn en_el_registro_de_la_replica(&self, id: &str) {
        self.atendida_por(id)
            .await
            .aeroalpes
            .proceso
            .esperar_linea(&["petición atendida", id])
            .await;
    }

    /// The replicas of `pool`.
    fn de(&mut self, pool: Pool) -> impl Iterator<Item = &mut Replica> + '_ {
        self.replicas.iter_mut().filter(move |r| r.pool == pool)
    }
}

/// The pools of gateway/upstreams.conf with each compose `server` line repeated for the
/// replicas of its pool, its parameters kept (as scripts/escalado.sh writes them).
fn upstreams_locales(replicas: &[Replica]) -> String {
    let compose = std::fs::read_to_string(raiz().join("gateway/upstreams.conf"))
        .expect("gateway/upstreams.conf is readable");
    let mut local = String::new();
    for linea in compose.lines() {
        let pool = Pool::TODOS.into_iter().find(|pool| {
            linea
                .trim_start()
                .starts_with(&format!("server {}", pool.servidor_compose()))
        });
        let Some(pool) = pool else {
            local.push_str(linea);
            local.push('\n');
            continue;
        };
        for replica in replicas.iter().filter(|r| r.pool == pool) {
            local.push_str(&linea.replace(&pool.servidor_compose(), replica.direccion()));
            local.push('\n');
        }
    }
    for pool in Pool::TODOS {
        assert!(
            !local.contains(&pool.servidor_compose())
                && local.contains(&format!("upstream aeroalpes_{}", pool.nombre())),
            "gateway/upstreams.conf has one `server {}` line in upstream aeroalpes_{}:\n{compose}",
            pool.servidor_compose(),
            pool.nombre()
        );
    }
    local
}

/// nginx with gateway/nginx.conf (through a symlink, so that its includes are read from
/// `directorio`), the local pools, and a free port; tried again on another port if that
/// one was taken meanwhile.
async fn arrancar_gateway(directorio: &Path, replicas: &[Replica]) -> Gateway {
    let prefijo = directorio.join("gateway");
    std::fs::create_dir(&prefijo).expect("the gateway's prefix");
    std::os::unix::fs::symlink(
        raiz().join("gateway/nginx.conf"),
        prefijo.join("nginx.conf"),
    )
    .expect("the configuration's symlink");
    std::fs::write(prefijo.join("upstreams.conf"), upstreams_locales(replicas))
        .expect("upstreams.conf");
    let (prefijo_texto, configuracion) = (
        prefijo.display().to_string(),
        prefijo.join("nginx.conf").display().to_string(),
    );
    for _ in 0..3 {
        let puerto = puerto_libre();
        std::fs::write(
            prefijo.join("listen.conf"),
            format!("listen 127.0.0.1:{puerto};\n"),
        )
        .expect("listen.conf");
        let proceso = Proceso::iniciar(
            "gateway",
            Path::new(NGINX),
            &[
                "-p",
                &prefijo_texto,
                "-c",
                &configuracion,
                "-e",
                "stderr",
                "-g",
                "daemon off;",
            ],
            &[],
        );
        let url = format!("http://127.0.0.1:{puerto}");
        if responde(&proceso, &url).await {
            return Gateway { proceso, url };
        }
    }
    panic!("nginx found no free port in three attempts");
}

/// Waits until the gateway answers its health route: true; false when its port turned out
/// to be taken.
async fn responde(proceso: &Proceso, url: &str) -> bool {
    let cliente = Client::new();
    let limite = tokio::time::Instant::now() + PLAZO;
    loop {
        if let Ok(respuesta) = cliente.get(format!("{url}/gateway/health")).send().await {
            if respuesta.status() == 200
                && respuesta
                    .text()
                    .await
                    .is_ok_and(|t| t == r#"{"status":"up"}"#)
            {
                return true;
            }
        }
        let registro = proceso.registro();
        if registro.contains("Address already in use") {
            return false;
        }
        assert!(
            !registro.contains("[emerg]") && tokio::time::Instant::now() < limite,
            "nginx did not start; its log:\n{registro}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The rows `consulta` answers on the database of `url`, each the text of its one column
/// `fila`, in the order it gives them.
async fn filas(url: &str, consulta: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Fila {
        #[diesel(sql_type = Text)]
        fila: String,
    }
    let (url, consulta) = (url.to_owned(), consulta.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut conexion = PgConnection::establish(&url).expect("the test's database answers");
        diesel::sql_query(&consulta)
            .load::<Fila>(&mut conexion)
            .unwrap_or_else(|e| panic!("{consulta}: {e}"))
            .into_iter()
            .map(|f| f.fila)
            .collect()
    })
    .await
    .expect("the query's thread")
}

/// A JSON error of the gateway's own: the status, `application/json` and an `error`.
async fn error_json(respuesta: Response, estado: StatusCode) {
    assert_eq!(respuesta.status(), estado);
    assert_eq!(respuesta.headers()[CONTENT_TYPE], "application/json");
    let cuerpo: Value = respuesta.json().await.expect("a JSON body");
    assert!(
        cuerpo["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{cuerpo}"
    );
}

fn location(respuesta: &Response) -> String {
    respuesta.headers()[LOCATION].to_str().unwrap().to_owned()
}

async fn id_de(respuesta: Response) -> String {
    let cuerpo: Value = respuesta.json().await.expect("a JSON body");
    cuerpo["id"].as_str().expect("an id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_gateway_commands_reach_the_command_pool_and_queries_the_query_pool() {
    let Some(t) = Topologia::levantar().await else {
        return;
    };

    // The tutorial's asynchronous route, and FotoAlpes' prefixes: the 202's Location points
    // at the query (under /api-queries for the prefixed route), read by the query pool.
    for (ruta, consultas) in [
        ("/vuelos/reserva-commando", "/vuelos"),
        (
            "/api-commands/vuelos/reserva-commando",
            "/api-queries/vuelos",
        ),
    ] {
        let (aceptada, id_peticion) = t.reservar(ruta).await;
        assert_eq!(aceptada.status(), 202, "{ruta}");
        let consulta = location(&aceptada);
        let id = id_de(aceptada).await;
        assert_eq!(consulta, format!("{consultas}/reserva-query/{id}"));
        assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Comandos);
        esperar_estado_en(&t.cliente, &t.url(&consulta), "Pendiente").await;
        let (leida, id_peticion) = t.enviar(t.get(&consulta)).await;
        assert_eq!(leida.json::<Value>().await.unwrap()["id"], id.as_str());
        assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Queries);
    }

    // The synchronous route and the lifecycle, each way.
    let (creada, id_peticion) = t.reservar("/vuelos/reserva").await;
    assert_eq!(creada.status(), 200);
    assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Comandos);
    let id = id_de(creada).await;
    let (aprobada, id_peticion) = t
        .enviar(t.post(&format!("/vuelos/reserva/{id}/aprobar")))
        .await;
    assert_eq!(
        aprobada.json::<Value>().await.unwrap()["estado"],
        "Aprobada"
    );
    assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Comandos);
    let (pagada, id_peticion) = t
        .enviar(t.post(&format!("/api-commands/vuelos/reserva-comando/{id}/pagar")))
        .await;
    assert_eq!(pagada.status(), 202);
    assert_eq!(
        location(&pagada),
        format!("/api-queries/vuelos/reserva-query/{id}")
    );
    assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Comandos);
    esperar_estado_en(
        &t.cliente,
        &t.url(&format!("/api-queries/vuelos/reserva/{id}")),
        "Pagada",
    )
    .await;

    // clientes: registered and logged in through /api-commands, read by the query pool
    // through either route with the token (signed by a command replica).
    let (usuario, cliente) = cliente_autenticado(&t.url("/api-commands")).await;
    for ruta in [
        format!("/api-queries/clientes/usuarios/{usuario}"),
        format!("/clientes/usuarios/{usuario}"),
    ] {
        esperar_en(&cliente, &t.url(&ruta), "the user", |u| {
            u["id"] == usuario.as_str()
        })
        .await;
        let (leido, id_peticion) = t.enviar(cliente.get(t.url(&ruta))).await;
        assert_eq!(leido.status(), 200, "{ruta}");
        assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Queries);
    }

    // The documentation is served by the command pool; the gateway answers its own health.
    let (spec, id_peticion) = t.enviar(t.get("/spec")).await;
    assert_eq!(spec.status(), 200);
    assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Comandos);
    let salud = t.get("/gateway/health").send().await.unwrap();
    assert_eq!(salud.status(), 200);
    assert_eq!(salud.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(salud.text().await.unwrap(), r#"{"status":"up"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_passes_the_clients_request_id_on_and_makes_one_when_none_is_sent() {
    let Some(t) = Topologia::levantar().await else {
        return;
    };

    // The client's: answered back, in the gateway's line and in the replica's access line.
    let (respuesta, propio) = t.reservar("/vuelos/reserva-commando").await;
    assert_eq!(respuesta.status(), 202);
    assert_eq!(respuesta.headers()["x-request-id"], propio.as_str());
    t.en_el_registro_de_la_replica(&propio).await;

    // None sent, or one that is not a plain token: nginx's own, 32 hex digits, which the
    // replica logs and answers.
    for enviado in [None, Some("dos palabras")] {
        let mut peticion = t.get("/vuelos/reserva-query");
        if let Some(enviado) = enviado {
            peticion = peticion.header("x-request-id", enviado);
        }
        let respuesta = peticion.send().await.unwrap();
        assert_eq!(respuesta.status(), 401, "the list needs a token");
        let id = respuesta.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{enviado:?} answered {id}"
        );
        t.en_el_registro_de_la_replica(&id).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_command_replica_stopped_writes_are_a_json_502_and_reads_still_answer() {
    let Some(mut t) = Topologia::levantar().await else {
        return;
    };
    let lectura = t.reserva_leida().await;

    for replica in t.de(Pool::Comandos) {
        assert!(replica.aeroalpes.proceso.terminar().success());
    }

    for ruta in ["/vuelos/reserva-commando", "/api-commands/vuelos/reserva"] {
        let (respuesta, id_peticion) = t.reservar(ruta).await;
        assert_eq!(respuesta.headers()["retry-after"], "1", "{ruta}");
        assert_eq!(respuesta.headers()["x-request-id"], id_peticion.as_str());
        error_json(respuesta, StatusCode::BAD_GATEWAY).await;
    }
    for ruta in [lectura.clone(), format!("/api-queries{lectura}")] {
        let (respuesta, id_peticion) = t.enviar(t.get(&ruta)).await;
        assert_eq!(respuesta.status(), 200, "{ruta}");
        assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Queries);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_a_body_over_the_limit_and_an_unknown_path_with_json() {
    let Some(t) = Topologia::levantar().await else {
        return;
    };

    // One byte over the service's limit: refused by the gateway, no replica sees it.
    let (respuesta, id_peticion) = t
        .enviar(
            t.post("/vuelos/reserva")
                .body(vec![b'x'; LIMITE_CUERPO + 1]),
        )
        .await;
    error_json(respuesta, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(t.intentos(&id_peticion).await, ["-"]);
    // At the limit: the replica reads it (and refuses it, for it is not JSON).
    let (respuesta, id_peticion) = t
        .enviar(t.post("/vuelos/reserva").body(vec![b'x'; LIMITE_CUERPO]))
        .await;
    assert_eq!(respuesta.status(), 400);
    assert_eq!(t.atendida_por(&id_peticion).await.pool, Pool::Comandos);

    for ruta in [
        "/no/existe",
        "/api-commands/pagos/x",
        "/api-queries",
        "/vuelos",
    ] {
        let (respuesta, id_peticion) = t.enviar(t.get(ruta)).await;
        error_json(respuesta, StatusCode::NOT_FOUND).await;
        assert_eq!(t.intentos(&id_peticion).await, ["-"], "{ruta}");
    }

    // The service's own errors pass untouched: its 404 for an id nobody asked for.
    let ruta = format!("/vuelos/reserva-query/{}", uuid::Uuid::new_v4());
    let (respuesta, id_peticion) = t.enviar(t.get(&ruta)).await;
    assert_eq!(respuesta.status(), 404);
    let por_el_gateway = respuesta.text().await.unwrap();
    let replica = t.atendida_por(&id_peticion).await;
    let directa = t
        .cliente
        .get(format!("{}{ruta}", replica.aeroalpes.http))
        .send()
        .await
        .unwrap();
    assert_eq!(por_el_gateway, directa.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_replica_of_each_pool_killed_requests_keep_succeeding_through_the_other() {
    let Some(mut t) = Topologia::levantar().await else {
        return;
    };
    let lectura = t.reserva_leida().await;

    let mut muertas = Vec::new();
    for pool in Pool::TODOS {
        let replica = t.de(pool).next().expect("a replica of the pool");
        replica.aeroalpes.proceso.matar();
        muertas.push(replica.direccion().to_owned());
    }

    let mut ids = Vec::new();
    let mut aceptada = String::new();
    for _ in 0..10 {
        let (respuesta, id_peticion) = t.reservar("/vuelos/reserva-commando").await;
        assert_eq!(respuesta.status(), 202);
        aceptada = location(&respuesta);
        ids.push(id_peticion);
        let (respuesta, id_peticion) = t.enviar(t.get(&lectura)).await;
        assert_eq!(respuesta.status(), 200);
        ids.push(id_peticion);
    }
    esperar_estado_en(&t.cliente, &t.url(&aceptada), "Pendiente").await;

    // Each dead replica was tried, failed over from, and then left alone: a failed
    // connection marks it down for fail_timeout (10 s).
    let mut intentos = Vec::new();
    for id in &ids {
        intentos.push(t.intentos(id).await);
    }
    for muerta in &muertas {
        let con_ella = intentos.iter().filter(|i| i.contains(muerta)).count();
        assert!(
            (1..=2).contains(&con_ella),
            "{muerta} was tried in {con_ella} of {} requests: {intentos:?}",
            ids.len()
        );
        assert!(intentos.iter().all(|i| i.last() != Some(muerta)));
    }
}
