//! The response envelope of every route, errors included (api.md, "Envelope").
//!
//! Errors are signalled by `error_code`, not only by the HTTP status. The hosted API's
//! codes (1001, 1050, 3001-3102) keep their meaning; failures that the hosted API leaves
//! unnumbered (auth, rate, server faults) get codes from the 4xxx/5xxx range below, each
//! documented in the OpenAPI description and the README.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hawiya_documents::{Code, FieldIssue};
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// Codes for failures the hosted API's list does not number.
pub mod codes {
    /// Missing or invalid ApiKey / bearer token.
    pub const UNAUTHORIZED: u32 = 4010;
    /// The key and the token belong to different tenants.
    pub const FORBIDDEN: u32 = 4030;
    /// The transaction (or route) does not exist for this tenant.
    pub const NOT_FOUND: u32 = 4040;
    /// Method not allowed on this route.
    pub const METHOD_NOT_ALLOWED: u32 = 4050;
    /// Over the tenant's rate limit.
    pub const RATE_LIMITED: u32 = 4290;
    /// The inference queue is full.
    pub const OVERLOADED: u32 = 4291;
    /// An unexpected server fault.
    pub const INTERNAL: u32 = 5000;
    /// The reader for this route is not built in this version.
    pub const NOT_IMPLEMENTED: u32 = 5010;
    /// The database is unreachable.
    pub const UNAVAILABLE: u32 = 5030;
    /// The request took longer than the configured timeout.
    pub const TIMEOUT: u32 = 5040;
}

/// `services.validations`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Validations {
    pub validation_errors: Vec<ValidationError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationError {
    pub field: String,
    pub value: String,
    pub errors: Vec<CodedMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodedMessage {
    pub code: u32,
    pub message: String,
}

/// `services`: what each auxiliary service found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Services {
    pub validations: Validations,
    #[schema(value_type = Object)]
    pub spoofing: Value,
    #[schema(value_type = Object)]
    pub classification: Value,
    #[schema(value_type = Option<Object>)]
    pub liveness: Value,
    #[serde(rename = "AML")]
    #[schema(value_type = Option<Object>)]
    pub aml: Value,
    #[serde(rename = "SRC")]
    #[schema(value_type = Option<Object>)]
    pub src: Value,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            validations: Validations::default(),
            spoofing: json!({ "fake": false }),
            classification: json!({ "doc_type": null }),
            liveness: Value::Null,
            aml: Value::Null,
            src: Value::Null,
        }
    }
}

/// The envelope every response carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope {
    pub services: Services,
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub error_descriptions: Option<Value>,
}

impl Envelope {
    pub fn new(data: Map<String, Value>) -> Self {
        Envelope {
            services: Services::default(),
            data,
            error_code: None,
            error_message: None,
            error_descriptions: None,
        }
    }

    /// Adds field issues to `services.validations`, grouping codes per field.
    pub fn add_issues(&mut self, issues: &[FieldIssue]) {
        for issue in issues {
            let message = issue
                .detail
                .clone()
                .unwrap_or_else(|| issue.code.message().to_string());
            let entry = CodedMessage {
                code: issue.code.number(),
                message,
            };
            let list = &mut self.services.validations.validation_errors;
            match list.iter_mut().find(|v| v.field == issue.field) {
                Some(v) => v.errors.push(entry),
                None => list.push(ValidationError {
                    field: issue.field.clone(),
                    value: issue.value.clone(),
                    errors: vec![entry],
                }),
            }
        }
    }

    pub fn into_response_with(self, status: StatusCode) -> Response {
        (status, axum::Json(self)).into_response()
    }
}

/// A failed request: an HTTP status, a code and a message, rendered as the envelope.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    pub descriptions: Option<Value>,
    /// Ids (request, transaction) to keep in `data` even on error.
    pub data: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            descriptions: None,
            data: Map::new(),
        }
    }

    /// 400 with code 1001: the request itself is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            Code::BadFieldFormat.number(),
            message,
        )
    }

    /// A missing or malformed field, named in `error_descriptions`.
    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::bad_request(message.clone());
        e.descriptions = Some(json!([{ "field": field, "message": message }]));
        e
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }

    pub fn with_data(mut self, data: Map<String, Value>) -> Self {
        self.data.extend(data);
        self
    }

    pub fn to_envelope(&self) -> Envelope {
        let mut env = Envelope::new(self.data.clone());
        env.error_code = Some(self.code);
        env.error_message = Some(self.message.clone());
        env.error_descriptions = self.descriptions.clone();
        env
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = self.to_envelope().into_response_with(status);
        response
            .extensions_mut()
            .insert(crate::observe::OutcomeCode(self.code));
        if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}
