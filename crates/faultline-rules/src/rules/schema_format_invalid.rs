use faultline_model::Object;

use crate::schema::{self, IssueKind};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a value that does not parse as the format its schema gives: a quantity
    /// (`memory: 2 GB`) outside the places `invalid-quantity` looks at, a duration
    /// (`timeout: 30 seconds`, Go's `time.ParseDuration`), a date or RFC 3339 time, base64
    /// in a Secret's `data` or another `byte` field, an integer outside `int32`
    /// (`containerPort: 3000000000`); and the object metadata the API server checks beyond
    /// the schema: label keys and values (`metadata.labels`, pod templates' too) and the
    /// `metadata.name` of kinds whose naming rule is known (a lowercase DNS subdomain for most,
    /// a DNS label for a Namespace or Service). The value of a Secret is not repeated in the
    /// message.
    ///
    /// ## Why it matters
    /// The API server refuses the object (`illegal base64 data at input byte 4`, `quantities
    /// must match the regular expression`); a Secret written with plain text under `data`
    /// instead of `stringData` is the classic.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: db
    /// data:
    ///   user: admin!
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: db
    /// stringData:
    ///   user: admin!
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Secrets: <https://kubernetes.io/docs/concepts/configuration/secret/#editing-a-secret>
    pub struct SchemaFormatInvalid {
        id: "schema-format-invalid",
        category: Schema,
        severity: Error,
        summary: "a value does not parse as the format its field requires",
        params: [],
    }
}

impl Rule for SchemaFormatInvalid {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        for issue in run.issues(obj) {
            let IssueKind::Format { format, reason } = &issue.kind else {
                continue;
            };
            if schema::covered_by_invalid_quantity(obj, issue) {
                continue;
            }
            let help = match *format {
                "byte" if obj.kind == "Secret" => {
                    "encode the value in base64, or move it to `stringData`, which takes plain text"
                        .to_owned()
                }
                "byte" => "encode the value in base64".to_owned(),
                "quantity" => "write a quantity such as `250m`, `1.5`, `512Mi` or `2Gi`".to_owned(),
                "duration" => "write a Go duration such as `30s`, `5m` or `1h30m`".to_owned(),
                "date-time" => "write an RFC 3339 time such as `2024-05-01T12:30:00Z`".to_owned(),
                "date" => "write a date such as `2024-05-01`".to_owned(),
                "int32" => "use a value from -2147483648 to 2147483647".to_owned(),
                "int64" => "use a value that fits a 64-bit integer".to_owned(),
                "name" => "use lowercase letters, digits and `-` (and `.` where the kind allows it)".to_owned(),
                "label" => "write label keys and values of at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (keys may have a DNS prefix and `/`)".to_owned(),
                _ => format!("write a valid {format}"),
            };
            let what = match *format {
                "byte" => "base64",
                "int32" => "32-bit integer",
                "int64" => "64-bit integer",
                other => other,
            };
            out.report(
                obj,
                issue.range,
                format!("`{}` is not a valid {what}: {reason}", issue.path),
            )
            .help(schema::help(run, help));
        }
    }
}
