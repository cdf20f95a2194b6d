//! One finding per workload rather than per replica, for every rule.
//!
//! On a snapshot, a rule that checks pod specs fires on a Deployment's pod template, on its
//! ReplicaSet's and again on each Pod, with the same message. The engine folds those
//! repetitions: a Pod's (or an owned ReplicaSet's or Job's) finding that its controller in the
//! input also carries, with the same rule, severity, message and help, becomes a related
//! entry of the controller's finding; the findings that remain about Pods of one workload
//! become one finding that names how many pods share it. The Status rules group their
//! findings themselves and are left alone.

use std::collections::HashMap;

use faultline_diagnostics::{Category, Diagnostic, Related, Severity};
use faultline_model::ObjectId;

use crate::context::Context;
use crate::evidence::{self, OwnerKey};
use crate::sink::Found;

/// How many pods (or owned controllers) a folded finding lists as related, each at its place;
/// the rest are counted in one more entry.
pub(crate) const MAX_LISTED: usize = 5;

/// What makes two findings the same finding, wherever they are.
type Same<'f> = (&'static str, Severity, &'f str, &'f str);

fn same(d: &Diagnostic) -> Same<'_> {
    (d.rule, d.severity, &d.message, &d.help)
}

/// Folds the findings of `found` (in a stable order: the order the engine collected them)
/// about the replicas of one workload, as described in the module doc. The result is in the
/// same order, minus the folded findings.
pub(crate) fn collapse(cx: &Context<'_>, found: Vec<Found>) -> Vec<Diagnostic> {
    let inventory = cx.inventory;
    let foldable = |f: &Found| f.diag.category != Category::Status && f.object.is_some();
    // The first finding of each kind on each object.
    let mut carrying: HashMap<(Same<'_>, ObjectId), usize> = HashMap::new();
    for (i, f) in found.iter().enumerate() {
        if let Some(id) = f.object.filter(|_| foldable(f)) {
            carrying.entry((same(&f.diag), id)).or_insert(i);
        }
    }
    // A repetition of a finding on the same object is left alone, so that counts are of pods.
    let first_on_its_object = |i: usize| {
        let f = &found[i];
        f.object
            .filter(|_| foldable(f))
            .filter(|id| carrying.get(&(same(&f.diag), *id)) == Some(&i))
    };
    // A manifest read beside the snapshot of what it created: the same finding on the
    // running object (or its pods) goes to the manifest's, where the fix is written.
    let is_manifest = |id: ObjectId| !faultline_graph::from_a_cluster(inventory.get(id));
    let carried_by = |s: Same<'_>, id: ObjectId| -> Option<usize> {
        let twin = inventory
            .same_object(id)
            .filter(|t| *t != id && is_manifest(*t))
            .find_map(|t| carrying.get(&(s, t)).copied());
        twin.or_else(|| carrying.get(&(s, id)).copied())
    };
    // Into which finding each folded finding goes.
    let mut folded_into: Vec<Option<usize>> = vec![None; found.len()];
    for (i, f) in found.iter().enumerate() {
        let Some(id) = first_on_its_object(i) else {
            continue;
        };
        let obj = inventory.get(id);
        if !is_manifest(id)
            && let Some(j) = carried_by(same(&f.diag), id).filter(|j| *j != i)
        {
            folded_into[i] = Some(j);
            continue;
        }
        if !matches!(obj.kind, "Pod" | "ReplicaSet" | "Job") {
            continue;
        }
        // The controller the furthest up that carries the same finding.
        folded_into[i] = evidence::controllers_in_input(inventory, obj)
            .iter()
            .rev()
            .find_map(|c| carried_by(same(&f.diag), c.id));
    }
    // Into the last of a chain (a pod into the running Deployment, which goes to its manifest).
    for i in 0..folded_into.len() {
        let mut at = folded_into[i];
        for _ in 0..8 {
            match at.and_then(|t| folded_into[t]) {
                Some(next) if Some(next) != at => at = Some(next),
                _ => break,
            }
        }
        folded_into[i] = at;
    }
    let mut absorbed: Vec<Vec<usize>> = vec![Vec::new(); found.len()];
    for (i, into) in folded_into.iter().enumerate() {
        if let Some(c) = into {
            absorbed[*c].push(i);
        }
    }

    // The Pods' findings that no controller carries, grouped by workload.
    type Key<'f> = (Same<'f>, OwnerKey<'f>);
    let loose: Vec<(usize, Key<'_>, String)> = found
        .iter()
        .enumerate()
        .filter(|(i, _)| folded_into[*i].is_none())
        .filter_map(|(i, f)| {
            let obj = inventory.get(first_on_its_object(i)?);
            if obj.kind != "Pod" {
                return None;
            }
            let owner = evidence::owner_of(inventory, obj)?;
            let key = (owner.namespace, owner.kind, owner.name);
            Some((i, (same(&f.diag), key), owner.display()))
        })
        .collect();
    let mut grouped: Vec<Option<(String, Vec<usize>)>> = vec![None; found.len()];
    let mut dropped = vec![false; found.len()];
    for group in evidence::group_in_order(loose, |(_, key, _)| *key) {
        if group.len() < 2 {
            continue;
        }
        let first = group[0].0;
        let others: Vec<usize> = group[1..].iter().map(|(i, _, _)| *i).collect();
        for i in &others {
            dropped[*i] = true;
        }
        grouped[first] = Some((group[0].2.clone(), others));
    }

    let is_pod = |i: &usize| {
        found[*i]
            .object
            .is_some_and(|id| inventory.get(id).kind == "Pod")
    };
    let mut extras: Vec<Vec<Related>> = vec![Vec::new(); found.len()];
    for (i, members) in absorbed.iter().enumerate() {
        let (pods, controllers): (Vec<usize>, Vec<usize>) = members.iter().partition(|m| is_pod(m));
        let same_on = |what: &str| format!("the same on {what}");
        extras[i].extend(listed(&found, &controllers, same_on, same_on, "object"));
        let n = pods.len();
        let first = |what: &str| {
            if n > 1 {
                format!("the same on {n} of its pods, first {what}")
            } else {
                same_on(what)
            }
        };
        extras[i].extend(listed(&found, &pods, first, same_on, "pod"));
    }
    for (i, group) in grouped.iter().enumerate() {
        if let Some((_, others)) = group {
            let also_on = |what: &str| format!("also on {what}");
            extras[i].extend(listed(&found, others, also_on, also_on, "pod"));
        }
    }
    found
        .into_iter()
        .enumerate()
        .filter(|(i, _)| folded_into[*i].is_none() && !dropped[*i])
        .map(|(i, f)| {
            let mut diag = f.diag;
            if let Some((owner, others)) = &grouped[i] {
                diag.message = format!("{} pods of {owner}: {}", others.len() + 1, diag.message);
            }
            diag.related.append(&mut extras[i]);
            diag
        })
        .collect()
}

/// One related entry per member (by index into `found`) up to [`MAX_LISTED`], at the member's
/// location, the first made by `first("Kind/ns/name")` and the others by `note`; then one
/// entry without a place counting the rest (`and 27 more pods`).
fn listed(
    found: &[Found],
    members: &[usize],
    first: impl Fn(&str) -> String,
    note: impl Fn(&str) -> String,
    noun: &str,
) -> Vec<Related> {
    let mut out: Vec<Related> = members
        .iter()
        .take(MAX_LISTED)
        .enumerate()
        .map(|(k, m)| {
            let d = &found[*m].diag;
            let what = d
                .object
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            Related {
                message: if k == 0 { first(&what) } else { note(&what) },
                object: d.object.clone(),
                object_id: d.object_id,
                location: Some(d.location),
            }
        })
        .collect();
    if members.len() > MAX_LISTED {
        let rest = members.len() - MAX_LISTED;
        out.push(Related {
            message: format!("and {}", evidence::count(rest, &format!("more {noun}"))),
            object: None,
            object_id: None,
            location: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use faultline_diagnostics::Diagnostic;

    use crate::Settings;
    use crate::testing::check_texts;

    const RULE: &str = crate::registry::probe_liveness_missing::ProbeLivenessMissing::ID;

    fn deployment() -> String {
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n        - {name: app, image: api:1}\n".to_owned()
    }

    fn replica_set(owned: bool) -> String {
        let owner = if owned {
            "\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]"
        } else {
            ""
        };
        format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: api-6d4f\n  namespace: shop{owner}\nspec:\n  selector: {{matchLabels: {{app: api}}}}\n  template:\n    metadata: {{labels: {{app: api}}}}\n    spec:\n      containers:\n        - {{name: app, image: api:1}}\n"
        )
    }

    /// A Pod of the ReplicaSet `api-6d4f` whose one container is named `container`.
    fn pod(name: &str, container: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\n  labels: {{app: api}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: api-6d4f, uid: r1, controller: true}}]\nspec:\n  containers:\n    - {{name: {container}, image: api:1}}\n"
        )
    }

    fn check(docs: &[String]) -> (String, Vec<Diagnostic>) {
        let text = docs.join("---\n");
        let (_, diags) = check_texts(&[("snap.yaml", &text)], &Settings::default());
        let diags = diags.into_iter().filter(|d| d.rule == RULE).collect();
        (text, diags)
    }

    /// The name of the object whose document holds `offset`.
    fn document_at(text: &str, offset: u32) -> &str {
        let doc = text[..offset as usize]
            .rsplit("---\n")
            .next()
            .expect("a document");
        let name = doc.split("name: ").nth(1).expect("a name");
        let end = name.find([',', '\n', '}']).expect("end of the name");
        &name[..end]
    }

    /// `(message, object, name of the document the location is in)` of each related entry.
    fn related<'t>(
        text: &'t str,
        d: &Diagnostic,
    ) -> Vec<(String, Option<String>, Option<&'t str>)> {
        d.related
            .iter()
            .map(|r| {
                let at = r
                    .location
                    .and_then(|l| l.range)
                    .map(|range| document_at(text, range.start));
                (
                    r.message.clone(),
                    r.object.as_ref().map(ToString::to_string),
                    at,
                )
            })
            .collect()
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn pods_and_replica_set_fold_into_the_deployment_finding() {
        let (text, diags) = check(&[
            deployment(),
            replica_set(true),
            pod("api-6d4f-a", "app"),
            pod("api-6d4f-b", "app"),
            pod("api-6d4f-c", "app"),
        ]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(
            d.object.as_ref().unwrap().to_string(),
            "Deployment/shop/api"
        );
        assert_eq!(d.message, "container `app` has no liveness probe");
        assert_eq!(
            related(&text, d),
            vec![
                (
                    "the same on ReplicaSet/shop/api-6d4f".to_owned(),
                    some("ReplicaSet/shop/api-6d4f"),
                    Some("api-6d4f"),
                ),
                (
                    "the same on 3 of its pods, first Pod/shop/api-6d4f-a".to_owned(),
                    some("Pod/shop/api-6d4f-a"),
                    Some("api-6d4f-a"),
                ),
                (
                    "the same on Pod/shop/api-6d4f-b".to_owned(),
                    some("Pod/shop/api-6d4f-b"),
                    Some("api-6d4f-b"),
                ),
                (
                    "the same on Pod/shop/api-6d4f-c".to_owned(),
                    some("Pod/shop/api-6d4f-c"),
                    Some("api-6d4f-c"),
                ),
            ]
        );
    }

    /// A snapshot without the ReplicaSet: the pods' `pod-template-hash` names the Deployment
    /// (`api-6d4f` = `api` + `-6d4f`), so their findings still fold into its.
    #[test]
    fn pods_fold_into_the_deployment_when_the_replica_set_is_missing() {
        let hashed = |name: &str| {
            pod(name, "app").replace(
                "labels: {app: api}",
                "labels: {app: api, pod-template-hash: 6d4f}",
            )
        };
        let (text, diags) = check(&[deployment(), hashed("api-6d4f-a"), hashed("api-6d4f-b")]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(
            d.object.as_ref().unwrap().to_string(),
            "Deployment/shop/api"
        );
        assert_eq!(
            related(&text, d)[0],
            (
                "the same on 2 of its pods, first Pod/shop/api-6d4f-a".to_owned(),
                some("Pod/shop/api-6d4f-a"),
                Some("api-6d4f-a"),
            )
        );
    }

    /// The manifest read beside the snapshot of what it created: the running Deployment's and
    /// its pods' findings go to the manifest's, where the fix is written.
    #[test]
    fn the_running_objects_fold_into_the_manifest() {
        let running = deployment().replace(
            "metadata: {name: api, namespace: shop}",
            "metadata: {name: api, namespace: shop, uid: d1}",
        );
        let (text, diags) = check(&[
            deployment(),
            running,
            replica_set(true),
            pod("api-6d4f-a", "app"),
        ]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(document_at(&text, d.location.range.unwrap().start), "api");
        assert!(
            !text[..d.location.range.unwrap().start as usize].contains("uid: d1"),
            "the finding is on the manifest, the first document"
        );
        let related: Vec<String> = related(&text, d).into_iter().map(|r| r.0).collect();
        assert_eq!(
            related,
            [
                "the same on Deployment/shop/api",
                "the same on ReplicaSet/shop/api-6d4f",
                "the same on Pod/shop/api-6d4f-a",
            ]
        );
    }

    #[test]
    fn pods_of_an_absent_workload_are_one_finding_that_counts_them() {
        let (text, diags) = check(&[
            pod("api-6d4f-a", "app"),
            pod("api-6d4f-b", "app"),
            pod("api-6d4f-c", "app"),
        ]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(
            d.object.as_ref().unwrap().to_string(),
            "Pod/shop/api-6d4f-a"
        );
        assert_eq!(
            d.message,
            "3 pods of ReplicaSet/shop/api-6d4f: container `app` has no liveness probe"
        );
        assert_eq!(
            related(&text, d),
            vec![
                (
                    "also on Pod/shop/api-6d4f-b".to_owned(),
                    some("Pod/shop/api-6d4f-b"),
                    Some("api-6d4f-b"),
                ),
                (
                    "also on Pod/shop/api-6d4f-c".to_owned(),
                    some("Pod/shop/api-6d4f-c"),
                    Some("api-6d4f-c"),
                ),
            ]
        );
    }

    #[test]
    fn pods_fold_into_their_replica_set_when_the_deployment_is_absent() {
        let (_, diags) = check(&[
            replica_set(true),
            pod("api-6d4f-a", "app"),
            pod("api-6d4f-b", "app"),
        ]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(
            diags[0].object.as_ref().unwrap().to_string(),
            "ReplicaSet/shop/api-6d4f"
        );
        let notes: Vec<_> = diags[0].related.iter().map(|r| &r.message).collect();
        assert_eq!(
            notes,
            [
                "the same on 2 of its pods, first Pod/shop/api-6d4f-a",
                "the same on Pod/shop/api-6d4f-b"
            ]
        );
    }

    #[test]
    fn a_pod_with_a_different_spec_keeps_its_own_finding() {
        let (_, diags) = check(&[
            deployment(),
            replica_set(true),
            pod("api-6d4f-a", "app"),
            pod("api-6d4f-b", "server"),
            pod("api-6d4f-c", "app"),
        ]);
        let found: Vec<_> = diags
            .iter()
            .map(|d| {
                (
                    d.object.as_ref().unwrap().to_string(),
                    d.message.as_str(),
                    d.related.len(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "Deployment/shop/api".to_owned(),
                    "container `app` has no liveness probe",
                    3
                ),
                (
                    "Pod/shop/api-6d4f-b".to_owned(),
                    "container `server` has no liveness probe",
                    0
                ),
            ]
        );
    }

    #[test]
    fn pods_without_an_owner_are_left_alone() {
        let bare = |name: &str| {
            pod(name, "app").replace("  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-6d4f, uid: r1, controller: true}]\n", "")
        };
        let (_, diags) = check(&[bare("one"), bare("two")]);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "container `app` has no liveness probe",
                "container `app` has no liveness probe"
            ]
        );
        assert!(diags.iter().all(|d| d.related.is_empty()));
    }

    #[test]
    fn many_pods_are_listed_up_to_the_cap_and_counted() {
        let pods: Vec<String> = (0..9)
            .map(|i| pod(&format!("api-6d4f-{i}"), "app"))
            .collect();
        let (_, diags) = check(&pods);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(
            diags[0]
                .message
                .starts_with("9 pods of ReplicaSet/shop/api-6d4f: ")
        );
        let notes: Vec<_> = diags[0]
            .related
            .iter()
            .map(|r| r.message.as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "also on Pod/shop/api-6d4f-1",
                "also on Pod/shop/api-6d4f-2",
                "also on Pod/shop/api-6d4f-3",
                "also on Pod/shop/api-6d4f-4",
                "also on Pod/shop/api-6d4f-5",
                "and 3 more pods",
            ]
        );
        assert!(diags[0].related[super::MAX_LISTED].location.is_none());
    }

    #[test]
    fn folding_does_not_depend_on_the_thread_count() {
        let mut docs = vec![deployment(), replica_set(true)];
        docs.extend((0..200).map(|i| {
            pod(
                &format!("api-6d4f-{i}"),
                if i % 7 == 3 { "server" } else { "app" },
            )
        }));
        let text = docs.join("---\n");
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            pool.install(|| check_texts(&[("snap.yaml", &text)], &Settings::default()).1)
        };
        let one = run(1);
        assert!(
            one.iter()
                .any(|d| d.message.starts_with("29 pods of Deployment/shop/api: ")),
            "{one:#?}"
        );
        assert_eq!(one, run(2));
        assert_eq!(one, run(4));
    }
}
