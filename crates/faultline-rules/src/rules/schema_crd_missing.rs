use std::collections::BTreeMap;

use crate::registry::api_unknown;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Says, once per kind, that custom resources of a kind whose CustomResourceDefinition is
    /// not in the input were not checked against a schema, and how to provide it. Not a
    /// problem in itself: the CRD is often installed by another chart or an operator.
    ///
    /// ## Why it matters
    /// The `schema-*` rules check a custom resource only against its CRD's
    /// `openAPIV3Schema`; without it a misspelt field of a `ServiceMonitor` or `Certificate`
    /// goes through unnoticed.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: monitoring.coreos.com/v1
    /// kind: ServiceMonitor
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   endpoints:
    ///     - port: http
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///     - name: http
    ///       port: 80
    /// ```
    ///
    /// ## Options
    /// List kinds whose CRDs live elsewhere in `crd-kinds` of `api-unknown` to silence this.
    pub struct SchemaCrdMissing {
        id: "schema-crd-missing",
        category: Schema,
        severity: Info,
        summary: "custom resources of a kind whose CRD is not in the input are not schema-checked",
        params: [],
    }
}

impl Rule for SchemaCrdMissing {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        // (group, kind) → the first object and how many there are.
        let mut kinds: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
        for (i, obj) in cx.inventory.objects.iter().enumerate() {
            if obj.kind.is_empty() || obj.kind_from_path || !run.is_custom(obj) {
                continue;
            }
            let group = obj.group_version().0;
            kinds.entry((group, obj.kind)).or_insert((i, 0)).1 += 1;
        }
        for ((group, kind), (first, count)) in kinds {
            let obj = &cx.inventory.objects[first];
            if run.crd_of(obj).is_some() || api_unknown::configured(cx, obj) {
                continue;
            }
            let objects = if count == 1 {
                "its object is".to_owned()
            } else {
                format!("its {count} objects are")
            };
            out.report(
                obj,
                obj.kind_range(),
                format!(
                    "no CustomResourceDefinition for `{group}` `{kind}` in the input: {objects} not checked against a schema"
                ),
            )
            .help(format!(
                "add the CRD to the input (the chart's `crds/`, or `kubectl get crd <plural>.{group} -o yaml`), or list `{group}/{kind}` in `crd-kinds` of `api-unknown`"
            ));
        }
    }
}
