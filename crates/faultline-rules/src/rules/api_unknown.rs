use faultline_model::Object;
use faultline_schema::{Minors, builtin};

use crate::api_versions::{self, ApiStatus};
use crate::schema::suggest;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an `apiVersion`/`kind` that the target Kubernetes version does not serve and
    /// that `api-removed` does not explain: a kind that never existed in that group
    /// (`policy/v1` `PodSecurityPolicy`), an alpha API gone before the table of removals
    /// starts (`admissionregistration.k8s.io/v1alpha1` `InitializerConfiguration`), a kind
    /// spelt in the wrong case (`kind: configmap`), a version that does not exist
    /// (`apps/v2`), an API newer than the target, or one removed after 1.32. For a custom
    /// resource whose CRD is in the input: a version the CRD does not serve, or a kind close to
    /// one of the group's CRDs. Built-in APIs are known from the API server's own documents of
    /// 1.23 to 1.35 and the removal table (1.16 to 1.32). A custom resource whose CRD is not in
    /// the input is not an error (`schema-crd-missing`).
    ///
    /// ## Why it matters
    /// The API server answers `no matches for kind "PodSecurityPolicy" in version "policy/v1"`
    /// and nothing in the file is applied after it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: configmap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// ## Options
    /// `crd-kinds`: kinds whose CRDs live outside the input (installed by another chart or an
    /// operator), as `group/Kind`, `group/version/Kind` or a whole `group`; `schema-crd-missing`
    /// stays silent about them. The target version comes from `--kube-version`.
    ///
    /// ## References
    /// - Deprecated API migration guide: <https://kubernetes.io/docs/reference/using-api/deprecation-guide/>
    pub struct ApiUnknown {
        id: "api-unknown",
        category: Api,
        severity: Error,
        summary: "the apiVersion/kind is not served by the target Kubernetes version or by a CRD of the input",
        params: [
            { name: "crd-kinds", field: crd_kinds, type: List, default: "", description: "custom resource kinds whose CRDs are installed outside the input: `group/Kind`, `group/version/Kind` or `group`" },
        ],
    }
}

/// Whether the configured `crd-kinds` name `obj`'s kind.
pub(crate) fn configured(cx: &Context<'_>, obj: &Object<'_>) -> bool {
    let (group, version) = obj.group_version();
    ApiUnknown::params(cx).crd_kinds.iter().any(|entry| {
        entry == group
            || *entry == format!("{group}/{}", obj.kind)
            || *entry == format!("{group}/{version}/{}", obj.kind)
    })
}

fn minors(m: Minors) -> String {
    match (m.first(), m.last()) {
        (Some(a), Some(b)) if a == b => format!("1.{a}"),
        (Some(a), Some(b)) => format!("1.{a} to 1.{b}"),
        _ => String::new(),
    }
}

impl Rule for ApiUnknown {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let target = cx.settings.kube_version;
        if obj.api_version.is_empty()
            || obj.kind.is_empty()
            || obj.kind_from_path
            || obj.kind == "List"
            || target.major != 1
        {
            return;
        }
        let run = cx.schema();
        let (group, version) = obj.group_version();
        // Most objects: a built-in kind the target serves.
        let b = builtin();
        let served = b.served_in(group, version, obj.kind);
        if served.contains(run.minor) {
            return;
        }
        if matches!(
            api_versions::status(obj.api_version, obj.kind, target),
            Some(ApiStatus::Removed(_))
        ) || api_versions::lookup(obj.api_version, obj.kind).is_some()
        {
            // `api-removed` reports it, or the target still serves it.
            return;
        }
        let range = obj
            .node
            .field_range("apiVersion")
            .unwrap_or_else(|| obj.kind_range());
        if !run.is_builtin_group(group) {
            custom(cx, obj, out);
            return;
        }
        let av = obj.api_version;
        let kind = obj.kind;
        // The removal table knows the beta and GA APIs removed from 1.16 on; alpha APIs of
        // 1.16 to 1.22 are known only from 1.23's documents on.
        let since = if version.contains("alpha") {
            faultline_schema::MIN_MINOR
        } else {
            16
        };
        let since = format!("1.{since}");
        let (message, help) = if !served.is_empty() {
            let first = served.first().unwrap_or(0);
            let message = if first > run.minor {
                format!(
                    "`{av}` `{kind}` is not served before Kubernetes 1.{first} (target: {target})"
                )
            } else {
                format!(
                    "`{av}` `{kind}` is not served by Kubernetes {target}: it was served in {}",
                    minors(served)
                )
            };
            (message, alternatives(run.minor, group, kind))
        } else {
            let message =
                format!("no Kubernetes release from {since} to {target} serves `{av}` `{kind}`");
            let help = same_kind_elsewhere(run.minor, av, kind)
                .or_else(|| alternatives(run.minor, group, kind))
                .unwrap_or_else(|| {
                    "check `apiVersion` and `kind`: `kubectl api-resources` lists what a cluster serves".to_owned()
                });
            (message, Some(help))
        };
        let help = help.unwrap_or_else(|| {
            format!("remove the `{kind}` or use an API the target version serves")
        });
        out.report(obj, range, message).help(help);
    }
}

/// Where the target serves `kind` (any case) in `group`, or the kind's spelling there.
fn alternatives(minor: u16, group: &str, kind: &str) -> Option<String> {
    let b = builtin();
    let mut served: Vec<String> = b
        .kinds()
        .filter(|k| k.group() == group && k.served_in().contains(minor))
        .filter(|k| k.kind().eq_ignore_ascii_case(kind))
        .map(|k| {
            let av = if group.is_empty() {
                k.version().to_owned()
            } else {
                format!("{group}/{}", k.version())
            };
            if k.kind() == kind {
                format!("`apiVersion: {av}`")
            } else {
                format!("`apiVersion: {av}` with `kind: {}`", k.kind())
            }
        })
        .collect();
    served.dedup();
    if served.is_empty() {
        let kinds = b
            .kinds()
            .filter(|k| k.group() == group && k.served_in().contains(minor))
            .map(|k| k.kind());
        return suggest(kind, kinds).map(|k| format!("did you mean `kind: {k}`?"));
    }
    Some(format!("use {}", served.join(" or ")))
}

/// The same kind served by the target in another group, or what the removal table says of the
/// kind (`PodSecurityPolicy` was `policy/v1beta1`).
fn same_kind_elsewhere(minor: u16, api_version: &str, kind: &str) -> Option<String> {
    let b = builtin();
    let mut elsewhere: Vec<String> = b
        .kinds()
        .filter(|k| k.kind() == kind && k.served_in().contains(minor))
        .map(|k| {
            if k.group().is_empty() {
                k.version().to_owned()
            } else {
                format!("{}/{}", k.group(), k.version())
            }
        })
        .filter(|av| av != api_version)
        .collect();
    elsewhere.dedup();
    if !elsewhere.is_empty() {
        return Some(format!(
            "`{kind}` is served as {}",
            elsewhere
                .iter()
                .map(|av| format!("`apiVersion: {av}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    let removed = api_versions::all_changes()
        .iter()
        .filter(|c| c.kind == kind)
        .max_by_key(|c| c.removed_in)?;
    Some(format!(
        "`{kind}` was `{}`, removed in Kubernetes {}; {}",
        removed.api_version,
        removed.removed_in,
        if removed.replacement.is_empty() {
            if removed.note.is_empty() {
                "it has no replacement".to_owned()
            } else {
                removed.note.to_owned()
            }
        } else {
            format!("use `{}`", removed.replacement)
        }
    ))
}

/// A custom resource: a version its CRD in the input does not serve, or a kind close to one of
/// the group's CRDs.
fn custom(cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
    let run = cx.schema();
    let (group, version) = obj.group_version();
    let range = obj
        .node
        .field_range("apiVersion")
        .unwrap_or_else(|| obj.kind_range());
    if let Some(crd) = run.crd_of(obj) {
        if crd.versions.iter().any(|v| v.name == version && v.served) {
            return;
        }
        let served: Vec<String> = crd
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| format!("`{group}/{}`", v.name))
            .collect();
        let crd_obj = run.crd_object(crd);
        let what = if crd.versions.iter().any(|v| v.name == version) {
            "marks it `served: false`"
        } else {
            "does not define it"
        };
        out.report(
            obj,
            range,
            format!(
                "`{}` `{}` is not served: the CustomResourceDefinition {what}",
                obj.api_version, obj.kind
            ),
        )
        .help(if served.is_empty() {
            "serve a version of the CRD".to_owned()
        } else {
            format!("use {}", served.join(" or "))
        })
        .related(
            crd_obj,
            crd_obj.kind_range(),
            format!("the CustomResourceDefinition of `{}`", obj.kind),
        );
        return;
    }
    if configured(cx, obj) {
        return;
    }
    let crds = run.crds();
    let kinds = crds
        .by_kind
        .iter()
        .filter(|(_, v)| v.iter().any(|(g, _)| *g == group))
        .map(|(k, _)| *k);
    let Some(close) = suggest(obj.kind, kinds) else {
        return;
    };
    let Some(crd) = crds.of(group, &close).next() else {
        return;
    };
    let crd_obj = run.crd_object(crd);
    out.report(
        obj,
        obj.kind_range(),
        format!(
            "no CustomResourceDefinition of the input defines `{}` in `{group}`: did you mean `{close}`?",
            obj.kind
        ),
    )
    .help(format!("write `kind: {close}`"))
    .related(
        crd_obj,
        crd_obj.kind_range(),
        format!("the CustomResourceDefinition of `{close}`"),
    );
}
