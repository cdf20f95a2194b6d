use faultline_diagnostics::Severity;
use faultline_model::Object;
use faultline_model::credentials::{Confidence, CredentialKind, credential_in_env};
use faultline_model::pod::PodTemplate;

use crate::security::judged_through_controller;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports container `env` entries whose literal `value` is a credential, judged by
    /// faultline's credential model: the exact shapes of issued keys and tokens (AWS access
    /// keys, PEM private keys, GitHub, GitLab, Slack, Google, Stripe tokens, signed JWTs)
    /// are an **error**; a password inside a URL, or a real-looking literal under a name
    /// that says it is secret (`DB_PASSWORD`, `API_TOKEN`, not `_FILE`, `_PATH`, `_URL`…)
    /// a **warning**; a long random-looking literal under any other name **information**
    /// (not under names of things meant to be shared: `PUBLIC`, `CERT`, `FINGERPRINT`,
    /// `CHECKSUM`, `HASH`).
    /// Values from `valueFrom`, `$(VAR)` references, placeholders and template actions are
    /// not literals and are never reported. The finding points at the variable's `name`:
    /// the value itself never appears in the finding or in any output format (faultline
    /// hides the entry but its name in every snippet).
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, where the fix is written.
    ///
    /// ## Why it matters
    /// A literal in a manifest is in git, in every rendered chart, in the API server's
    /// `last-applied-configuration` annotation, and readable by anyone who may `get` the
    /// workload, a much wider audience than those allowed to read Secrets. A leaked key
    /// must be rotated; a `secretKeyRef` keeps it out of all of these.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector:
    ///     matchLabels: {app: api}
    ///   template:
    ///     metadata:
    ///       labels: {app: api}
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    ///           env:
    ///             - name: AWS_ACCESS_KEY_ID
    ///               value: AKIA0000EXAMPLE00000
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector:
    ///     matchLabels: {app: api}
    ///   template:
    ///     metadata:
    ///       labels: {app: api}
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    ///           env:
    ///             - name: AWS_ACCESS_KEY_ID
    ///               valueFrom:
    ///                 secretKeyRef: {name: aws, key: access-key-id}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Secrets as environment variables: <https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables>
    /// - Good practices for Secrets: <https://kubernetes.io/docs/concepts/security/secrets-good-practices/>
    pub struct EnvLiteralCredential {
        id: "env-literal-credential",
        category: Security,
        severity: Warning,
        summary: "a container's environment holds a literal credential (the value is never shown)",
        params: [],
    }
}

impl Rule for EnvLiteralCredential {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        if judged_through_controller(cx, obj) {
            return;
        }
        for c in pod.containers() {
            for env in c.env() {
                let Some(value) = env.value else { continue };
                let Some(found) = credential_in_env(env.name.value, value.value) else {
                    continue;
                };
                let kind = found.kind;
                // A public key or certificate is random-looking and meant to be shared.
                let upper = env.name.value.to_ascii_uppercase();
                if kind == CredentialKind::HighEntropy
                    && ["PUBLIC", "CERT", "FINGERPRINT", "CHECKSUM", "HASH"]
                        .iter()
                        .any(|w| upper.contains(w))
                {
                    continue;
                }
                let severity = match kind.confidence() {
                    Confidence::Certain => Severity::Error,
                    Confidence::Likely => Severity::Warning,
                    Confidence::Possible => Severity::Info,
                };
                let why = match kind {
                    CredentialKind::NamedSecret => " (judged by its name)",
                    CredentialKind::HighEntropy => {
                        " (judged only by how random it looks: it may be harmless)"
                    }
                    _ => "",
                };
                // At the variable's name: the entry but its name is hidden from every output,
                // and so would be the names this message quotes.
                out.report(
                    obj,
                    env.name.range(),
                    format!(
                        "env `{}` of container `{}` holds {} in plain text{why}",
                        env.name.value,
                        c.name(),
                        kind.describe()
                    ),
                )
                .severity(severity)
                .help("move the value into a Secret and read it with `valueFrom.secretKeyRef`; if it was ever committed, rotate it");
            }
        }
    }
}
