#!/usr/bin/env python3
"""Checks answers of the API against the OpenAPI document that describes them.

Reads one JSON object from standard input:
  {"spec": <the OpenAPI 3.1 document>,
   "respuestas": [{"metodo": "get", "ruta": "/vuelos/reserva-query/{id}", "estado": 200,
                   "tipo": "application/json", "cabeceras": ["location", ...],
                   "cuerpo": <the body: JSON, a text, or null when empty>}, ...]}
where "ruta" is the path template of the operation that answered. An answer is described
when its operation documents its status, its media type (or no content, for an empty
body) and every header the document names for it, and its body is valid for the
documented schema (JSON Schema 2020-12, as OpenAPI 3.1 schemas are).
Prints every answer the document does not describe and exits 1 if there is any.
"""

import json
import sys

from jsonschema import Draft202012Validator


def problemas(spec, respuesta):
    donde = f'{respuesta["metodo"].upper()} {respuesta["ruta"]} -> {respuesta["estado"]}'
    operacion = spec["paths"].get(respuesta["ruta"], {}).get(respuesta["metodo"])
    if operacion is None:
        return [f"{donde}: no such operation in the document"]
    documentada = operacion.get("responses", {}).get(str(respuesta["estado"]))
    if documentada is None:
        return [f"{donde}: status not documented"]
    encontrados = [
        f"{donde}: header {nombre} is documented but not sent"
        for nombre in documentada.get("headers", {})
        if nombre.lower() not in respuesta["cabeceras"]
    ]
    contenido = documentada.get("content", {})
    cuerpo = respuesta["cuerpo"]
    if not contenido:
        if cuerpo is not None:
            encontrados.append(f"{donde}: a body that the document does not describe")
        return encontrados
    medio = respuesta["tipo"].split(";")[0].strip()
    if medio not in contenido:
        encontrados.append(f"{donde}: {medio!r} is not documented, only {list(contenido)}")
        return encontrados
    esquema = contenido[medio].get("schema")
    if esquema is None:
        encontrados.append(f"{donde}: {medio} has no schema")
        return encontrados
    # The schema's references (#/components/...) resolve against this root.
    raiz = {"$ref": "#/x-respuesta", "x-respuesta": esquema,
            "components": spec.get("components", {})}
    for error in Draft202012Validator(raiz).iter_errors(cuerpo):
        camino = "/".join(str(parte) for parte in error.absolute_path)
        encontrados.append(f"{donde}: at /{camino}: {error.message}")
    return encontrados


def main():
    entrada = json.load(sys.stdin)
    encontrados = [
        problema
        for respuesta in entrada["respuestas"]
        for problema in problemas(entrada["spec"], respuesta)
    ]
    for problema in encontrados:
        print(problema)
    print(f'{len(entrada["respuestas"])} answers checked, {len(encontrados)} problems')
    return 1 if encontrados else 0


if __name__ == "__main__":
    sys.exit(main())
