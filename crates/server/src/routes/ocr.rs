//! The OCR handlers: parse, authorise (done by middleware), admit, call the pipeline,
//! keep the step in the transaction, wrap the envelope. No image code here.

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use hawiya_pipeline::{readers, Extraction, PipelineError};
use serde_json::{json, Map, Value};

use super::{engine_error, pipeline_error, store_error, RouteSpec, Task};
use crate::auth::AuthContext;
use crate::envelope::{codes, ApiError, Envelope};
use crate::input::{parse_json, parse_multipart, CommonFields, OcrInput};
use crate::observe::RequestId;
use crate::state::AppState;

/// `POST <route>` with a JSON body.
pub async fn json_handler(
    spec: &'static RouteSpec,
    State(state): State<AppState>,
    Extension(auth): Extension<AuthContext>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_rejection)?;
    let input = parse_json(&headers, &body, spec.image_fields, |f| {
        field_limit(&state, spec, f)
    })?;
    run(spec, &state, &auth, &request_id, input).await
}

/// `POST <route>/file` with a multipart body.
pub async fn file_handler(
    spec: &'static RouteSpec,
    State(state): State<AppState>,
    Extension(auth): Extension<AuthContext>,
    Extension(request_id): Extension<RequestId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let multipart = multipart.map_err(|e| {
        let mut err = ApiError::bad_request(format!(
            "this route takes multipart/form-data: {}",
            e.body_text()
        ));
        err.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        err
    })?;
    let input =
        parse_multipart(multipart, spec.file_parts, |f| field_limit(&state, spec, f)).await?;
    run(spec, &state, &auth, &request_id, input).await
}

fn body_rejection(e: BytesRejection) -> ApiError {
    let status = e.status();
    let mut err = ApiError::bad_request(format!(
        "the request body could not be read: {}",
        e.body_text()
    ));
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        err.status = status;
        err.message = "the request body is over the server's size limit".into();
    }
    err
}

fn field_limit(state: &AppState, spec: &RouteSpec, _field: &str) -> usize {
    match spec.task {
        Task::Liveness => state.config.max_frame_bytes,
        _ => state.config.max_image_bytes,
    }
}

/// Ids every response carries in `data`.
fn base_data(
    request_id: &RequestId,
    common: &CommonFields,
    tx: Option<&str>,
) -> Map<String, Value> {
    let mut data = Map::new();
    if let Some(tx) = tx {
        data.insert("transaction_id".into(), json!(tx));
    }
    data.insert("request_id".into(), json!(request_id.0));
    if let Some(c) = &common.client_transaction_id {
        data.insert("client_transaction_id".into(), json!(c));
    }
    data
}

async fn run(
    spec: &'static RouteSpec,
    state: &AppState,
    auth: &AuthContext,
    request_id: &RequestId,
    input: OcrInput,
) -> Result<Response, ApiError> {
    let common = input.common()?;
    for &field in spec.text_fields {
        input.required_text(field)?;
    }
    for &field in spec.image_fields {
        input.image(field)?;
    }
    match spec.task {
        Task::Document(kind) => {
            let tx = resolve_transaction(state, auth, &common).await?;
            let data = base_data(request_id, &common, Some(&tx));
            let image = input.image("image")?;
            let limits = state.image_limits();
            let options = state.read_options();
            let mut extraction = infer(state, "image", move |w| {
                readers::read_document(w, kind, &image, &limits, &options)
            })
            .await
            .map_err(|e| e.with_data(data.clone()))?;
            if matches!(
                kind,
                hawiya_pipeline::DocumentKind::IdFront | hawiya_pipeline::DocumentKind::IdBack
            ) {
                // 3101: the other side of this transaction's card reads another number.
                id_number_check(state, auth, &tx, kind, &mut extraction)
                    .await
                    .map_err(|e| e.with_data(data.clone()))?;
            }
            if kind == hawiya_pipeline::DocumentKind::CarLicenseFront {
                // 3102: the owner is not the holder of this transaction's ID card.
                owner_name_check(state, auth, &tx, &mut extraction)
                    .await
                    .map_err(|e| e.with_data(data.clone()))?;
            }
            state
                .store
                .record_step(
                    &auth.tenant.id,
                    &tx,
                    kind.step(),
                    &fields_json(&extraction),
                    &serde_json::to_value(&extraction.issues).unwrap_or(Value::Null),
                    extraction.face_embedding.as_deref(),
                )
                .await
                .map_err(|e| store_error(e).with_data(data.clone()))?;
            // The tenant's opt-in screening of the card holder (api.md: services.AML).
            let aml = if kind == hawiya_pipeline::DocumentKind::IdFront
                && super::aml::enabled_on_id_front(&auth.tenant)
            {
                let name = extraction.get_str("name");
                let id_number = extraction.get_str("idNumber");
                // No birth date: the store takes it from the ID number, which the card's
                // check digit vouches for.
                if name.is_some() || id_number.is_some() {
                    super::aml::screen(state, &auth.tenant, name, id_number, None)
                        .await
                        .map_err(|e| e.with_data(data.clone()))?
                } else {
                    Value::Null
                }
            } else {
                Value::Null
            };
            let mut env = Envelope::new(data);
            env.services.aml = aml;
            env.services.classification = json!({
                "doc_type": kind.doc_type(),
                "side": kind.side(),
            });
            // The presentation-attack signals (api.md: services.spoofing.fake).
            if let Some(spoofing) = extraction.extra.get("spoofing") {
                env.services.spoofing = spoofing.clone();
            }
            env.add_issues(&extraction.issues);
            put_fields(
                &mut env.data,
                &extraction,
                common.get_extracted_data,
                key_fields(kind),
            );
            // The image-quality findings come with every answer (issue 11), extracted
            // data requested or not.
            if let Some(quality) = extraction.extra.get("quality") {
                env.data.insert("quality".into(), quality.clone());
            }
            Ok(env.into_response_with(StatusCode::OK))
        }
        Task::FaceMatch => {
            let tx_id = input.required_text("transaction_id")?;
            let common = CommonFields {
                transaction_id: Some(tx_id),
                ..common
            };
            let tx = resolve_transaction(state, auth, &common).await?;
            let data = base_data(request_id, &common, Some(&tx));
            let embedding = state
                .store
                .face_embedding(&auth.tenant.id, &tx)
                .await
                .map_err(|e| store_error(e).with_data(data.clone()))?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        hawiya_documents::Code::BadFieldFormat.number(),
                        "this transaction has no ID photo: run /v1/ocr/id/front on it first",
                    )
                    .with_data(data.clone())
                })?;
            let image = input.image("image")?;
            let limits = state.image_limits();
            let threshold = face_threshold(state, auth);
            let extraction = infer(state, "image", move |w| {
                readers::match_face(w, &image, &embedding, threshold, &limits)
            })
            .await
            .map_err(|e| e.with_data(data.clone()))?;
            finish_step(state, auth, &tx, "face_match", data, extraction).await
        }
        Task::FaceCompare => {
            let tx = resolve_transaction(state, auth, &common).await?;
            let data = base_data(request_id, &common, Some(&tx));
            let first = input.image("face_image1")?;
            let second = input.image("face_image2")?;
            let liveness = input.flag("liveness")?.unwrap_or(false);
            let limits = state.image_limits();
            let threshold = face_threshold(state, auth);
            let extraction = infer(state, "face_image1", move |w| {
                readers::compare_faces(w, &first, &second, liveness, threshold, &limits)
            })
            .await
            .map_err(|e| e.with_data(data.clone()))?;
            finish_step(state, auth, &tx, "face_compare", data, extraction).await
        }
        Task::Liveness => {
            let tx = resolve_transaction(state, auth, &common).await?;
            let data = base_data(request_id, &common, Some(&tx));
            let embedding = if common.transaction_id.is_some() {
                state
                    .store
                    .face_embedding(&auth.tenant.id, &tx)
                    .await
                    .map_err(|e| store_error(e).with_data(data.clone()))?
            } else {
                None
            };
            let frames = [
                input.image("face_1")?,
                input.image("face_2")?,
                input.image("face_3")?,
            ];
            let limits = state.frame_limits();
            let extraction = infer(state, "face_1", move |w| {
                readers::check_liveness(
                    w,
                    [&frames[0], &frames[1], &frames[2]],
                    embedding.as_deref(),
                    &limits,
                )
            })
            .await
            .map_err(|e| e.with_data(data.clone()))?;
            finish_step(state, auth, &tx, "liveness", data, extraction).await
        }
        Task::Classification => {
            let data = base_data(request_id, &common, common.transaction_id.as_deref());
            let image = input.image("image")?;
            let limits = state.image_limits();
            let extraction = infer(state, "image", move |w| {
                readers::classify(w, &image, &limits)
            })
            .await
            .map_err(|e| e.with_data(data.clone()))?;
            let mut env = Envelope::new(data);
            // doc_type and side as api.md names them, with the confidence and scores.
            env.services.classification = extraction
                .extra
                .get("classification")
                .cloned()
                .unwrap_or_else(|| {
                    json!({
                        "doc_type": extraction.get("doc_type").cloned().unwrap_or(Value::Null),
                        "side": extraction.get("side").cloned().unwrap_or(Value::Null),
                    })
                });
            if let Some(quality) = extraction.extra.get("quality") {
                env.data.insert("quality".into(), quality.clone());
            }
            Ok(env.into_response_with(StatusCode::OK))
        }
        Task::Aml => {
            let data = base_data(request_id, &common, common.transaction_id.as_deref());
            let name = input.required_text("name")?;
            let id_number = input.required_text("idNumber")?;
            let aml = super::aml::screen(state, &auth.tenant, Some(&name), Some(&id_number), None)
                .await
                .map_err(|e| e.with_data(data.clone()))?;
            let mut env = Envelope::new(data);
            env.services.aml = aml;
            Ok(env.into_response_with(StatusCode::OK))
        }
    }
}

/// The tenant's face dissimilarity threshold, else the server's.
fn face_threshold(state: &AppState, auth: &AuthContext) -> f32 {
    auth.tenant
        .settings
        .face_match_threshold
        .unwrap_or(state.config.face_threshold)
}

/// Face and liveness steps: every result field is returned (the step is the answer).
async fn finish_step(
    state: &AppState,
    auth: &AuthContext,
    tx: &str,
    step: &str,
    data: Map<String, Value>,
    extraction: Extraction,
) -> Result<Response, ApiError> {
    state
        .store
        .record_step(
            &auth.tenant.id,
            tx,
            step,
            &fields_json(&extraction),
            &serde_json::to_value(&extraction.issues).unwrap_or(Value::Null),
            None,
        )
        .await
        .map_err(|e| store_error(e).with_data(data.clone()))?;
    let mut env = Envelope::new(data);
    env.add_issues(&extraction.issues);
    if let Some(liveness) = extraction.extra.get("liveness") {
        env.services.liveness = liveness.clone();
    }
    put_fields(&mut env.data, &extraction, true, &[]);
    Ok(env.into_response_with(StatusCode::OK))
}

/// Runs a pipeline job on the engine under the request timeout.
async fn infer<F>(state: &AppState, field: &'static str, job: F) -> Result<Extraction, ApiError>
where
    F: FnOnce(&mut hawiya_pipeline::Worker) -> Result<Extraction, PipelineError> + Send + 'static,
{
    let run = state.engine.run(job);
    match tokio::time::timeout(state.request_timeout(), run).await {
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            codes::TIMEOUT,
            format!(
                "the request took longer than {} s",
                state.config.request_timeout_secs
            ),
        )),
        Ok(Err(e)) => Err(engine_error(e)),
        Ok(Ok(Err(e))) => Err(pipeline_error(e, field)),
        Ok(Ok(Ok(extraction))) => Ok(extraction),
    }
}

/// The transaction named by the request (it must be this tenant's), or a new one.
async fn resolve_transaction(
    state: &AppState,
    auth: &AuthContext,
    common: &CommonFields,
) -> Result<String, ApiError> {
    match &common.transaction_id {
        Some(id) => state
            .store
            .get_transaction(&auth.tenant.id, id)
            .await
            .map_err(store_error)?
            .map(|t| t.id)
            .ok_or_else(|| ApiError::not_found(format!("transaction_id {id:?} not found"))),
        None => state
            .store
            .create_transaction(
                &auth.tenant.id,
                common.client_transaction_id.as_deref(),
                state.transaction_ttl(),
            )
            .await
            .map(|t| t.id)
            .map_err(store_error),
    }
}

/// The fields returned when `getExtractedData` is false: what the next step needs.
fn key_fields(kind: hawiya_pipeline::DocumentKind) -> &'static [&'static str] {
    use hawiya_pipeline::DocumentKind::*;
    match kind {
        IdFront | IdBack => &["idNumber"],
        Passport => &["passport_no"],
        DrivingLicense => &["NationalID"],
        CarLicenseFront => &["license_number"],
        CarLicenseBack => &["chasis"],
        LicensePlate => &["result"],
    }
}

/// Compares the vehicle licence owner's `name` with the `name` of a completed `id_front`
/// step of the same transaction (api.md: 3102); nothing when either is missing.
async fn owner_name_check(
    state: &AppState,
    auth: &AuthContext,
    tx: &str,
    extraction: &mut Extraction,
) -> Result<(), ApiError> {
    let Some(owner) = extraction.get_str("name").map(str::to_string) else {
        return Ok(());
    };
    let id_front = state
        .store
        .get_step(
            &auth.tenant.id,
            tx,
            hawiya_pipeline::DocumentKind::IdFront.step(),
        )
        .await
        .map_err(store_error)?;
    let id_name = id_front.as_ref().and_then(|s| s.fields["name"].as_str());
    if let Some(issue) = id_name
        .and_then(|id_name| hawiya_documents::cross::check_owner_name(id_name, &owner, "name"))
    {
        extraction.issues.push(issue);
    }
    Ok(())
}

/// Compares the `idNumber` of an ID card side with that of the other side recorded in
/// the same transaction (api.md: 3101, on the back's number); nothing when the other
/// side is not there or either number was not read whole.
async fn id_number_check(
    state: &AppState,
    auth: &AuthContext,
    tx: &str,
    kind: hawiya_pipeline::DocumentKind,
    extraction: &mut Extraction,
) -> Result<(), ApiError> {
    use hawiya_pipeline::DocumentKind::{IdBack, IdFront};
    let Some(own) = extraction.get_str("idNumber").map(str::to_string) else {
        return Ok(());
    };
    let other_side = if kind == IdFront { IdBack } else { IdFront };
    let other = state
        .store
        .get_step(&auth.tenant.id, tx, other_side.step())
        .await
        .map_err(store_error)?;
    let Some(other) = other.as_ref().and_then(|s| s.fields["idNumber"].as_str()) else {
        return Ok(());
    };
    let (front, back) = match kind {
        IdFront => (own.as_str(), other),
        _ => (other, own.as_str()),
    };
    if let Some(issue) = hawiya_documents::id_number::check_front_back(front, back) {
        extraction.issues.push(issue);
    }
    Ok(())
}

/// Values by field name, as kept in the transaction.
fn fields_json(extraction: &Extraction) -> Value {
    Value::Object(
        extraction
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect(),
    )
}

fn put_fields(data: &mut Map<String, Value>, extraction: &Extraction, all: bool, key: &[&str]) {
    for f in &extraction.fields {
        if all || key.contains(&f.name.as_str()) {
            data.insert(f.name.clone(), f.value.clone());
        }
    }
    if all {
        let details: Map<String, Value> = extraction
            .fields
            .iter()
            .filter(|f| f.confidence.is_some() || f.bbox.is_some())
            .map(|f| {
                (
                    f.name.clone(),
                    json!({ "confidence": f.confidence, "bbox": f.bbox }),
                )
            })
            .collect();
        if !details.is_empty() {
            data.insert("fields".into(), Value::Object(details));
        }
        for (k, v) in &extraction.extra {
            // Already in `services`.
            if k != "liveness" && k != "spoofing" {
                data.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Unknown routes and methods answer in the envelope too.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

pub async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "method not allowed on this route: use POST",
    )
    .into_response()
}
