//! Orders (the first step of the orders issue): a physician places a lab or imaging order as
//! a FHIR ServiceRequest; HL7 routes that subscribe to orders queue an ORM^O01 or OML^O21 in the
//! same transaction (see `hl7_out.rs`).

use meridian_api::{OrderRow, PlaceOrder};
use meridian_domain::access::Action;
use meridian_domain::measure::LOINC;
use meridian_fhir::Resource;
use meridian_store::{Origin, Tx};

use crate::guard::{Ctx, Target};
use crate::import::{parse, write};
use crate::{App, AppError, Result};

impl App {
    pub async fn place_order(&self, token: &str, req: &PlaceOrder) -> Result<OrderRow> {
        let loinc = req.loinc.trim();
        if loinc.is_empty() || !loinc.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(AppError::Validation("the order needs a LOINC code such as 24331-1".into()));
        }
        if !matches!(req.priority.as_str(), "routine" | "urgent" | "asap" | "stat") {
            return Err(AppError::Validation("priority must be routine, urgent, asap or stat".into()));
        }
        let display = meridian_domain::text::short("test name", &req.display).map_err(|e| AppError::Validation(e.to_string()))?;
        self.audited(token, Action::SignOrder, Target::patient(&req.patient_id), async |tx: &mut Tx, ctx: &mut Ctx| {
            crate::patients::read_patient(tx, &req.patient_id).await?;
            let json = serde_json::json!({
                "resourceType": "ServiceRequest",
                "status": "active",
                "intent": "order",
                "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "108252007", "display": "Laboratory procedure"}]}],
                "priority": req.priority,
                "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}], "text": display},
                "subject": {"reference": format!("Patient/{}", req.patient_id)},
                "authoredOn": ctx.now.to_rfc3339(),
                "requester": {"display": ctx.session.display_name},
            });
            let mut r = parse(&serde_json::to_vec(&json).map_err(|e| AppError::Internal(e.to_string()))?)?;
            write(tx, ctx, &mut r, None, Origin::Local).await?;
            let id = r.id().unwrap_or_default().to_owned();
            ctx.created = Some(("ServiceRequest".into(), id.clone(), Some(req.patient_id.clone())));
            Ok(OrderRow {
                id,
                loinc: loinc.to_owned(),
                display: display.to_owned(),
                priority: req.priority.clone(),
                status: "active".into(),
                authored: ctx.now.to_rfc3339(),
            })
        })
        .await
    }

    /// A patient's orders, newest first.
    pub async fn orders(&self, token: &str, patient_id: &str) -> Result<Vec<OrderRow>> {
        self.audited(token, Action::ReadChart, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let mut out = Vec::new();
            for s in tx.patient_resources(patient_id, "ServiceRequest").await? {
                let Some(Resource::ServiceRequest(o)) = s.body.as_deref().map(parse).transpose()? else { continue };
                let coding = o.code.as_ref().and_then(|c| c.coding_for(LOINC));
                out.push(OrderRow {
                    id: s.id,
                    loinc: coding.and_then(|c| c.code.as_ref()).map(|c| c.as_str().to_owned()).unwrap_or_default(),
                    display: coding.and_then(|c| c.display.clone()).unwrap_or_default(),
                    priority: o.priority.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
                    status: o.status.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
                    authored: o.authored_on.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                });
            }
            out.sort_by(|a, b| b.authored.cmp(&a.authored));
            Ok(out)
        })
        .await
    }
}
