//! The read model of users of a query service (see `clientes_aplicacion::vista`): its table,
//! in the service's own database ([`MIGRACIONES_VISTA`]), read by [`VistaUsuariosDiesel`]
//! and written only by [`ProyeccionUsuarios`] from clientes' integration events, each once
//! through the database's inbox. A registration and a deactivation commute: whichever
//! arrives first, the row ends registered and inactive.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clientes_aplicacion::dto::{
    CiudadDTO, DocumentoDTO, PaisDTO, TipoClienteDTO, UsuarioDTO, FORMATO_FECHA_HORA,
};
use clientes_aplicacion::{FabricaVistaUsuarios, VistaUsuarios};
use clientes_contrato::{EventoClientes, UsuarioRegistradoPayload};
use clientes_dominio::{AccesoUsuario, Email, IdUsuario};
use diesel::prelude::*;
use diesel_migrations::embed_migrations;
use seedwork_aplicacion::{ErrorUnidadTrabajo, UnidadTrabajo};
use seedwork_contrato::escritores::sin_panico;
use seedwork_contrato::{EsquemasEscritor, MensajeIntegracion};
use seedwork_dominio::{con_causas, ErrorPersistencia};
use seedwork_mensajeria::{Desenlace, ManejadorMensajes, MensajeEntrante};
use seedwork_persistencia::{
    de_diesel, Conexion, Inbox, MensajeEnCurso, Migraciones, Procesado, TransaccionDiesel,
    UnidadTrabajoDiesel,
};

/// The read model's table, for a query service's database.
pub const MIGRACIONES_VISTA: Migraciones = Migraciones::new(
    "clientes-vista",
    embed_migrations!("migrations-vista/sqlite"),
    embed_migrations!("migrations-vista/postgres"),
);

diesel::table! {
    vista_usuarios (id) {
        id -> Text,
        email -> Nullable<Text>,
        activo -> Bool,
        datos -> Nullable<Text>,
        fecha_creacion -> Timestamp,
        fecha_actualizacion -> Timestamp,
    }
}

/// Binds the read model of users to the unit of work's open transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct FabricaVistaUsuariosDiesel;

impl FabricaVistaUsuarios<TransaccionDiesel> for FabricaVistaUsuariosDiesel {
    type Vista<'a> = VistaUsuariosDiesel<'a>;

    fn vista<'a>(&self, tx: &'a mut TransaccionDiesel) -> VistaUsuariosDiesel<'a> {
        VistaUsuariosDiesel {
            conexion: tx.conexion(),
        }
    }
}

/// The read model of users, read inside a transaction.
pub struct VistaUsuariosDiesel<'a> {
    conexion: &'a mut Conexion,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = vista_usuarios)]
struct FilaUsuario {
    id: String,
    activo: bool,
    datos: Option<String>,
    fecha_actualizacion: NaiveDateTime,
}

impl FilaUsuario {
    /// The user a complete row holds, with its state and last change.
    fn a_dto(self) -> Result<UsuarioDTO, ErrorPersistencia> {
        let mut usuario: UsuarioDTO = serde_json::from_str(self.datos.as_deref().unwrap_or(""))
            .map_err(|e| {
                ErrorPersistencia::datos_invalidos(format!("el usuario {} en la vista", self.id), e)
            })?;
        usuario.activo = self.activo;
        usuario.fecha_actualizacion = self
            .fecha_actualizacion
            .and_utc()
            .format(FORMATO_FECHA_HORA)
            .to_string();
        Ok(usuario)
    }
}

impl VistaUsuarios for VistaUsuariosDiesel<'_> {
    fn usuario(&mut self, id: IdUsuario) -> Result<Option<UsuarioDTO>, ErrorPersistencia> {
        vista_usuarios::table
            .find(id.to_string())
            .filter(vista_usuarios::datos.is_not_null())
            .select(FilaUsuario::as_select())
            .first(self.conexion)
            .optional()
            .map_err(de_diesel)?
            .map(FilaUsuario::a_dto)
            .transpose()
    }

    fn acceso(&mut self, id: IdUsuario) -> Result<Option<AccesoUsuario>, ErrorPersistencia> {
        let fila: Option<(Option<String>, bool)> = vista_usuarios::table
            .find(id.to_string())
            .filter(vista_usuarios::datos.is_not_null())
            .select((vista_usuarios::email, vista_usuarios::activo))
            .first(self.conexion)
            .optional()
            .map_err(de_diesel)?;
        fila.map(|(email, activo)| {
            let email = email.unwrap_or_default();
            Email::parse(&email)
                .map(|email| AccesoUsuario { email, activo })
                .map_err(|regla| {
                    ErrorPersistencia::datos_invalidos(format!("el e-mail del usuario {id}"), regla)
                })
        })
        .transpose()
    }

    fn listar(&mut self, solo_desactivados: bool) -> Result<Vec<UsuarioDTO>, ErrorPersistencia> {
        let mut consulta = vista_usuarios::table
            .filter(vista_usuarios::datos.is_not_null())
            .into_boxed();
        if solo_desactivados {
            consulta = consulta.filter(vista_usuarios::activo.eq(false));
        }
        consulta
            .order((vista_usuarios::fecha_creacion, vista_usuarios::id))
            .select(FilaUsuario::as_select())
            .load(self.conexion)
            .map_err(de_diesel)?
            .into_iter()
            .map(FilaUsuario::a_dto)
            .collect()
    }
}

/// One change of the read model of users.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cambio {
    Registrado {
        id: String,
        email: String,
        datos: String,
        fecha: NaiveDateTime,
    },
    Desactivado {
        id: String,
        fecha: NaiveDateTime,
    },
}

fn aplicar(conexion: &mut Conexion, cambio: &Cambio) -> Result<(), ErrorPersistencia> {
    match cambio {
        Cambio::Registrado {
            id,
            email,
            datos,
            fecha,
        } => {
            let completadas = diesel::update(vista_usuarios::table.find(id))
                .set((
                    vista_usuarios::email.eq(email),
                    vista_usuarios::datos.eq(datos),
                    vista_usuarios::fecha_creacion.eq(fecha),
                ))
                .execute(conexion)
                .map_err(de_diesel)?;
            if completadas == 0 {
                diesel::insert_into(vista_usuarios::table)
                    .values((
                        vista_usuarios::id.eq(id),
                        vista_usuarios::email.eq(email),
                        vista_usuarios::activo.eq(true),
                        vista_usuarios::datos.eq(datos),
                        vista_usuarios::fecha_creacion.eq(fecha),
                        vista_usuarios::fecha_actualizacion.eq(fecha),
                    ))
                    .execute(conexion)
                    .map_err(de_diesel)?;
            }
        }
        Cambio::Desactivado { id, fecha } => {
            let desactivados = diesel::update(vista_usuarios::table.find(id))
                .set((
                    vista_usuarios::activo.eq(false),
                    vista_usuarios::fecha_actualizacion.eq(fecha),
                ))
                .execute(conexion)
                .map_err(de_diesel)?;
            if desactivados == 0 {
                diesel::insert_into(vista_usuarios::table)
                    .values((
                        vista_usuarios::id.eq(id),
                        vista_usuarios::activo.eq(false),
                        vista_usuarios::fecha_creacion.eq(fecha),
                        vista_usuarios::fecha_actualizacion.eq(fecha),
                    ))
                    .execute(conexion)
                    .map_err(de_diesel)?;
            }
        }
    }
    Ok(())
}

fn fecha(milisegundos: Option<i64>) -> NaiveDateTime {
    milisegundos
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or_else(Utc::now)
        .naive_utc()
}

fn requerido<'a>(valor: &'a Option<String>, campo: &str) -> Result<&'a str, String> {
    valor
        .as_deref()
        .ok_or_else(|| format!("falta data.{campo}"))
}

fn dia(valor: &Option<String>, campo: &str) -> Result<Option<NaiveDate>, String> {
    valor
        .as_deref()
        .map(|texto| {
            NaiveDate::parse_from_str(texto, "%Y-%m-%d")
                .map_err(|e| format!("data.{campo} '{texto}': {e}"))
        })
        .transpose()
}

/// The user a registration carries, as the API answers it (reservations come from the
/// reservations of the read model, state and last change from the row).
fn usuario_registrado(carga: &UsuarioRegistradoPayload) -> Result<Cambio, String> {
    let id = IdUsuario::parse(requerido(&carga.id_usuario, "id_usuario")?)
        .map_err(|regla| format!("data.id_usuario: {regla}"))?;
    let email = Email::parse(requerido(&carga.email, "email")?)
        .map_err(|regla| format!("data.email: {regla}"))?;
    let tipo = match requerido(&carga.tipo, "tipo")? {
        "natural" => TipoClienteDTO::Natural,
        "empresa" => TipoClienteDTO::Empresa,
        otro => return Err(format!("data.tipo: '{otro}' no es natural ni empresa")),
    };
    let documento = carga.documento.as_ref().ok_or("falta data.documento")?;
    let ciudad = documento
        .ciudad
        .as_ref()
        .ok_or("falta data.documento.ciudad")?;
    let pais = ciudad
        .pais
        .as_ref()
        .ok_or("falta data.documento.ciudad.pais")?;
    let creado = fecha(carga.fecha_creacion);
    let usuario = UsuarioDTO {
        id: id.uuid(),
        tipo,
        nombres: requerido(&carga.nombres, "nombres")?.to_owned(),
        apellidos: requerido(&carga.apellidos, "apellidos")?.to_owned(),
        email: email.to_string(),
        es_empresarial: email.es_empresarial(),
        activo: true,
        documento: DocumentoDTO {
            numero: documento
                .numero
                .and_then(|numero| u64::try_from(numero).ok())
                .ok_or("data.documento.numero: falta o es negativo")?,
            ciudad: CiudadDTO {
                codigo: requerido(&ciudad.codigo, "documento.ciudad.codigo")?.to_owned(),
                nombre: requerido(&ciudad.nombre, "documento.ciudad.nombre")?.to_owned(),
                pais: PaisDTO {
                    codigo: requerido(&pais.codigo, "documento.ciudad.pais.codigo")?.to_owned(),
                    nombre: requerido(&pais.nombre, "documento.ciudad.pais.nombre")?.to_owned(),
                },
            },
        },
        fecha_nacimiento: dia(&carga.fecha_nacimiento, "fecha_nacimiento")?,
        fecha_constitucion: dia(&carga.fecha_constitucion, "fecha_constitucion")?,
        fecha_creacion: creado.and_utc().format(FORMATO_FECHA_HORA).to_string(),
        fecha_actualizacion: String::new(),
        reservas: Vec::new(),
    };
    Ok(Cambio::Registrado {
        id: id.to_string(),
        email: email.to_string(),
        // A DTO of strings, numbers and lists: encoding it cannot fail.
        datos: serde_json::to_string(&usuario).unwrap_or_default(),
        fecha: creado,
    })
}

/// The projection of the read model of users, over the query service's own database.
pub struct ProyeccionUsuarios {
    inbox: Inbox,
    esquemas: EsquemasEscritor,
}

impl ProyeccionUsuarios {
    /// `uow` works on the read database (no in-process handlers: nothing is published).
    pub fn new(uow: UnidadTrabajoDiesel) -> Self {
        Self {
            inbox: Inbox::new(uow),
            esquemas: EsquemasEscritor::new(),
        }
    }

    fn leer(&self, mensaje: &MensajeEntrante) -> Result<(String, &'static str, Cambio), String> {
        let contrato = clientes_contrato::contratos()
            .find(|c| c.topico == mensaje.topico)
            .ok_or_else(|| format!("el tópico {} no lleva eventos de clientes", mensaje.topico))?;
        let escritor = self
            .esquemas
            .esquema(mensaje.esquema_escritor.as_deref(), contrato.esquema_json)
            .map_err(|e| con_causas(&e))?;
        let evento = sin_panico(contrato.tipo, || {
            EventoClientes::decodificar(&mensaje.topico, &mensaje.carga, escritor.as_deref())
                .unwrap_or_else(|| unreachable!("a topic of the table decodes into its set"))
        })
        .map_err(|e| con_causas(&e))?;
        let (id_mensaje, cambio) = match &evento {
            EventoClientes::Registrado(registro) => (
                registro.id_mensaje(),
                usuario_registrado(registro.carga().map_err(|e| con_causas(&e))?)?,
            ),
            EventoClientes::Desactivado(registro) => {
                let carga = registro.carga().map_err(|e| con_causas(&e))?;
                let id = IdUsuario::parse(requerido(&carga.id_usuario, "id_usuario")?)
                    .map_err(|regla| format!("data.id_usuario: {regla}"))?;
                (
                    registro.id_mensaje(),
                    Cambio::Desactivado {
                        id: id.to_string(),
                        fecha: fecha(carga.fecha),
                    },
                )
            }
        };
        let id_mensaje = id_mensaje.unwrap_or(&mensaje.id_broker).to_owned();
        Ok((id_mensaje, evento.tipo(), cambio))
    }
}

#[async_trait]
impl ManejadorMensajes for ProyeccionUsuarios {
    async fn manejar(&self, mensaje: MensajeEntrante) -> Desenlace {
        let (id_mensaje, tipo, cambio) = match self.leer(&mensaje) {
            Ok(leido) => leido,
            Err(razon) => return Desenlace::Rechazado(razon),
        };
        let resultado = self
            .inbox
            .procesar(MensajeEnCurso::new(&id_mensaje, tipo), |uow| async move {
                uow.ejecutar(move |tx| {
                    aplicar(tx.conexion(), &cambio).map_err(ErrorUnidadTrabajo::from)
                })
                .await
            })
            .await;
        match resultado {
            Procesado::Antes | Procesado::Ahora(Ok(())) => Desenlace::Procesado,
            Procesado::Ahora(Err(error)) => Desenlace::Reintentar(con_causas(&error)),
        }
    }
}
