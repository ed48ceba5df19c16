//! The routes of the clientes module: registration, log-in, and reading and deactivating
//! users (the user itself or staff), and listing them (staff).

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpRequest, HttpResponse};
use clientes_aplicacion::dto::{CredencialesDTO, RegistroUsuarioDTO, TokenDTO, UsuarioDTO};
use clientes_aplicacion::{
    DesactivarUsuario, ErrorClientes, ObtenerTodosUsuarios, ObtenerUsuario,
    ObtenerUsuariosDesactivados,
};
use clientes_dominio::IdUsuario;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::autenticacion::Portador;
use crate::contexto::Contexto;
use crate::cuerpo;
use crate::errores::{CuerpoError, ErrorApi};
use crate::Rol;

/// The routes of clientes a process of role `rol` serves: the commands (`POST`) where the
/// write model is, the queries (`GET`) where the queries are answered.
pub fn rutas(rol: Rol) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        // One resource per path: actix answers a path from the first resource that has it.
        let mut usuarios = web::resource("/clientes/usuarios");
        if rol.sirve_comandos() {
            usuarios = usuarios.route(web::post().to(registrar));
        }
        if rol.sirve_consultas() {
            usuarios = usuarios.route(web::get().to(listar_usuarios));
        }
        cfg.service(usuarios);
        if rol.sirve_consultas() {
            // Before `/clientes/usuarios/{id}`, which would otherwise take "desactivados"
            // for an id.
            cfg.service(
                web::resource("/clientes/usuarios/desactivados")
                    .route(web::get().to(listar_desactivados)),
            )
            .service(
                web::resource("/clientes/usuarios/{id}").route(web::get().to(obtener_usuario)),
            );
        }
        if rol.sirve_comandos() {
            cfg.service(
                web::resource("/clientes/usuarios/{id}/desactivar")
                    .route(web::post().to(desactivar)),
            )
            .service(web::resource("/clientes/login").route(web::post().to(iniciar_sesion)));
        }
    }
}

/// The answer to a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsuarioCreado {
    pub id: Uuid,
}

/// Reads a body that carries a password. serde's messages quote the value of a field of
/// the wrong type, so a `password` that is not a JSON string is refused here, before serde
/// could quote it in an answer or a log line.
async fn cuerpo_con_password<T: DeserializeOwned>(payload: web::Payload) -> Result<T, ErrorApi> {
    let valor: serde_json::Value = cuerpo::json(payload).await?;
    if valor.get("password").is_some_and(|p| !p.is_string()) {
        return Err(ErrorApi::solicitud("`password` debe ser un texto"));
    }
    serde_json::from_value(valor).map_err(|e| ErrorApi::solicitud(format!("JSON inválido: {e}")))
}

fn id_usuario(texto: &str) -> Result<IdUsuario, ErrorApi> {
    texto
        .parse()
        .map_err(|_| ErrorApi::solicitud(format!("'{texto}' no es un id de usuario (UUID)")))
}

/// Register a natural person (`"tipo": "natural"`, `cedula`, `fecha_nacimiento`) or a
/// company (`"tipo": "empresa"`, `rut`, `fecha_constitucion`).
#[utoipa::path(post, path = "/clientes/usuarios", tag = "clientes", request_body = RegistroUsuarioDTO,
    responses((status = 201, description = "Registered", body = UsuarioCreado,
               headers(("Location" = String, description = "/clientes/usuarios/{id}, the user"))),
              (status = 400, description = "Malformed JSON or a broken rule, named in `regla`", body = CuerpoError),
              (status = 409, description = "The e-mail is already registered", body = CuerpoError),
              (status = 413, description = "Body over 256 KiB", body = CuerpoError)))]
pub async fn registrar(
    contexto: web::Data<Contexto>,
    payload: web::Payload,
) -> Result<HttpResponse, ErrorApi> {
    let solicitud: RegistroUsuarioDTO = cuerpo_con_password(payload).await?;
    let _turno = contexto.limites.turno_hash().await?;
    let usuario = contexto
        .comandos_clientes()?
        .registrar(solicitud.try_into_domain()?)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/clientes/usuarios/{}", usuario.id)))
        .json(UsuarioCreado { id: usuario.id }))
}

/// Exchange an e-mail and a password for a bearer token.
#[utoipa::path(post, path = "/clientes/login", tag = "clientes", request_body = CredencialesDTO,
    responses((status = 200, description = "A bearer token for the other routes", body = TokenDTO),
              (status = 400, description = "Malformed JSON or e-mail", body = CuerpoError),
              (status = 401, description = "Wrong credentials (which part is not told)", body = CuerpoError),
              (status = 429, description = "Five failed log-ins within a minute for this e-mail or \
                address: retry after `Retry-After` seconds", body = CuerpoError),
              (status = 503, description = "Too many log-ins or registrations hashing at once: \
                retry after `Retry-After`", body = CuerpoError),
              (status = 413, description = "Body over 256 KiB", body = CuerpoError)))]
pub async fn iniciar_sesion(
    solicitud: HttpRequest,
    contexto: web::Data<Contexto>,
    payload: web::Payload,
) -> Result<HttpResponse, ErrorApi> {
    let credenciales = cuerpo_con_password::<CredencialesDTO>(payload)
        .await?
        .try_into_domain()?;
    // Failures count against the e-mail and the client's address: the connection's peer,
    // or the address a trusted proxy (the gateway) names; never a header a client chose.
    let por_email = format!("email:{}", credenciales.email);
    let mut claves = vec![por_email.clone()];
    if let Some(direccion) = contexto.proxies_confiables.direccion_cliente(&solicitud) {
        claves.push(format!("ip:{direccion}"));
    }
    contexto.limites.comprobar(&claves)?;
    let _turno = contexto.limites.turno_hash().await?;
    match contexto.comandos_clientes()?.autenticar(credenciales).await {
        Ok(token) => {
            contexto.limites.exito(&por_email);
            Ok(HttpResponse::Ok().json(token))
        }
        Err(ErrorClientes::CredencialesInvalidas) => {
            contexto.limites.fallo(&claves);
            Err(ErrorClientes::CredencialesInvalidas.into())
        }
        Err(otro) => Err(otro.into()),
    }
}

/// One user with its reservations; only with that user's own token, or staff's.
#[utoipa::path(get, path = "/clientes/usuarios/{id}", tag = "clientes",
    params(("id" = String, Path, description = "The user id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The user, with its reservations", body = UsuarioDTO),
              (status = 400, description = "Not a valid id", body = CuerpoError),
              (status = 401, description = "No token, or an invalid or expired one, or a deactivated \
                user's", body = CuerpoError),
              (status = 403, description = "The token is another client's (staff may)", body = CuerpoError),
              (status = 404, description = "No such user", body = CuerpoError)))]
pub async fn obtener_usuario(
    portador: Portador,
    contexto: web::Data<Contexto>,
    id: web::Path<String>,
) -> Result<HttpResponse, ErrorApi> {
    portador.exigir_credenciales()?;
    let id = id_usuario(&id)?;
    portador.exigir_usuario(id.uuid())?;
    let usuario = contexto
        .consultas_clientes
        .obtener(ObtenerUsuario { id })
        .await?;
    Ok(HttpResponse::Ok().json(usuario))
}

/// Deactivate a user: it can no longer log in nor take on reservations. Only with that
/// user's own token; deactivating twice changes nothing.
#[utoipa::path(post, path = "/clientes/usuarios/{id}/desactivar", tag = "clientes",
    params(("id" = String, Path, description = "The user id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The user, deactivated", body = UsuarioDTO),
              (status = 400, description = "Not a valid id", body = CuerpoError),
              (status = 401, description = "No token, or an invalid or expired one, or a deactivated \
                user's", body = CuerpoError),
              (status = 403, description = "The token is another client's (staff may)", body = CuerpoError),
              (status = 404, description = "No such user", body = CuerpoError)))]
pub async fn desactivar(
    portador: Portador,
    contexto: web::Data<Contexto>,
    id: web::Path<String>,
) -> Result<HttpResponse, ErrorApi> {
    portador.exigir_credenciales()?;
    let id = id_usuario(&id)?;
    portador.exigir_usuario(id.uuid())?;
    let usuario = contexto
        .comandos_clientes()?
        .desactivar(DesactivarUsuario { id })
        .await?;
    Ok(HttpResponse::Ok().json(usuario))
}

/// Every user, oldest registration first; staff only.
#[utoipa::path(get, path = "/clientes/usuarios", tag = "clientes", security(("bearer" = [])),
    responses((status = 200, description = "Every user", body = [UsuarioDTO]),
              (status = 401, description = "No token, or an invalid or expired one", body = CuerpoError),
              (status = 403, description = "Not staff", body = CuerpoError)))]
pub async fn listar_usuarios(
    portador: Portador,
    contexto: web::Data<Contexto>,
) -> Result<HttpResponse, ErrorApi> {
    portador.exigir_personal()?;
    let usuarios = contexto
        .consultas_clientes
        .listar_todos(ObtenerTodosUsuarios)
        .await?;
    Ok(HttpResponse::Ok().json(usuarios))
}

/// The deactivated users, oldest registration first; staff only.
#[utoipa::path(get, path = "/clientes/usuarios/desactivados", tag = "clientes",
    security(("bearer" = [])),
    responses((status = 200, description = "The deactivated users", body = [UsuarioDTO]),
              (status = 401, description = "No token, or an invalid or expired one", body = CuerpoError),
              (status = 403, description = "Not staff", body = CuerpoError)))]
pub async fn listar_desactivados(
    portador: Portador,
    contexto: web::Data<Contexto>,
) -> Result<HttpResponse, ErrorApi> {
    portador.exigir_personal()?;
    let usuarios = contexto
        .consultas_clientes
        .listar_desactivados(ObtenerUsuariosDesactivados)
        .await?;
    Ok(HttpResponse::Ok().json(usuarios))
}
