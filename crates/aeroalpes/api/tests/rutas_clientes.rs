//! The clientes routes over a fake application port: what each route asks of the
//! application, and how it answers what the application says, with no database.

mod comun;

use std::sync::{Arc, Mutex};

use actix_web::http::header::{AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::test;
use async_trait::async_trait;
use chrono::NaiveDate;
use clientes_aplicacion::dto::{
    CiudadDTO, DocumentoDTO, PaisDTO, TipoClienteDTO, TokenDTO, UsuarioDTO,
};
use clientes_aplicacion::{
    Acceso, AutenticarUsuario, Clientes, ConsultasClientes, DatosCliente, DesactivarUsuario,
    ErrorClientes, ObtenerAcceso, ObtenerTodosUsuarios, ObtenerUsuario,
    ObtenerUsuariosDesactivados, RegistrarUsuario,
};
use clientes_dominio::IdUsuario;
use serde_json::{json, Value};

use crate::comun::{acceso_de, app, contexto, Ajeno, PERSONAL};

/// What the routes asked of the application.
#[derive(Debug, Clone)]
enum Pedido {
    Registrar(RegistrarUsuario),
    Autenticar(AutenticarUsuario),
    Desactivar(DesactivarUsuario),
    Obtener(ObtenerUsuario),
    ListarTodos,
    ListarDesactivados,
}

/// An application that notes every call, answers `usuario` for any user, and accepts
/// credentials only when told to.
struct Fake {
    pedidos: Mutex<Vec<Pedido>>,
    usuario: UsuarioDTO,
    acepta_credenciales: bool,
}

impl Fake {
    fn new(acepta_credenciales: bool) -> Arc<Self> {
        Arc::new(Self {
            pedidos: Mutex::new(Vec::new()),
            usuario: usuario(IdUsuario::nuevo()),
            acepta_credenciales,
        })
    }

    fn pedidos(&self) -> Vec<Pedido> {
        self.pedidos.lock().unwrap().clone()
    }

    fn anotar(&self, pedido: Pedido) {
        self.pedidos.lock().unwrap().push(pedido);
    }

    fn id(&self) -> IdUsuario {
        self.usuario.id.into()
    }
}

#[async_trait]
impl Clientes for Fake {
    async fn registrar(&self, comando: RegistrarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        self.anotar(Pedido::Registrar(comando));
        Ok(self.usuario.clone())
    }

    async fn autenticar(&self, comando: AutenticarUsuario) -> Result<TokenDTO, ErrorClientes> {
        self.anotar(Pedido::Autenticar(comando));
        if !self.acepta_credenciales {
            return Err(ErrorClientes::CredencialesInvalidas);
        }
        Ok(TokenDTO {
            token: self.usuario.id.to_string(),
            tipo: "Bearer".into(),
            expira: "2026-06-15T11:00:00Z".into(),
        })
    }

    async fn desactivar(&self, comando: DesactivarUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        self.anotar(Pedido::Desactivar(comando));
        Ok(self.usuario.clone())
    }
}

#[async_trait]
impl ConsultasClientes for Fake {
    async fn obtener(&self, query: ObtenerUsuario) -> Result<UsuarioDTO, ErrorClientes> {
        self.anotar(Pedido::Obtener(query));
        Ok(self.usuario.clone())
    }

    async fn listar_todos(
        &self,
        _: ObtenerTodosUsuarios,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        self.anotar(Pedido::ListarTodos);
        Ok(vec![self.usuario.clone()])
    }

    async fn listar_desactivados(
        &self,
        _: ObtenerUsuariosDesactivados,
    ) -> Result<Vec<UsuarioDTO>, ErrorClientes> {
        self.anotar(Pedido::ListarDesactivados);
        Ok(Vec::new())
    }

    async fn acceso(&self, query: ObtenerAcceso) -> Result<Acceso, ErrorClientes> {
        Ok(acceso_de(query.id))
    }
}

/// A context over `fake`, whose routes reach no vuelos module.
fn con_clientes(fake: &Arc<Fake>) -> aeroalpes_api::Contexto {
    contexto(Arc::new(Ajeno), fake.clone())
}

fn usuario(id: IdUsuario) -> UsuarioDTO {
    UsuarioDTO {
        id: id.uuid(),
        tipo: TipoClienteDTO::Natural,
        nombres: "Ana".into(),
        apellidos: "Pérez".into(),
        email: "ana@example.com".into(),
        es_empresarial: false,
        activo: true,
        documento: DocumentoDTO {
            numero: 1_020_304_050,
            ciudad: CiudadDTO {
                codigo: "BOG".into(),
                nombre: "Bogotá".into(),
                pais: PaisDTO {
                    codigo: "CO".into(),
                    nombre: "Colombia".into(),
                },
            },
        },
        fecha_nacimiento: Some(fecha("1990-05-01")),
        fecha_constitucion: None,
        fecha_creacion: "2026-06-15T10:00:00Z".into(),
        fecha_actualizacion: "2026-06-15T10:00:00Z".into(),
        reservas: Vec::new(),
    }
}

fn fecha(texto: &str) -> NaiveDate {
    texto.parse().unwrap()
}

/// A POST of `cuerpo` as JSON to `ruta`.
fn post(ruta: &str, cuerpo: Value) -> test::TestRequest {
    test::TestRequest::post().uri(ruta).set_json(cuerpo)
}

fn cuerpo_registro(email: &str) -> Value {
    json!({
        "tipo": "natural",
        "nombres": "Ana",
        "apellidos": "Pérez",
        "email": email,
        "password": "una contraseña larga",
        "fecha_nacimiento": "1990-05-01",
        "cedula": {"numero": 1020304050, "ciudad": {"codigo": "BOG", "nombre": "Bogotá",
                   "pais": {"codigo": "CO", "nombre": "Colombia"}}}
    })
}

#[actix_web::test]
async fn a_registration_hands_the_body_to_the_application_and_answers_201_with_its_location() {
    let fake = Fake::new(true);
    let app = app!(con_clientes(&fake));

    let respuesta = test::call_service(
        &app,
        post("/clientes/usuarios", cuerpo_registro("ana@example.com")).to_request(),
    )
    .await;

    assert_eq!(respuesta.status(), StatusCode::CREATED);
    let id = fake.usuario.id;
    assert_eq!(
        respuesta.headers().get(LOCATION).unwrap(),
        &format!("/clientes/usuarios/{id}")
    );
    let cuerpo: Value = test::read_body_json(respuesta).await;
    assert_eq!(cuerpo, json!({"id": id}));
    let pedidos = fake.pedidos();
    let [Pedido::Registrar(comando)] = pedidos.as_slice() else {
        panic!("one registration: {pedidos:?}");
    };
    assert_eq!(comando.email.as_str(), "ana@example.com");
    assert_eq!(
        (comando.nombre.nombres(), comando.nombre.apellidos()),
        ("Ana", "Pérez")
    );
    let DatosCliente::Natural {
        cedula,
        fecha_nacimiento,
    } = &comando.cliente
    else {
        panic!("a natural client: {:?}", comando.cliente);
    };
    assert_eq!(cedula.numero().valor(), 1_020_304_050);
    assert_eq!(*fecha_nacimiento, fecha("1990-05-01"));
}

#[actix_web::test]
async fn a_registration_that_breaks_a_format_rule_answers_400_and_reaches_nobody() {
    let fake = Fake::new(true);
    let app = app!(con_clientes(&fake));

    let respuesta = test::call_service(
        &app,
        post("/clientes/usuarios", cuerpo_registro("no es un email")).to_request(),
    )
    .await;

    assert_eq!(respuesta.status(), StatusCode::BAD_REQUEST);
    assert!(fake.pedidos().is_empty());
}

#[actix_web::test]
async fn a_refused_login_answers_401_naming_the_bearer_scheme() {
    let fake = Fake::new(false);
    let app = app!(con_clientes(&fake));

    let respuesta = test::call_service(
        &app,
        post(
            "/clientes/login",
            json!({"email": "ana@example.com", "password": "otra clave"}),
        )
        .to_request(),
    )
    .await;

    assert_eq!(respuesta.status(), StatusCode::UNAUTHORIZED);
    assert!(respuesta.headers().contains_key(WWW_AUTHENTICATE));
    let cuerpo: Value = test::read_body_json(respuesta).await;
    assert_eq!(cuerpo, json!({"error": "credenciales inválidas"}));
    let pedidos = fake.pedidos();
    let [Pedido::Autenticar(comando)] = pedidos.as_slice() else {
        panic!("one authentication: {pedidos:?}");
    };
    assert_eq!(comando.email.as_str(), "ana@example.com");
    assert_eq!(comando.password.as_str(), "otra clave");
}

#[actix_web::test]
async fn an_accepted_login_answers_the_applications_token() {
    let fake = Fake::new(true);
    let app = app!(con_clientes(&fake));

    let respuesta = test::call_service(
        &app,
        post(
            "/clientes/login",
            json!({"email": "ana@example.com", "password": "una contraseña larga"}),
        )
        .to_request(),
    )
    .await;

    assert_eq!(respuesta.status(), StatusCode::OK);
    let cuerpo: Value = test::read_body_json(respuesta).await;
    assert_eq!(
        cuerpo,
        json!({"token": fake.usuario.id, "tipo": "Bearer", "expira": "2026-06-15T11:00:00Z"})
    );
}

#[actix_web::test]
async fn a_user_is_read_and_deactivated_only_with_its_own_token() {
    let fake = Fake::new(true);
    let app = app!(con_clientes(&fake));
    let id = fake.id();
    let con_token = |metodo: test::TestRequest, ruta: String, dueno: IdUsuario| {
        metodo
            .uri(&ruta)
            .insert_header((AUTHORIZATION, format!("Bearer {dueno}")))
            .to_request()
    };

    let propio = con_token(
        test::TestRequest::get(),
        format!("/clientes/usuarios/{id}"),
        id,
    );
    let respuesta = test::call_service(&app, propio).await;
    assert_eq!(respuesta.status(), StatusCode::OK);
    let cuerpo: UsuarioDTO = test::read_body_json(respuesta).await;
    assert_eq!(cuerpo, fake.usuario);

    let ajeno = con_token(
        test::TestRequest::post(),
        format!("/clientes/usuarios/{id}/desactivar"),
        IdUsuario::nuevo(),
    );
    assert_eq!(
        test::call_service(&app, ajeno).await.status(),
        StatusCode::FORBIDDEN
    );
    let desactivar = con_token(
        test::TestRequest::post(),
        format!("/clientes/usuarios/{id}/desactivar"),
        id,
    );
    assert_eq!(
        test::call_service(&app, desactivar).await.status(),
        StatusCode::OK
    );

    let pedidos = fake.pedidos();
    assert!(
        matches!(
            pedidos.as_slice(),
            [Pedido::Obtener(ObtenerUsuario { id: leido }), Pedido::Desactivar(DesactivarUsuario { id: desactivado })]
                if *leido == id && *desactivado == id
        ),
        "{pedidos:?}"
    );
}

#[actix_web::test]
async fn the_listings_need_a_staff_token_and_the_deactivated_one_is_not_taken_for_an_id() {
    let fake = Fake::new(true);
    let app = app!(con_clientes(&fake));
    let token = format!("Bearer {PERSONAL}");
    let de_cliente = format!("Bearer {}", IdUsuario::nuevo());
    for ruta in ["/clientes/usuarios", "/clientes/usuarios/desactivados"] {
        let solicitud = test::TestRequest::get()
            .uri(ruta)
            .insert_header((AUTHORIZATION, de_cliente.as_str()))
            .to_request();
        assert_eq!(
            test::call_service(&app, solicitud).await.status(),
            StatusCode::FORBIDDEN,
            "a client's token on {ruta}"
        );
    }

    let sin_token = test::TestRequest::get()
        .uri("/clientes/usuarios")
        .to_request();
    assert_eq!(
        test::call_service(&app, sin_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for ruta in ["/clientes/usuarios", "/clientes/usuarios/desactivados"] {
        let solicitud = test::TestRequest::get()
            .uri(ruta)
            .insert_header((AUTHORIZATION, token.as_str()))
            .to_request();
        assert_eq!(
            test::call_service(&app, solicitud).await.status(),
            StatusCode::OK,
            "{ruta}"
        );
    }

    let pedidos = fake.pedidos();
    assert!(
        matches!(
            pedidos.as_slice(),
            [Pedido::ListarTodos, Pedido::ListarDesactivados]
        ),
        "{pedidos:?}"
    );
}
