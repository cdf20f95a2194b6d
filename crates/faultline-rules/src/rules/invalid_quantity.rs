use faultline_model::Object;
use faultline_model::pod::{PodTemplate, Resources};
use faultline_model::quantity::Quantity;
use faultline_syntax::NodeRef;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports resource quantities Kubernetes cannot parse: container requests and limits,
    /// pod `overhead`, `emptyDir.sizeLimit`, ResourceQuota `hard`, LimitRange limits and
    /// PersistentVolumeClaim storage requests.
    ///
    /// ## Why it matters
    /// The API server rejects the object. Common slips are the units of other tools: `2GB`
    /// and `512mb` are not quantities (`2G`/`2Gi` and `512M`/`512Mi` are), and `0.5 cpu`
    /// with a space is not either.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/api:1.4.2
    ///       resources:
    ///         limits:
    ///           memory: 2GB
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/api:1.4.2
    ///       resources:
    ///         limits:
    ///           memory: 2Gi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Resource units: <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#resource-units-in-kubernetes>
    pub struct InvalidQuantity {
        id: "invalid-quantity",
        category: Syntax,
        severity: Error,
        summary: "a resource quantity cannot be parsed and the API server rejects it",
        params: [],
    }
}

fn check(obj: &Object<'_>, value: NodeRef<'_>, field: &str, out: &mut Sink<'_>) {
    let Some(text) = value
        .scalar_text()
        .filter(|_| value.is_scalar() && !value.is_null())
    else {
        out.report(
            obj,
            value.range(),
            format!("`{field}` must be a quantity such as `500m` or `1Gi`"),
        )
        .help("write a single quantity value");
        return;
    };
    let Err(err) = Quantity::parse(text.trim()) else {
        return;
    };
    let lower = text.to_ascii_lowercase();
    let hint = ["kb", "mb", "gb", "tb", "pb"]
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| {
            let n = &text[..text.len() - 2];
            let p = s[..1].to_ascii_uppercase();
            let k = if p == "K" { "k" } else { &p };
            format!("write `{n}{k}` (powers of 1000) or `{n}{p}i` (powers of 1024)")
        })
        .unwrap_or_else(|| {
            "write a Kubernetes quantity such as `250m`, `1.5`, `512Mi` or `2Gi`".to_owned()
        });
    out.report(
        obj,
        value.range(),
        format!("`{text}` in `{field}` is not a valid quantity: {err}"),
    )
    .help(hint);
}

impl Rule for InvalidQuantity {
    fn check_pod(
        &self,
        _cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod.containers() {
            for (which, field) in [
                (Resources::Requests, "requests"),
                (Resources::Limits, "limits"),
            ] {
                for (k, v) in c.resources(which) {
                    let name = k.scalar_text().unwrap_or("");
                    check(obj, v, &format!("resources.{field}.{name}"), out);
                }
            }
        }
        for (k, v) in pod
            .spec
            .get("overhead")
            .into_iter()
            .flat_map(|o| o.entries())
        {
            check(
                obj,
                v,
                &format!("overhead.{}", k.scalar_text().unwrap_or("")),
                out,
            );
        }
        for vol in pod.spec.get("volumes").into_iter().flat_map(|v| v.items()) {
            if let Some(limit) = vol.path(&["emptyDir", "sizeLimit"]) {
                check(obj, limit, "emptyDir.sizeLimit", out);
            }
        }
    }

    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(spec) = obj.spec() else { return };
        match obj.kind {
            "ResourceQuota" => {
                for (k, v) in spec.get("hard").into_iter().flat_map(|h| h.entries()) {
                    check(
                        obj,
                        v,
                        &format!("hard.{}", k.scalar_text().unwrap_or("")),
                        out,
                    );
                }
            }
            "LimitRange" => {
                for limit in spec.get("limits").into_iter().flat_map(|l| l.items()) {
                    for key in [
                        "default",
                        "defaultRequest",
                        "min",
                        "max",
                        "maxLimitRequestRatio",
                    ] {
                        for (k, v) in limit.get(key).into_iter().flat_map(|m| m.entries()) {
                            check(
                                obj,
                                v,
                                &format!("{key}.{}", k.scalar_text().unwrap_or("")),
                                out,
                            );
                        }
                    }
                }
            }
            "PersistentVolumeClaim" => {
                for (k, v) in spec
                    .path(&["resources", "requests"])
                    .into_iter()
                    .flat_map(|m| m.entries())
                {
                    check(
                        obj,
                        v,
                        &format!("resources.requests.{}", k.scalar_text().unwrap_or("")),
                        out,
                    );
                }
            }
            _ => {}
        }
    }
}
