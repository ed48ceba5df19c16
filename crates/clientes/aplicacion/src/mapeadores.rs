//! Conversions between the DTOs and the domain: requests are parsed into commands (failing
//! with the rule that the input breaks), aggregates are turned into answers.

use clientes_dominio::{
    Ciudad, Cliente, Documento, Email, Nombre, NumeroDocumento, Pais, TipoCliente, Usuario,
};
use seedwork_dominio::{Entidad, ReglaIncumplida};

use crate::comandos::autenticar_usuario::AutenticarUsuario;
use crate::comandos::registrar_usuario::{DatosCliente, RegistrarUsuario};
use crate::dto::{
    formatear, CiudadDTO, CredencialesDTO, DatosClienteDTO, DocumentoDTO, PaisDTO,
    RegistroUsuarioDTO, TipoClienteDTO, TokenDTO, UsuarioDTO,
};
use crate::password::PasswordNueva;
use crate::puertos::TokenAcceso;

impl PaisDTO {
    pub fn try_into_domain(&self) -> Result<Pais, ReglaIncumplida> {
        Pais::new(&self.codigo, &self.nombre)
    }
}

impl CiudadDTO {
    pub fn try_into_domain(&self) -> Result<Ciudad, ReglaIncumplida> {
        Ciudad::new(&self.codigo, &self.nombre, self.pais.try_into_domain()?)
    }
}

impl DocumentoDTO {
    /// A cédula or a RUT, whichever the caller asks for.
    pub fn try_into_domain<C>(&self) -> Result<Documento<C>, ReglaIncumplida> {
        Ok(Documento::new(
            NumeroDocumento::new(self.numero)?,
            self.ciudad.try_into_domain()?,
        ))
    }
}

impl DatosClienteDTO {
    pub fn try_into_domain(&self) -> Result<DatosCliente, ReglaIncumplida> {
        Ok(match self {
            Self::Natural {
                cedula,
                fecha_nacimiento,
            } => DatosCliente::Natural {
                cedula: cedula.try_into_domain()?,
                fecha_nacimiento: *fecha_nacimiento,
            },
            Self::Empresa {
                rut,
                fecha_constitucion,
            } => DatosCliente::Empresa {
                rut: rut.try_into_domain()?,
                fecha_constitucion: *fecha_constitucion,
            },
        })
    }
}

impl RegistroUsuarioDTO {
    /// Parses every field. Rules that depend on today's date (`MayorDeEdad`,
    /// `FechaConstitucionPasada`) and on stored users (`EmailUnico`) are checked by the
    /// handler.
    pub fn try_into_domain(self) -> Result<RegistrarUsuario, ReglaIncumplida> {
        Ok(RegistrarUsuario {
            nombre: Nombre::new(&self.nombres, &self.apellidos)?,
            email: Email::parse(&self.email)?,
            password: PasswordNueva::parse(self.password)?,
            cliente: self.cliente.try_into_domain()?,
        })
    }
}

impl CredencialesDTO {
    /// Fails with `EmailValido` when the e-mail is malformed (which tells nothing about
    /// which users exist); the password is not checked against any policy here.
    pub fn try_into_domain(self) -> Result<AutenticarUsuario, ReglaIncumplida> {
        Ok(AutenticarUsuario {
            email: Email::parse(&self.email)?,
            password: self.password,
        })
    }
}

impl From<&Pais> for PaisDTO {
    fn from(pais: &Pais) -> Self {
        Self {
            codigo: pais.codigo().to_owned(),
            nombre: pais.nombre().to_owned(),
        }
    }
}

impl From<&Ciudad> for CiudadDTO {
    fn from(ciudad: &Ciudad) -> Self {
        Self {
            codigo: ciudad.codigo().to_owned(),
            nombre: ciudad.nombre().to_owned(),
            pais: ciudad.pais().into(),
        }
    }
}

impl<C> From<&Documento<C>> for DocumentoDTO {
    fn from(documento: &Documento<C>) -> Self {
        Self {
            numero: documento.numero().valor(),
            ciudad: documento.ciudad().into(),
        }
    }
}

impl From<TipoCliente> for TipoClienteDTO {
    fn from(tipo: TipoCliente) -> Self {
        match tipo {
            TipoCliente::Natural => Self::Natural,
            TipoCliente::Empresa => Self::Empresa,
        }
    }
}

impl From<&Usuario> for UsuarioDTO {
    fn from(usuario: &Usuario) -> Self {
        let (documento, fecha_nacimiento, fecha_constitucion) = match usuario.cliente() {
            Cliente::Natural(natural) => (
                natural.cedula().into(),
                Some(natural.fecha_nacimiento()),
                None,
            ),
            Cliente::Empresa(empresa) => (
                empresa.rut().into(),
                None,
                Some(empresa.fecha_constitucion()),
            ),
        };
        Self {
            id: usuario.id().uuid(),
            tipo: usuario.cliente().tipo().into(),
            nombres: usuario.nombre().nombres().to_owned(),
            apellidos: usuario.nombre().apellidos().to_owned(),
            email: usuario.email().to_string(),
            es_empresarial: usuario.email().es_empresarial(),
            activo: usuario.esta_activo(),
            documento,
            fecha_nacimiento,
            fecha_constitucion,
            fecha_creacion: formatear(usuario.fecha_creacion()),
            fecha_actualizacion: formatear(usuario.fecha_actualizacion()),
            reservas: usuario.reservas().iter().map(|id| id.uuid()).collect(),
        }
    }
}

impl From<TokenAcceso> for TokenDTO {
    fn from(token: TokenAcceso) -> Self {
        Self {
            token: token.token,
            tipo: "Bearer".to_owned(),
            expira: formatear(token.expira),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use clientes_dominio::IdReservaCliente;
    use serde_json::json;

    use super::*;
    use crate::pruebas::{ahora, usuario_empresa, usuario_natural};

    fn cuerpo_natural() -> serde_json::Value {
        json!({
            "tipo": "natural",
            "nombres": "Ana María",
            "apellidos": "Pérez",
            "email": "Ana@Gmail.com",
            "password": "clave-secreta",
            "cedula": {
                "numero": 1020304050u64,
                "ciudad": {"codigo": "BOG", "nombre": "Bogotá", "pais": {"codigo": "CO", "nombre": "Colombia"}}
            },
            "fecha_nacimiento": "1990-05-01"
        })
    }

    fn cuerpo_empresa() -> serde_json::Value {
        json!({
            "tipo": "empresa",
            "nombres": "AeroAlpes",
            "apellidos": "S.A.S.",
            "email": "ventas@aeroalpes.co",
            "password": "clave-secreta",
            "rut": {
                "numero": 900123456u64,
                "ciudad": {"codigo": "MDE", "nombre": "Medellín", "pais": {"codigo": "CO", "nombre": "Colombia"}}
            },
            "fecha_constitucion": "2001-03-20"
        })
    }

    fn registro(cuerpo: serde_json::Value) -> RegistroUsuarioDTO {
        serde_json::from_value(cuerpo).unwrap()
    }

    #[test]
    fn a_natural_registration_body_becomes_a_command() {
        let comando = registro(cuerpo_natural()).try_into_domain().unwrap();
        assert_eq!(comando.nombre.nombres(), "Ana María");
        assert_eq!(comando.email.as_str(), "ana@gmail.com");
        assert_eq!(comando.password.como_plano().as_str(), "clave-secreta");
        let DatosCliente::Natural {
            cedula,
            fecha_nacimiento,
        } = comando.cliente
        else {
            panic!("se esperaba un cliente natural");
        };
        assert_eq!(cedula.numero().valor(), 1_020_304_050);
        assert_eq!(cedula.ciudad().pais().codigo(), "CO");
        assert_eq!(
            fecha_nacimiento,
            NaiveDate::from_ymd_opt(1990, 5, 1).unwrap()
        );
    }

    #[test]
    fn a_company_registration_body_becomes_a_command() {
        let comando = registro(cuerpo_empresa()).try_into_domain().unwrap();
        let DatosCliente::Empresa { rut, .. } = comando.cliente else {
            panic!("se esperaba una empresa");
        };
        assert_eq!(rut.ciudad().codigo(), "MDE");
    }

    #[test]
    fn a_body_without_a_known_tipo_does_not_deserialize() {
        let mut cuerpo = cuerpo_natural();
        cuerpo["tipo"] = json!("marciano");
        assert!(serde_json::from_value::<RegistroUsuarioDTO>(cuerpo).is_err());
    }

    #[test]
    fn a_natural_body_with_a_rut_instead_of_a_cedula_does_not_deserialize() {
        let mut cuerpo = cuerpo_empresa();
        cuerpo["tipo"] = json!("natural");
        assert!(serde_json::from_value::<RegistroUsuarioDTO>(cuerpo).is_err());
    }

    #[test]
    fn each_malformed_field_is_refused_naming_its_rule() {
        let casos: [(&str, serde_json::Value, &str); 7] = [
            ("/email", json!("no-es-email"), "EmailValido"),
            ("/nombres", json!("   "), "NombreNoVacio"),
            ("/password", json!("corta"), "PasswordSegura"),
            ("/cedula/numero", json!(0), "NumeroDocumentoValido"),
            ("/cedula/ciudad/codigo", json!("B"), "CodigoCiudadValido"),
            ("/cedula/ciudad/nombre", json!(""), "NombreNoVacio"),
            (
                "/cedula/ciudad/pais/codigo",
                json!("COL"),
                "CodigoPaisValido",
            ),
        ];
        for (ruta, valor, regla) in casos {
            let mut cuerpo = cuerpo_natural();
            *cuerpo.pointer_mut(ruta).unwrap() = valor;
            let error = registro(cuerpo).try_into_domain().unwrap_err();
            assert_eq!(error.regla, regla, "{ruta}");
        }
    }

    #[test]
    fn the_debug_output_of_a_registration_body_hides_the_password() {
        let salida = format!("{:?}", registro(cuerpo_natural()));
        assert!(!salida.contains("clave-secreta"));
        assert!(salida.contains("***"));
    }

    #[test]
    fn credentials_with_a_malformed_email_break_email_valido() {
        let credenciales: CredencialesDTO =
            serde_json::from_value(json!({"email": "ana", "password": "x"})).unwrap();
        assert_eq!(
            credenciales.try_into_domain().unwrap_err().regla,
            "EmailValido"
        );
    }

    #[test]
    fn a_natural_user_answers_with_its_cedula_birth_date_and_reservations() {
        let mut usuario = usuario_natural("ana@gmail.com");
        let reserva = IdReservaCliente::nuevo();
        usuario.agregar_reserva(reserva, ahora()).unwrap();

        let json = serde_json::to_value(UsuarioDTO::from(&usuario)).unwrap();

        assert_eq!(json["id"], json!(usuario.id().to_string()));
        assert_eq!(json["tipo"], json!("natural"));
        assert_eq!(json["email"], json!("ana@gmail.com"));
        assert_eq!(json["es_empresarial"], json!(false));
        assert_eq!(json["activo"], json!(true));
        assert_eq!(json["documento"]["numero"], json!(1_020_304_050u64));
        assert_eq!(json["documento"]["ciudad"]["pais"]["codigo"], json!("CO"));
        assert_eq!(json["fecha_nacimiento"], json!("1990-05-01"));
        assert!(json.get("fecha_constitucion").is_none());
        assert_eq!(json["fecha_creacion"], json!("2026-06-15T10:00:00Z"));
        assert_eq!(json["reservas"], json!([reserva.to_string()]));
        for campo in ["password", "hash_password", "hash"] {
            assert!(json.get(campo).is_none(), "{campo}");
        }
        assert!(!json.to_string().contains("argon2"));
    }

    #[test]
    fn a_company_user_answers_with_its_rut_and_constitution_date() {
        let json = serde_json::to_value(UsuarioDTO::from(&usuario_empresa("ventas@aeroalpes.co")))
            .unwrap();
        assert_eq!(json["tipo"], json!("empresa"));
        assert_eq!(json["es_empresarial"], json!(true));
        assert_eq!(json["fecha_constitucion"], json!("2001-03-20"));
        assert!(json.get("fecha_nacimiento").is_none());
    }

    #[test]
    fn a_user_answer_deserializes_back_to_the_same_dto() {
        let dto = UsuarioDTO::from(&usuario_natural("ana@gmail.com"));
        let json = serde_json::to_string(&dto).unwrap();
        assert_eq!(serde_json::from_str::<UsuarioDTO>(&json).unwrap(), dto);
    }
}
