//! `/openapi.json`, generated from the route table and the envelope types, so the document
//! cannot drift from what the router serves.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
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

fn common_props(mut b: ObjectBuilder) -> ObjectBuilder {
    b = b
        .property(
            "transaction_id",
            string_prop("An existing transaction of this tenant", false),
        )
        .property(
            "client_transaction_id",
            string_prop("The client's own reference", false),
        )
        .property("country", string_prop("EGY (EG accepted)", false))
        .property(
            "getExtractedData",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some("Return every extracted field (default false)")),
        );
    b
}

fn json_schema(spec: &RouteSpec) -> ObjectBuilder {
    let mut b = ObjectBuilder::new().schema_type(Type::Object);
    for &f in spec.image_fields {
        b = b
            .property(f, string_prop("Base64 JPEG or PNG", true))
            .required(f);
    }
    for &f in spec.text_fields {
        b = b.property(f, string_prop(f, false)).required(f);
    }
    common_props(b)
}

fn multipart_schema(spec: &RouteSpec) -> ObjectBuilder {
    let mut b = ObjectBuilder::new().schema_type(Type::Object);
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
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
            )
            .required(part);
    }
    for &f in spec.text_fields {
        b = b.property(f, string_prop(f, false)).required(f);
    }
    common_props(b)
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
    for (path, summary, props) in [
        (
            "/api/credentials/Login",
            "Get an access token (headers ApiKey, TenancyName)",
            &["tenancyName", "userNameOrEmailAddress", "password"][..],
        ),
        (
            "/api/credentials/RefreshToken",
            "Exchange a refresh token for new tokens",
            &["refreshToken"][..],
        ),
    ] {
        let mut schema = ObjectBuilder::new().schema_type(Type::Object);
        for &p in props {
            schema = schema.property(p, string_prop(p, false));
        }
        let op = OperationBuilder::new()
            .summary(Some(summary))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(schema)).build(),
                    )
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("Tokens in data")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Envelope")))
                            .build(),
                    ),
            );
        paths = paths.path(path, PathItem::new(HttpMethod::Post, op));
    }
    for (path, summary) in [
        ("/health", "Liveness probe"),
        ("/ready", "Readiness: models loaded and database reachable"),
        ("/metrics", "Prometheus metrics"),
    ] {
        let op = OperationBuilder::new()
            .summary(Some(summary))
            .response("200", ResponseBuilder::new().description("OK"));
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
