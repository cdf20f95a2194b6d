//! Who controls an object, up to the root: the one walk of controller `ownerReferences` every
//! part of faultline uses (the graph's root owner, grouping findings by workload, cause chains,
//! the NetworkPolicy model's peer names, the manifest behind a running object).
//!
//! The walk follows the controller reference (`controller: true`, not a Node) of each object
//! the input holds. An owner the input lacks is still named by its reference, and the walk goes
//! on past it when its name tells its own controller: a ReplicaSet named
//! `<deployment>-<pod-template-hash>` (the hash from its own or its pod's label) was made by
//! that Deployment, a Job named `<cronjob>-<digits>` by that CronJob. So a snapshot of Pods
//! without their ReplicaSets still groups them under their Deployment.

use crate::object::{Inventory, Object, ObjectId};
use crate::status::controller_of;

/// The label a Deployment adds to its ReplicaSets and their pods; the ReplicaSet is named
/// `<deployment>-<hash>`.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Owner links followed at most, against reference cycles in bad snapshots.
const MAX_OWNERS: usize = 8;

/// How a controller was found from the object below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// The controller `ownerReference`.
    OwnerReference,
    /// A ReplicaSet the input does not explain, named `<deployment>-<pod-template-hash>`: its
    /// Deployment.
    PodTemplateHash,
    /// A Job the input does not explain, named `<cronjob>-<digits>`: its CronJob.
    CronJobName,
}

/// One controller above an object. It lives in the object's namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Controller<'a> {
    /// As written in the reference (an owner reference may leave it empty).
    pub kind: &'a str,
    pub name: &'a str,
    pub via: Via,
    /// The controller, when the input holds it.
    pub object: Option<ObjectId>,
}

/// The controllers of `obj`, nearest first, up to the root (see the [module docs](self)).
pub fn controllers<'a>(inventory: &Inventory<'a>, obj: &Object<'a>) -> Vec<Controller<'a>> {
    let namespace = obj.namespace;
    let mut out: Vec<Controller<'a>> = Vec::new();
    let mut current: Option<&Object<'a>> = Some(obj);
    let (mut kind, mut name) = (obj.kind, obj.name);
    let mut hash = label(obj, POD_TEMPLATE_HASH);
    for _ in 0..MAX_OWNERS {
        let referenced = current
            .and_then(controller_of)
            .filter(|o| o.kind != "Node")
            .map(|o| (o.kind, o.name, Via::OwnerReference));
        let Some((next_kind, next_name, via)) =
            referenced.or_else(|| derived_owner(kind, name, hash))
        else {
            break;
        };
        let cycle = (next_kind == obj.kind && next_name == obj.name)
            || out
                .iter()
                .any(|c| c.kind == next_kind && c.name == next_name);
        if cycle {
            break;
        }
        current = inventory.find(next_kind, namespace, next_name);
        hash = current.and_then(|o| label(o, POD_TEMPLATE_HASH)).or(hash);
        out.push(Controller {
            kind: next_kind,
            name: next_name,
            via,
            object: current.map(|o| o.id),
        });
        (kind, name) = (next_kind, next_name);
    }
    out
}

/// The highest controller of `obj` the input holds, or `obj` itself.
pub fn root_in_input(inventory: &Inventory<'_>, obj: &Object<'_>) -> ObjectId {
    controllers(inventory, obj)
        .iter()
        .rev()
        .find_map(|c| c.object)
        .unwrap_or(obj.id)
}

fn label<'r>(obj: &Object<'r>, key: &str) -> Option<&'r str> {
    obj.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The controller a ReplicaSet or Job without a controller reference was most likely made by,
/// from its name.
fn derived_owner<'r>(
    kind: &str,
    name: &'r str,
    hash: Option<&str>,
) -> Option<(&'r str, &'r str, Via)> {
    if kind.eq_ignore_ascii_case("ReplicaSet") {
        let base = name.strip_suffix(hash?)?.strip_suffix('-')?;
        return (!base.is_empty()).then_some(("Deployment", base, Via::PodTemplateHash));
    }
    if kind.eq_ignore_ascii_case("Job") {
        let (base, digits) = name.rsplit_once('-')?;
        let digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        return (digits && !base.is_empty()).then_some(("CronJob", base, Via::CronJobName));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ModelOptions;

    fn inventory(text: &str) -> (Vec<faultline_syntax::ParsedText>, String) {
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        (parsed, text.to_owned())
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-5f7c9d8b4-abcde\n  namespace: shop\n  labels: {pod-template-hash: 5f7c9d8b4}\n  ownerReferences: [{kind: ReplicaSet, name: web-5f7c9d8b4, controller: true}]\n";

    #[test]
    fn a_missing_replica_set_still_leads_to_its_deployment() {
        let text = format!(
            "{POD}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: shop}}\n"
        );
        let (parsed, _) = inventory(&text);
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let pod = &inv.objects[0];
        let found = controllers(&inv, pod);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            (found[0].kind, found[0].name, found[0].via, found[0].object),
            ("ReplicaSet", "web-5f7c9d8b4", Via::OwnerReference, None)
        );
        assert_eq!(
            (found[1].kind, found[1].name, found[1].via),
            ("Deployment", "web", Via::PodTemplateHash)
        );
        assert_eq!(found[1].object, Some(inv.objects[1].id));
        assert_eq!(root_in_input(&inv, pod), inv.objects[1].id);
    }

    #[test]
    fn jobs_lead_to_their_cron_job_and_cycles_end() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ownerReferences: [{kind: Job, name: nightly-28871234, controller: true}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  ownerReferences: [{kind: ConfigMap, name: b, controller: true}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  ownerReferences: [{kind: ConfigMap, name: a, controller: true}]\n";
        let (parsed, _) = inventory(text);
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let names: Vec<(&str, &str)> = controllers(&inv, &inv.objects[0])
            .iter()
            .map(|c| (c.kind, c.name))
            .collect();
        assert_eq!(names, [("Job", "nightly-28871234"), ("CronJob", "nightly")]);
        let names: Vec<&str> = controllers(&inv, &inv.objects[1])
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["b"]);
        assert_eq!(root_in_input(&inv, &inv.objects[0]), inv.objects[0].id);
    }
}
