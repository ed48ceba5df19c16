//! The API's description. `/spec` is an OpenAPI document that openapi-spec-validator
//! accepts, that names exactly the routes of the README's Routes table, and whose schemas
//! describe what every operation answers (checked with jsonschema by
//! python/respuestas_documentadas.py; both from the virtualenv of scripts/python-venv.sh).
//! `/docs` is a Swagger UI over it whose every asset the application serves itself, so that
//! it renders in a browser without internet.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, Method, Url};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::ayudantes::{
    json, registro_natural, reserva_bog_mad, spawn_app, AppDePrueba, PASSWORD, TOKEN_SERVICIO,
};

/// Creating the virtualenv may download and install packages.
const PLAZO_VENV: Duration = Duration::from_secs(600);
/// Validating one document takes about a second.
const PLAZO_VALIDADOR: Duration = Duration::from_secs(60);

pub(crate) fn raiz() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a program to its end, within `plazo`.
async fn ejecutar(programa: &Path, argumentos: &[&OsStr], plazo: Duration) -> Output {
    ejecutar_con_entrada(programa, argumentos, &[], plazo).await
}

/// Runs a program to its end, within `plazo`, with `entrada` as its standard input.
async fn ejecutar_con_entrada(
    programa: &Path,
    argumentos: &[&OsStr],
    entrada: &[u8],
    plazo: Duration,
) -> Output {
    let ejecucion = async {
        let mut proceso = Command::new(programa)
            .args(argumentos)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut stdin = proceso.stdin.take().expect("a piped stdin");
        stdin.write_all(entrada).await?;
        drop(stdin);
        proceso.wait_with_output().await
    };
    tokio::time::timeout(plazo, ejecucion)
        .await
        .unwrap_or_else(|_| panic!("{} did not finish within {plazo:?}", programa.display()))
        .unwrap_or_else(|e| panic!("{} does not run: {e}", programa.display()))
}

/// Makes the test virtualenv (scripts/python-venv.sh), once per machine.
pub(crate) async fn preparar_python() {
    let venv = ejecutar(&raiz().join("scripts/python-venv.sh"), &[], PLAZO_VENV).await;
    assert!(
        venv.status.success(),
        "python-venv.sh failed:\n{}",
        salida(&venv)
    );
}

pub(crate) fn salida(proceso: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&proceso.stdout),
        String::from_utf8_lossy(&proceso.stderr)
    )
}

#[tokio::test]
async fn the_spec_passes_openapi_spec_validator() {
    let app = spawn_app().await;
    let respuesta = app.get("/spec").await;
    assert_eq!(respuesta.status(), 200);
    let documento = respuesta.bytes().await.unwrap();
    let archivo = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("a file for the document");
    std::fs::write(archivo.path(), &documento).unwrap();

    preparar_python().await;
    let validacion = ejecutar(
        &raiz().join(".venv/bin/openapi-spec-validator"),
        &[
            OsStr::new("--errors"),
            OsStr::new("all"),
            archivo.path().as_os_str(),
        ],
        PLAZO_VALIDADOR,
    )
    .await;
    assert!(
        validacion.status.success(),
        "openapi-spec-validator refuses /spec:\n{}",
        salida(&validacion)
    );
}

/// A route as the README's table names it: `POST /vuelos/reserva/{id}/aprobar`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ruta {
    metodo: String,
    ruta: String,
}

/// The routes of the first column of the README's Routes table.
fn rutas_del_readme() -> BTreeSet<Ruta> {
    let readme = std::fs::read_to_string(raiz().join("README.md")).expect("README.md");
    let (_, seccion) = readme
        .split_once("\n## Routes\n")
        .expect("the README has a `## Routes` section");
    let (seccion, _) = seccion.split_once("\n## ").unwrap_or((seccion, ""));
    seccion
        .lines()
        .skip_while(|linea| !linea.starts_with('|'))
        .take_while(|linea| linea.starts_with('|'))
        // the header and the separator
        .skip(2)
        .flat_map(|fila| rutas_de_celda(primera_celda(fila)))
        .collect()
}

/// The first cell of a table row: up to the first `|` that is not escaped.
fn primera_celda(fila: &str) -> &str {
    let celdas = &fila[1..];
    let mut anterior = None;
    for (i, c) in celdas.char_indices() {
        if c == '|' && anterior != Some('\\') {
            return &celdas[..i];
        }
        anterior = Some(c);
    }
    celdas
}

/// The routes a cell names, in its code spans: `METHOD /path` names a route; `/x` after it
/// the sibling route whose last segment is `x` (`/cancelar` after `…/{id}/aprobar`); `-x`
/// another spelling of every route named so far, its hyphenated segment ending in `-x`
/// (`-comando` beside `/vuelos/reserva-commando`).
fn rutas_de_celda(celda: &str) -> Vec<Ruta> {
    let mut rutas: Vec<Ruta> = Vec::new();
    let mut ultima: Option<Ruta> = None;
    for codigo in celda.split('`').skip(1).step_by(2) {
        if let Some((metodo, ruta)) = codigo
            .split_once(' ')
            .filter(|(metodo, ruta)| es_metodo(metodo) && ruta.starts_with('/'))
        {
            let nueva = Ruta {
                metodo: metodo.to_owned(),
                ruta: ruta.to_owned(),
            };
            rutas.push(nueva.clone());
            ultima = Some(nueva);
        } else if let Some(segmento) = codigo.strip_prefix('/').filter(|s| !s.contains('/')) {
            let anterior = ultima
                .as_ref()
                .unwrap_or_else(|| panic!("README Routes: `{codigo}` follows no route"));
            let (padre, _) = anterior.ruta.rsplit_once('/').expect("a path");
            rutas.push(Ruta {
                metodo: anterior.metodo.clone(),
                ruta: format!("{padre}/{segmento}"),
            });
        } else if let Some(sufijo) = codigo.strip_prefix('-') {
            let variantes: Vec<Ruta> = rutas
                .iter()
                .filter_map(|ruta| otra_grafia(ruta, sufijo))
                .collect();
            assert!(
                !variantes.is_empty(),
                "README Routes: `{codigo}` respells no route in {celda}"
            );
            rutas.extend(variantes);
        } else {
            panic!("README Routes: cannot read `{codigo}` in {celda}");
        }
    }
    rutas
}

fn es_metodo(texto: &str) -> bool {
    !texto.is_empty() && texto.chars().all(|c| c.is_ascii_uppercase())
}

/// The route with the end of its first hyphenated segment spelled `-sufijo`.
fn otra_grafia(ruta: &Ruta, sufijo: &str) -> Option<Ruta> {
    let mut segmentos: Vec<String> = ruta.ruta.split('/').map(str::to_owned).collect();
    let segmento = segmentos.iter_mut().find(|s| s.contains('-'))?;
    let (raiz, _) = segmento.rsplit_once('-')?;
    *segmento = format!("{raiz}-{sufijo}");
    Some(Ruta {
        metodo: ruta.metodo.clone(),
        ruta: segmentos.join("/"),
    })
}

const METODOS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An operation of the document: method, path template, and the values of each path
/// parameter whose schema enumerates them.
#[derive(Debug)]
struct Operacion {
    metodo: String,
    plantilla: String,
    enumerados: BTreeMap<String, BTreeSet<String>>,
}

impl Operacion {
    /// Whether `ruta` is one of the requests this operation describes: the same segments,
    /// or an enumerated parameter where the README names one of its values.
    fn describe(&self, ruta: &Ruta) -> bool {
        let plantilla: Vec<&str> = self.plantilla.split('/').collect();
        let concreta: Vec<&str> = ruta.ruta.split('/').collect();
        self.metodo == ruta.metodo.to_ascii_lowercase()
            && plantilla.len() == concreta.len()
            && plantilla.iter().zip(&concreta).all(|(p, c)| {
                p == c
                    || parametro(p)
                        .and_then(|nombre| self.enumerados.get(nombre))
                        .is_some_and(|valores| valores.contains(*c))
            })
    }

    /// The values of the enumerated parameters that `ruta` takes.
    fn valores(&self, ruta: &Ruta) -> Vec<(String, String)> {
        self.plantilla
            .split('/')
            .zip(ruta.ruta.split('/'))
            .filter_map(|(p, c)| {
                parametro(p)
                    .filter(|nombre| self.enumerados.contains_key(*nombre))
                    .map(|nombre| (nombre.to_owned(), c.to_owned()))
            })
            .collect()
    }
}

/// `id` for the segment `{id}`.
fn parametro(segmento: &str) -> Option<&str> {
    segmento.strip_prefix('{')?.strip_suffix('}')
}

fn operaciones(spec: &Value) -> Vec<Operacion> {
    let mut operaciones = Vec::new();
    for (plantilla, item) in spec["paths"].as_object().expect("paths") {
        for metodo in METODOS {
            let Some(operacion) = item.get(metodo) else {
                continue;
            };
            let parametros = item["parameters"]
                .as_array()
                .into_iter()
                .chain(operacion["parameters"].as_array())
                .flatten();
            let enumerados = parametros
                .filter(|p| p["in"] == "path")
                .filter_map(|p| {
                    let valores = resolver(spec, &p["schema"])["enum"].as_array()?;
                    let valores = valores
                        .iter()
                        .map(|v| v.as_str().expect("a string value").to_owned())
                        .collect();
                    Some((p["name"].as_str().expect("a name").to_owned(), valores))
                })
                .collect();
            operaciones.push(Operacion {
                metodo: metodo.to_owned(),
                plantilla: plantilla.clone(),
                enumerados,
            });
        }
    }
    operaciones
}

/// The schema itself, following a `$ref` into the document.
fn resolver<'a>(spec: &'a Value, esquema: &'a Value) -> &'a Value {
    match esquema["$ref"].as_str() {
        Some(referencia) => spec
            .pointer(referencia.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{referencia} is not in the document")),
        None => esquema,
    }
}

#[tokio::test]
async fn the_spec_names_exactly_the_routes_of_the_readme_table() {
    let app = spawn_app().await;
    let spec = json(app.get("/spec").await).await;
    let operaciones = operaciones(&spec);
    let rutas = rutas_del_readme();
    assert!(rutas.len() > 10, "the README's table names {rutas:?}");

    let mut sin_describir = Vec::new();
    let mut nombrados: BTreeMap<(&str, &str), BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for ruta in &rutas {
        let Some(operacion) = operaciones.iter().find(|o| o.describe(ruta)) else {
            sin_describir.push(format!("{} {}", ruta.metodo, ruta.ruta));
            continue;
        };
        let valores = nombrados
            .entry((&operacion.metodo, &operacion.plantilla))
            .or_default();
        for (parametro, valor) in operacion.valores(ruta) {
            valores.entry(parametro).or_default().insert(valor);
        }
    }
    assert!(
        sin_describir.is_empty(),
        "the README names routes that /spec does not describe: {sin_describir:?}"
    );

    for operacion in &operaciones {
        let ruta = format!(
            "{} {}",
            operacion.metodo.to_uppercase(),
            operacion.plantilla
        );
        let valores = nombrados
            .get(&(operacion.metodo.as_str(), operacion.plantilla.as_str()))
            .unwrap_or_else(|| panic!("{ruta} is in /spec but not in the README's table"));
        for (parametro, enumerados) in &operacion.enumerados {
            assert_eq!(
                valores.get(parametro),
                Some(enumerados),
                "{ruta}: the README's table names other values of {{{parametro}}} than /spec"
            );
        }
    }
}

/// What a page refers to: the kind (`script`, or a link's `rel`) and the reference.
fn recursos_de(html: &str) -> Vec<(String, String)> {
    // ASCII lower case keeps every byte offset: the tags are found in one, read in the other.
    let minusculas = html.to_ascii_lowercase();
    let mut recursos = Vec::new();
    for (etiqueta, atributo) in [("<script", "src"), ("<link", "href")] {
        for (inicio, _) in minusculas.match_indices(etiqueta) {
            let fin = inicio + minusculas[inicio..].find('>').expect("a closed tag");
            let Some(referencia) =
                atributo_de(&html[inicio..fin], &minusculas[inicio..fin], atributo)
            else {
                continue;
            };
            let clase = match etiqueta {
                "<script" => "script".to_owned(),
                _ => atributo_de(&html[inicio..fin], &minusculas[inicio..fin], "rel")
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
            };
            recursos.push((clase, referencia.to_owned()));
        }
    }
    recursos
}

/// The quoted value of an attribute of a tag.
fn atributo_de<'a>(etiqueta: &'a str, minusculas: &str, nombre: &str) -> Option<&'a str> {
    let inicio = minusculas.find(&format!(" {nombre}="))? + nombre.len() + 2;
    let comilla = etiqueta[inicio..].chars().next()?;
    assert!(
        comilla == '"' || comilla == '\'',
        "unquoted {nombre} in {etiqueta}"
    );
    let valor = &etiqueta[inicio + 1..];
    Some(&valor[..valor.find(comilla)?])
}

/// The content type an asset of this kind must have.
fn tipo_esperado(clase: &str) -> Option<&'static str> {
    match clase {
        "script" => Some("text/javascript"),
        "stylesheet" => Some("text/css"),
        "icon" => Some("image/"),
        _ => None,
    }
}

#[tokio::test]
async fn the_docs_page_loads_every_asset_from_the_application_itself() {
    let app = spawn_app().await;
    let pagina = app.get("/docs").await;
    assert_eq!(pagina.status(), 200);
    let direccion = pagina.url().clone();
    let html = pagina.text().await.unwrap();
    let recursos = recursos_de(&html);
    for clase in ["script", "stylesheet"] {
        assert!(
            recursos.iter().any(|(c, _)| c == clase),
            "/docs loads no {clase}: {html}"
        );
    }

    let origen = Url::parse(&app.direccion).unwrap().origin();
    for (clase, referencia) in recursos {
        let url = direccion
            .join(&referencia)
            .unwrap_or_else(|e| panic!("{referencia} is not a URL: {e}"));
        assert_eq!(
            url.origin(),
            origen,
            "/docs loads {referencia} from elsewhere"
        );
        let respuesta = app.cliente.get(url.clone()).send().await.unwrap();
        assert_eq!(respuesta.status(), 200, "{url}");
        let tipo = respuesta.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        if let Some(esperado) = tipo_esperado(&clase) {
            assert!(tipo.starts_with(esperado), "{url} ({clase}) answers {tipo}");
        }
        let cuerpo = respuesta.bytes().await.unwrap();
        assert!(cuerpo.len() >= 100, "{url} answers {} bytes", cuerpo.len());
    }
}

#[tokio::test]
async fn the_docs_page_points_at_the_spec() {
    let app = spawn_app().await;
    let pagina = app.get("/docs").await;
    assert_eq!(pagina.status(), 200);
    let direccion = pagina.url().clone();
    let html = pagina.text().await.unwrap();
    let mut configuraciones = Vec::new();
    for (clase, referencia) in recursos_de(&html) {
        if clase != "script" {
            continue;
        }
        let url = direccion.join(&referencia).unwrap();
        let script = app
            .cliente
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if script.contains("SwaggerUIBundle({") {
            configuraciones.push(script);
        }
    }
    let [configuracion] = configuraciones.as_slice() else {
        panic!("/docs should start Swagger UI once: {configuraciones:?}");
    };
    assert!(
        configuracion.contains(r#""url": "/spec""#),
        "Swagger UI does not read /spec: {configuracion}"
    );
    assert!(
        configuracion.contains(r#""validatorUrl": "none""#),
        "Swagger UI would send /spec to an online validator: {configuracion}"
    );
}

/// Headless Chromium, which the ui's browser test uses too.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Starting the browser and rendering the page take a few seconds.
const PLAZO_NAVEGADOR: Duration = Duration::from_secs(90);

#[tokio::test]
async fn the_docs_page_renders_every_route_of_the_spec_in_a_browser_without_internet() {
    let app = spawn_app().await;
    let spec = json(app.get("/spec").await).await;
    let perfil = tempfile::tempdir().expect("a profile directory");
    let perfil = format!("--user-data-dir={}", perfil.path().display());
    let pagina = format!("{}/docs", app.direccion);
    // Every request to another host goes to a proxy that does not exist (loopback is never
    // proxied): a page that needed the internet would render nothing.
    let argumentos = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--proxy-server=http://127.0.0.1:9",
        &perfil,
        "--virtual-time-budget=10000",
        "--dump-dom",
        &pagina,
    ]
    .map(OsStr::new);
    let navegador = ejecutar(Path::new(CHROMIUM), &argumentos, PLAZO_NAVEGADOR).await;
    assert!(
        navegador.status.success(),
        "chromium failed:\n{}",
        salida(&navegador)
    );
    let dom = String::from_utf8_lossy(&navegador.stdout);

    let rutas = spec["paths"].as_object().expect("paths");
    let sin_mostrar: Vec<&String> = rutas
        .keys()
        .filter(|ruta| !dom.contains(&format!("data-path=\"{ruta}\"")))
        .collect();
    assert!(
        sin_mostrar.is_empty(),
        "Swagger UI shows no operation of {sin_mostrar:?}:\n{dom}"
    );
}

/// The answers of a session with the application, for respuestas_documentadas.py.
struct Sesion<'a> {
    app: &'a AppDePrueba,
    /// Shows redirects as they are answered.
    cliente: Client,
    respuestas: Vec<Value>,
}

impl<'a> Sesion<'a> {
    fn nueva(app: &'a AppDePrueba) -> Self {
        Self {
            app,
            cliente: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            respuestas: Vec::new(),
        }
    }

    /// Sends a request to `ruta`, an instance of the template `plantilla`, and records the
    /// answer; answers its status and body.
    async fn pedir(
        &mut self,
        metodo: Method,
        plantilla: &str,
        ruta: &str,
        token: Option<&str>,
        cuerpo: Option<String>,
    ) -> (u16, Value) {
        let mut peticion = self
            .cliente
            .request(metodo.clone(), format!("{}{ruta}", self.app.direccion));
        if let Some(token) = token {
            peticion = peticion.bearer_auth(token);
        }
        if let Some(cuerpo) = cuerpo {
            peticion = peticion.body(cuerpo);
        }
        let respuesta = peticion.send().await.expect("the server answers");
        let estado = respuesta.status().as_u16();
        let tipo = respuesta
            .headers()
            .get(CONTENT_TYPE)
            .map(|tipo| tipo.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let cabeceras: Vec<String> = respuesta
            .headers()
            .keys()
            .map(|nombre| nombre.as_str().to_owned())
            .collect();
        let bytes = respuesta.bytes().await.unwrap();
        let cuerpo = if bytes.is_empty() {
            Value::Null
        } else if tipo.starts_with("application/json") {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{ruta}: not JSON: {e}"))
        } else {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        };
        self.respuestas.push(json!({
            "metodo": metodo.as_str().to_ascii_lowercase(),
            "ruta": plantilla,
            "estado": estado,
            "tipo": tipo,
            "cabeceras": cabeceras,
            "cuerpo": cuerpo,
        }));
        (estado, cuerpo)
    }

    async fn get(&mut self, plantilla: &str, ruta: &str) -> (u16, Value) {
        self.pedir(Method::GET, plantilla, ruta, None, None).await
    }

    async fn post(&mut self, plantilla: &str, ruta: &str, cuerpo: impl ToString) -> (u16, Value) {
        self.pedir(
            Method::POST,
            plantilla,
            ruta,
            None,
            Some(cuerpo.to_string()),
        )
        .await
    }
}

/// Asserts the status of an answer, so that each case meets the branch it is there for.
fn esperado(estado: u16, (recibido, cuerpo): (u16, Value)) -> Value {
    assert_eq!(recibido, estado, "{cuerpo}");
    cuerpo
}

#[tokio::test]
async fn every_operation_answers_as_the_spec_documents() {
    let app = spawn_app().await;
    let spec = json(app.get("/spec").await).await;
    let mut sesion = Sesion::nueva(&app);

    for ruta in [
        "/health",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/spec",
    ] {
        esperado(200, sesion.get(ruta, ruta).await);
    }
    esperado(308, sesion.get("/docs", "/docs").await);

    // vuelos, synchronously
    let reserva = "/vuelos/reserva";
    let creada = esperado(200, sesion.post(reserva, reserva, reserva_bog_mad()).await);
    let id = creada["id"].as_str().unwrap().to_owned();
    esperado(400, sesion.post(reserva, reserva, "{").await);
    esperado(
        413,
        sesion.post(reserva, reserva, " ".repeat(300 * 1024)).await,
    );
    let listado = "/vuelos/reserva-query";
    esperado(401, sesion.get(listado, listado).await);
    let personal = Some(TOKEN_SERVICIO);
    let listar = |ruta: String| (Method::GET, listado, ruta);
    for ((metodo, plantilla, ruta), estado) in [
        (listar(listado.to_owned()), 200),
        (listar(format!("{listado}?estado=Volando")), 400),
    ] {
        esperado(
            estado,
            sesion.pedir(metodo, plantilla, &ruta, personal, None).await,
        );
    }
    for plantilla in ["/vuelos/reserva-query/{id}", "/vuelos/reserva/{id}"] {
        esperado(
            200,
            sesion.get(plantilla, &plantilla.replace("{id}", &id)).await,
        );
    }
    let consulta = "/vuelos/reserva-query/{id}";
    let desconocida = uuid::Uuid::new_v4().to_string();
    esperado(
        400,
        sesion
            .get(consulta, "/vuelos/reserva-query/no-es-un-id")
            .await,
    );
    let ruta = format!("/vuelos/reserva-query/{desconocida}");
    esperado(404, sesion.get(consulta, &ruta).await);
    let accion = "/vuelos/reserva/{id}/{accion}";
    for (ruta, estado) in [
        (format!("/vuelos/reserva/{id}/pagar"), 409),
        (format!("/vuelos/reserva/{id}/aprobar"), 200),
        (format!("/vuelos/reserva/{id}/volar"), 404),
        ("/vuelos/reserva/no-es-un-id/aprobar".to_owned(), 400),
    ] {
        esperado(estado, sesion.post(accion, &ruta, "").await);
    }

    // vuelos, asynchronously
    for plantilla in ["/vuelos/reserva-commando", "/vuelos/reserva-comando"] {
        esperado(
            202,
            sesion.post(plantilla, plantilla, reserva_bog_mad()).await,
        );
        esperado(400, sesion.post(plantilla, plantilla, "{").await);
        let accion = format!("{plantilla}/{{id}}/{{accion}}");
        for (ruta, estado) in [
            (format!("{plantilla}/{id}/cancelar"), 202),
            (format!("{plantilla}/{desconocida}/aprobar"), 404),
            (format!("{plantilla}/no-es-un-id/aprobar"), 400),
        ] {
            esperado(estado, sesion.post(&accion, &ruta, "").await);
        }
    }
    let mut sin_cliente = reserva_bog_mad();
    sin_cliente["id_cliente"] = json!(uuid::Uuid::new_v4().to_string());
    let comando = "/vuelos/reserva-commando";
    // In a client's name: not anonymously; staff may.
    esperado(401, sesion.post(comando, comando, &sin_cliente).await);
    let rechazada = esperado(
        202,
        sesion
            .pedir(
                Method::POST,
                comando,
                comando,
                personal,
                Some(sin_cliente.to_string()),
            )
            .await,
    );
    let ruta = format!(
        "/vuelos/reserva-query/{}",
        rechazada["id"].as_str().unwrap()
    );
    // In process (202) until the consumer handles the command, then refused (422).
    sesion.get(consulta, &ruta).await;
    app.esperar(rechazada["id"].as_str().unwrap(), 422).await;
    esperado(422, sesion.get(consulta, &ruta).await);

    // clientes
    let usuarios = "/clientes/usuarios";
    let email = "documentada@gmail.com";
    let registro = registro_natural(email, PASSWORD);
    let creado = esperado(201, sesion.post(usuarios, usuarios, &registro).await);
    let usuario = creado["id"].as_str().unwrap().to_owned();
    esperado(409, sesion.post(usuarios, usuarios, &registro).await);
    esperado(400, sesion.post(usuarios, usuarios, "{").await);
    let login = "/clientes/login";
    let credenciales = json!({ "email": email, "password": PASSWORD });
    let token = esperado(200, sesion.post(login, login, &credenciales).await);
    let token = token["token"].as_str().unwrap().to_owned();
    let incorrectas = json!({ "email": email, "password": "otra clave bastante larga" });
    esperado(401, sesion.post(login, login, incorrectas).await);
    esperado(400, sesion.post(login, login, "{").await);
    let (otro, _) = app.usuario_con_token("otro.documentado@gmail.com").await;
    let desactivados = "/clientes/usuarios/desactivados";
    let uno = "/clientes/usuarios/{id}";
    let desactivar = "/clientes/usuarios/{id}/desactivar";
    for ruta in [usuarios, desactivados] {
        esperado(
            200,
            sesion.pedir(Method::GET, ruta, ruta, personal, None).await,
        );
    }
    for (metodo, plantilla, ruta, estado) in [
        (Method::GET, usuarios, usuarios.to_owned(), 403),
        (Method::GET, desactivados, desactivados.to_owned(), 403),
        (Method::GET, uno, format!("{usuarios}/{usuario}"), 200),
        (Method::GET, uno, format!("{usuarios}/{otro}"), 403),
        (Method::GET, uno, format!("{usuarios}/no-es-un-id"), 400),
        (
            Method::POST,
            desactivar,
            format!("{usuarios}/{otro}/desactivar"),
            403,
        ),
        (
            Method::POST,
            desactivar,
            format!("{usuarios}/{usuario}/desactivar"),
            200,
        ),
    ] {
        let respuesta = sesion.pedir(metodo, plantilla, &ruta, Some(&token), None);
        esperado(estado, respuesta.await);
    }
    for (plantilla, ruta) in [
        (usuarios, usuarios.to_owned()),
        (desactivados, desactivados.to_owned()),
        (uno, format!("{usuarios}/{usuario}")),
        (desactivar, format!("{usuarios}/{usuario}/desactivar")),
    ] {
        let metodo = if plantilla == desactivar {
            Method::POST
        } else {
            Method::GET
        };
        esperado(
            401,
            sesion.pedir(metodo, plantilla, &ruta, None, None).await,
        );
    }

    let pedidas: BTreeSet<(&str, &str)> = sesion
        .respuestas
        .iter()
        .map(|r| (r["metodo"].as_str().unwrap(), r["ruta"].as_str().unwrap()))
        .collect();
    let sin_pedir: Vec<String> = operaciones(&spec)
        .into_iter()
        .filter(|o| !pedidas.contains(&(o.metodo.as_str(), o.plantilla.as_str())))
        .map(|o| format!("{} {}", o.metodo.to_uppercase(), o.plantilla))
        .collect();
    assert!(sin_pedir.is_empty(), "no case asks {sin_pedir:?}");

    preparar_python().await;
    let entrada = json!({ "spec": spec, "respuestas": sesion.respuestas }).to_string();
    let revision = ejecutar_con_entrada(
        &raiz().join(".venv/bin/python"),
        &[raiz()
            .join("tests/api/python/respuestas_documentadas.py")
            .as_os_str()],
        entrada.as_bytes(),
        PLAZO_VALIDADOR,
    )
    .await;
    assert!(
        revision.status.success(),
        "answers that /spec does not describe:\n{}",
        salida(&revision)
    );
}

#[test]
fn the_readme_reader_expands_sibling_segments_and_respellings() {
    let rutas = |celda: &str| -> Vec<String> {
        rutas_de_celda(celda)
            .into_iter()
            .map(|r| format!("{} {}", r.metodo, r.ruta))
            .collect()
    };
    assert_eq!(
        rutas("`POST /a-uno/{id}/x` · `/y` (also `-dos`)"),
        [
            "POST /a-uno/{id}/x",
            "POST /a-uno/{id}/y",
            "POST /a-dos/{id}/x",
            "POST /a-dos/{id}/y"
        ]
    );
    assert_eq!(
        rutas("`GET /b/{id}` · `POST /b/{id}/c` after a request"),
        ["GET /b/{id}", "POST /b/{id}/c"]
    );
    assert_eq!(
        primera_celda("| `GET /x` \\| `y` | z |"),
        " `GET /x` \\| `y` "
    );
}
