//! `/openapi.json`, generated from the route table and the envelope types, so the document
//! cannot drift from what the router serves.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    OpenApi as OpenApiDoc, PathsBuilder, Ref, Required, ResponseBuilder, ResponsesBuilder,
    SecurityRequirement,
};
use utoipa::OpenApi;

use crate::envelope::{CodedMessage, Envelope, Services, ValidationError, Validations};
use crate::routes::{RouteSpec, ROUTES};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hawiya",
        description = "Self-hosted Egyptian KYC OCR API. Every response is the envelope; \
errors set `error_code`. Codes: 1001 bad field format, 1050 image quality too low, \
3001-3010 document validation, 3011 card not detected, 3013 invalid MRZ, 3101 ID number \
mismatch, 3102 name mismatch; beyond the hosted API: 4010 unauthorized, 4030 forbidden, \
4040 not found, 4050 method not allowed, 4290 rate limited, 4291 inference queue full, \
5000 internal error, 5010 reader not built, 5030 unavailable, 5040 timeout."
    ),
    components(schemas(Envelope, Services, Validations, ValidationError, CodedMessage))
)]
struct Components;

fn string_prop(description: &str, byte: bool) -> ObjectBuilder {
    let mut b = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description));
    if byte {
        b = b.format(Some(SchemaFormat::KnownFormat(KnownFormat::Byte)));
    }
    b
}

/// Text that is more than whitespace: the parser trims text fields and takes an empty one
/// as absent.
const NOT_BLANK: &str = "\\S";
/// `country`: EGY or EG in any case, surrounding spaces ignored; empty counts as absent.
const COUNTRY: &str = "^\\s*([Ee][Gg][Yy]?)?\\s*$";
/// A base64 image as `decode_base64` takes it: the standard or the URL-safe alphabet (not
/// mixed), padding optional, canonical final symbol, an optional `data:...;base64,` prefix.
const BASE64: &str = "^(?:data:[^,]*base64,)?(?=[A-Za-z0-9+/_-])(?:\
    (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw](?:==)?|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=?)?|\
    (?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw](?:==)?|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]=?)?)$";
/// A multipart part name: no control character but the tab (a part header with one is
/// malformed, and refused 400).
const PART_NAME: &str = "^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$";
/// A boolean sent as text: true/false, 1/0, yes/no in any case; empty counts as false.
const FLAG_TEXT: &str =
    "^\\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|[01])?\\s*$";

/// A text field as the parser reads it: a JSON string, or a number taken as its text
/// (`idNumber` as a number); `null` is absent when the field is optional.
fn text_prop(description: &str, json: bool, required: bool) -> ObjectBuilder {
    let mut types = vec![Type::String];
    if json {
        types.push(Type::Number);
        if !required {
            types.push(Type::Null);
        }
    }
    let b = ObjectBuilder::new()
        .schema_type(SchemaType::Array(types))
        .description(Some(description));
    if required {
        b.pattern(Some(NOT_BLANK))
    } else {
        b
    }
}

fn common_props(mut b: ObjectBuilder, json: bool) -> ObjectBuilder {
    b = b
        .property(
            "transaction_id",
            text_prop("An existing transaction of this tenant", json, false),
        )
        .property(
            "client_transaction_id",
            text_prop("The client's own reference", json, false),
        )
        .property(
            "country",
            ObjectBuilder::new()
                .schema_type(if json {
                    SchemaType::Array(vec![Type::String, Type::Null])
                } else {
                    SchemaType::Type(Type::String)
                })
                .pattern(Some(COUNTRY))
                .description(Some("EGY (EG accepted)")),
        )
        .property(
            "getExtractedData",
            ObjectBuilder::new()
                .schema_type(if json {
                    SchemaType::Array(vec![Type::Boolean, Type::String, Type::Null])
                } else {
                    SchemaType::Type(Type::String)
                })
                .pattern(Some(FLAG_TEXT))
                .description(Some(
                    "Return every extracted field (default false); also as text: \
                     true/false, 1/0, yes/no",
                )),
        );
    b
}

fn json_schema(spec: &RouteSpec) -> ObjectBuilder {
    let mut b = common_props(ObjectBuilder::new().schema_type(Type::Object), true);
    for &f in spec.image_fields {
        b = b
            .property(
                f,
                string_prop("Base64 JPEG or PNG", true)
                    .min_length(Some(1))
                    .pattern(Some(BASE64)),
            )
            .required(f);
    }
    for &f in spec.text_fields {
        b = b.property(f, text_prop(f, true, true)).required(f);
    }
    b
}

fn multipart_schema(spec: &RouteSpec) -> ObjectBuilder {
    let names = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(PART_NAME));
    let mut b = common_props(ObjectBuilder::new().schema_type(Type::Object), false)
        .property_names(Some(names));
    let mut seen = Vec::new();
    for &(part, field) in spec.file_parts {
        if seen.contains(&field) {
            continue;
        }
        seen.push(field);
        b = b
            .property(
                part,
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                    .min_length(Some(1)),
            )
            .required(part);
    }
    for &f in spec.text_fields {
        b = b.property(f, text_prop(f, false, true)).required(f);
    }
    b
}

fn operation(
    spec: &RouteSpec,
    content_type: &str,
    schema: ObjectBuilder,
    suffix: &str,
) -> PathItem {
    let envelope = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Envelope")))
        .build();
    let mut responses = ResponsesBuilder::new();
    for (status, what) in [
        ("200", "The envelope with the extracted data"),
        ("400", "Malformed request (1001)"),
        ("401", "Missing or invalid ApiKey or token (4010)"),
        ("403", "Token of another tenant (4030)"),
        ("404", "Unknown transaction (4040)"),
        ("413", "Image or body too large (1001)"),
        ("415", "Not JPEG/PNG, or wrong content type (1001)"),
        ("422", "The document could not be read (see error_code)"),
        ("429", "Rate limit (4290) or inference queue full (4291)"),
        ("500", "Server fault (5000)"),
        ("501", "Reader not built in this version (5010)"),
        ("503", "Database unavailable or a model missing (5030)"),
        ("504", "The request took longer than the timeout (5040)"),
    ] {
        responses = responses.response(
            status,
            ResponseBuilder::new()
                .description(what)
                .content("application/json", envelope.clone()),
        );
    }
    let op = OperationBuilder::new()
        .summary(Some(format!("{}{}", spec.summary, suffix)))
        .operation_id(Some(format!(
            "{}{}",
            spec.path.trim_start_matches('/').replace('/', "_"),
            if suffix.is_empty() { "" } else { "_file" }
        )))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    content_type,
                    ContentBuilder::new().schema(Some(schema)).build(),
                )
                .build(),
        ))
        .responses(responses.build())
        .securities(Some([
            SecurityRequirement::new("ApiKey", Vec::<String>::new()),
            SecurityRequirement::new("Bearer", Vec::<String>::new()),
        ]));
    PathItem::new(HttpMethod::Post, op)
}

/// The OpenAPI document of this server.
pub fn document() -> OpenApiDoc {
    let mut doc = Components::openapi();
    let mut paths = PathsBuilder::new();
    for spec in ROUTES {
        paths = paths.path(
            spec.path,
            operation(spec, "application/json", json_schema(spec), ""),
        );
        paths = paths.path(
            format!("{}/file", spec.path),
            operation(
                spec,
                "multipart/form-data",
                multipart_schema(spec),
                " (multipart)",
            ),
        );
    }
    for (path, summary, required, optional, with_key) in [
        (
            "/api/credentials/Login",
            "Get an access token (headers ApiKey, TenancyName)",
            &["userNameOrEmailAddress", "password"][..],
            &["tenancyName"][..],
            true,
        ),
        (
            "/api/credentials/RefreshToken",
            "Exchange a refresh token for new tokens",
            &["refreshToken"][..],
            &[][..],
            false,
        ),
    ] {
        let mut schema = ObjectBuilder::new().schema_type(Type::Object);
        for &p in required {
            schema = schema.property(p, text_prop(p, true, true)).required(p);
        }
        for &p in optional {
            schema = schema.property(p, text_prop(p, true, false));
        }
        let envelope = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Envelope")))
            .build();
        let mut responses = ResponsesBuilder::new();
        for (status, what) in [
            ("200", "Tokens in data"),
            ("400", "Malformed request (1001)"),
            (
                "401",
                "Missing or invalid ApiKey, wrong user or password, or an invalid refresh token (4010)",
            ),
            ("403", "tenancyName is not the ApiKey's tenant (4030)"),
            ("413", "Body too large (1001)"),
            ("415", "Not application/json (1001)"),
            ("500", "Server fault (5000)"),
            ("503", "Database unavailable (5030)"),
        ] {
            responses = responses.response(
                status,
                ResponseBuilder::new()
                    .description(what)
                    .content("application/json", envelope.clone()),
            );
        }
        let mut op = OperationBuilder::new()
            .summary(Some(summary))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(schema)).build(),
                    )
                    .build(),
            ))
            .responses(responses.build());
        if with_key {
            op = op.securities(Some([SecurityRequirement::new(
                "ApiKey",
                Vec::<String>::new(),
            )]));
        }
        paths = paths.path(path, PathItem::new(HttpMethod::Post, op));
    }
    for (path, summary) in [
        ("/health", "Liveness probe"),
        ("/ready", "Readiness: models loaded and database reachable"),
        ("/metrics", "Prometheus metrics"),
    ] {
        let mut op = OperationBuilder::new()
            .summary(Some(summary))
            .response("200", ResponseBuilder::new().description("OK"));
        if path == "/ready" {
            op = op.response(
                "503",
                ResponseBuilder::new()
                    .description("Not ready: models still loading or the database unreachable"),
            );
        }
        paths = paths.path(path, PathItem::new(HttpMethod::Get, op));
    }
    doc.paths = paths.build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "ApiKey",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("ApiKey"))),
    );
    components.add_security_scheme(
        "Bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    /// Schemathesis (benches/schemathesis.sh) found these answers undocumented: every
    /// status a route can give must be in its responses.
    #[test]
    fn every_status_the_routes_give_is_documented() {
        let doc = doc();
        for spec in ROUTES {
            for path in [spec.path.to_string(), format!("{}/file", spec.path)] {
                let responses = &doc["paths"][&path]["post"]["responses"];
                for status in [
                    "200", "400", "401", "403", "404", "413", "415", "422", "429", "500", "501",
                    "503", "504",
                ] {
                    assert!(responses[status].is_object(), "{path} {status}");
                }
            }
        }
        for path in ["/api/credentials/Login", "/api/credentials/RefreshToken"] {
            let responses = &doc["paths"][path]["post"]["responses"];
            for status in ["200", "400", "401", "413", "415", "500", "503"] {
                assert!(responses[status].is_object(), "{path} {status}");
            }
        }
        assert!(doc["paths"]["/ready"]["get"]["responses"]["503"].is_object());
    }

    /// A blank required field is answered 400 "missing", so the schema must not call it
    /// valid; face/match's transaction_id is required.
    #[test]
    fn required_fields_refuse_blank_text() {
        let doc = doc();
        let body = |path: &str, ct: &str| {
            doc["paths"][path]["post"]["requestBody"]["content"][ct]["schema"].clone()
        };
        let json = body("/v1/ocr/face/match", "application/json");
        let required: Vec<&str> = json["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(required.contains(&"transaction_id") && required.contains(&"image"));
        assert_eq!(json["properties"]["transaction_id"]["pattern"], "\\S");
        let base64 = json["properties"]["image"]["pattern"].as_str().unwrap();
        assert!(base64.starts_with("^(?:data:"), "{base64}");
        let file = body("/v1/ocr/face/match/file", "multipart/form-data");
        assert_eq!(file["properties"]["file"]["minLength"], 1);
        let login = body("/api/credentials/Login", "application/json");
        assert_eq!(login["properties"]["password"]["pattern"], "\\S");
    }
}
