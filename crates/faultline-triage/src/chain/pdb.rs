//! The causes of a PodDisruptionBudget that allows no disruption: the symptoms of the pods it
//! counts as unhealthy, and the finding that its numbers never allow one.

use crate::ids;
use faultline_diagnostics::Diagnostic;
use faultline_model::ObjectId;
use faultline_rules::Context;

use super::wording::{POD_SYMPTOMS, symptom_what};
use super::{Cause, Findings, named, object_of};

pub(crate) fn pdb_causes(cx: &Context<'_>, findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let mut causes = Vec::new();
    let pods: Vec<ObjectId> = named(cx.inventory, d, "Pod").iter().map(|p| p.id).collect();
    for j in findings.on(&pods, POD_SYMPTOMS) {
        let f = findings.get(j);
        causes.push(Cause::finding(
            f,
            format!(
                "pods it covers {}",
                symptom_what(f.rule).trim_start_matches("its pods ")
            ),
            "the budget counts only healthy pods, so unhealthy ones use up its disruptions"
                .to_owned(),
            92,
            Vec::new(),
        ));
    }
    if let Some(pdb) = object_of(cx, d) {
        for j in findings.on(&[pdb.id], &[ids::PDB_BLOCKS_EVICTION]) {
            causes.push(Cause::finding(
                findings.get(j),
                "its numbers never allow an eviction".to_owned(),
                "`minAvailable` (or `maxUnavailable: 0`) leaves no pod to spare even when all are healthy".to_owned(),
                90,
                Vec::new(),
            ));
        }
    }
    causes
}
