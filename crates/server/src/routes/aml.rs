//! AML screening: `services.AML` for `/v1/ocr/aml/validate` and, when the tenant enables
//! `aml_on_id_front`, for `id/front`. The matching itself is the store's
//! ([`hawiya_store::Store::screen_aml`]); this module only shapes the answer.

use hawiya_store::{AmlMatch, AmlQuery, AmlSearchParams, Tenant};
use serde_json::{json, Value};

use super::store_error;
use crate::envelope::ApiError;
use crate::state::AppState;

/// Whether `id/front` screens the name and ID number it read. Off unless the tenant turns
/// it on: screening is a compliance decision of the tenant, and it costs a query per card.
pub const AML_ON_ID_FRONT_DEFAULT: bool = false;

/// Whether this tenant's `id/front` answers carry `services.AML`.
pub fn enabled_on_id_front(tenant: &Tenant) -> bool {
    tenant
        .settings
        .aml_on_id_front
        .unwrap_or(AML_ON_ID_FRONT_DEFAULT)
}

/// Screens a name and ID number and returns `services.AML`:
/// `{"AML_matched": bool, "data": [{caseNo, caseYear, recordDate, fullName, idNumber,
/// dateOfBirth, score, list}]}`.
pub async fn screen(
    state: &AppState,
    tenant: &Tenant,
    name: Option<&str>,
    id_number: Option<&str>,
    date_of_birth: Option<&str>,
) -> Result<Value, ApiError> {
    let query = AmlQuery {
        name,
        id_number,
        date_of_birth,
    };
    let mut params = AmlSearchParams {
        max_results: state.config.aml_max_results.max(1),
        ..AmlSearchParams::default()
    };
    if let Some(t) = tenant.settings.aml_threshold.or(state.config.aml_threshold) {
        params.screening.threshold = t;
    }
    let matches = state
        .store
        .screen_aml(&query, &params)
        .await
        .map_err(store_error)?;
    Ok(services_aml(&matches))
}

/// The `services.AML` object for a list of matches.
pub fn services_aml(matches: &[AmlMatch]) -> Value {
    json!({
        "AML_matched": !matches.is_empty(),
        "data": matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_shape() {
        let m = AmlMatch {
            case_no: Some("1452".into()),
            case_year: Some("2021".into()),
            record_date: Some("2021-06-14".into()),
            full_name: "Ali Hassan".into(),
            id_number: None,
            date_of_birth: Some("1985".into()),
            score: 97,
            list: "local".into(),
        };
        let v = services_aml(&[m]);
        assert_eq!(v["AML_matched"], json!(true));
        let keys: Vec<&String> = v["data"][0].as_object().unwrap().keys().collect();
        for k in [
            "caseNo",
            "caseYear",
            "recordDate",
            "fullName",
            "idNumber",
            "dateOfBirth",
            "score",
            "list",
        ] {
            assert!(
                keys.iter().any(|x| x.as_str() == k),
                "{k} missing: {keys:?}"
            );
        }
        assert_eq!(services_aml(&[]), json!({"AML_matched": false, "data": []}));
    }
}
