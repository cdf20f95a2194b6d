use faultline_model::Object;

use crate::schema::{self, IssueKind};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a value outside the set a field allows, listing the allowed values: a port
    /// `protocol: udp` (the values are case-sensitive: `UDP`), an `imagePullPolicy:
    /// IfNotPresnt`, a Service `type: Loadbalancer`, a custom resource value outside its CRD's
    /// `enum`. For built-in kinds the sets are those the API server's own validation checks
    /// (its published schemas carry none); for custom resources, the CRD's `enum`.
    ///
    /// ## Why it matters
    /// The API server refuses the object: `Unsupported value: "udp": supported values:
    /// "SCTP", "TCP", "UDP"`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: dns
    /// spec:
    ///   selector: {app: dns}
    ///   ports:
    ///     - port: 53
    ///       protocol: udp
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: dns
    /// spec:
    ///   selector: {app: dns}
    ///   ports:
    ///     - port: 53
    ///       protocol: UDP
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Kubernetes API reference: <https://kubernetes.io/docs/reference/kubernetes-api/>
    pub struct SchemaEnumInvalid {
        id: "schema-enum-invalid",
        category: Schema,
        severity: Error,
        summary: "a value is not one of those its field allows",
        params: [],
    }
}

impl Rule for SchemaEnumInvalid {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        for issue in run.issues(obj) {
            let IssueKind::Enum {
                value,
                allowed,
                suggestion,
            } = &issue.kind
            else {
                continue;
            };
            let help = match suggestion {
                Some(s) if value.trim_matches('"').eq_ignore_ascii_case(s) => {
                    format!("write `{s}`: the values are case-sensitive")
                }
                Some(s) => format!("write `{s}`"),
                None => "use one of the supported values".to_owned(),
            };
            out.report(
                obj,
                issue.range,
                format!(
                    "`{}` is {value}; supported values: {}",
                    issue.path,
                    allowed.join(", ")
                ),
            )
            .help(schema::help(run, help));
        }
    }
}
