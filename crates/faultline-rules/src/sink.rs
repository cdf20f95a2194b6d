//! Where rules report: [`Sink`] fills in a finding's rule, category, default severity and
//! object, [`Report`] lets the rule add help and related places. What they collect
//! ([`Found`]) goes to the engine's suppression and folding.

use faultline_diagnostics::{Diagnostic, Location, ObjectRef, Severity};
use faultline_model::{Object, ObjectId};
use faultline_syntax::{FileId, TextRange};

use crate::params::RuleMeta;

/// A diagnostic plus the object it is about, so suppressions can consult that object.
pub(crate) struct Found {
    pub diag: Diagnostic,
    pub object: Option<ObjectId>,
}

/// Where a rule reports. It fills in the rule id, category, default severity and object.
pub struct Sink<'s> {
    meta: &'static RuleMeta,
    out: &'s mut Vec<Found>,
}

impl std::fmt::Debug for Sink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("rule", &self.meta.info.id)
            .finish()
    }
}

/// The object reference diagnostics carry.
pub fn object_ref(obj: &Object<'_>) -> ObjectRef {
    ObjectRef {
        api_version: obj.api_version.to_owned(),
        kind: obj.kind.to_owned(),
        namespace: obj.namespace.map(str::to_owned),
        name: obj.name.to_owned(),
    }
}

impl<'s> Sink<'s> {
    pub(crate) fn new(meta: &'static RuleMeta, out: &'s mut Vec<Found>) -> Self {
        Self { meta, out }
    }

    /// A sink that reports as the rule `meta` into the same findings: for a rule that runs a
    /// set of rules (the custom rules of `.faultline.yaml`, each reporting under its own id).
    pub(crate) fn as_rule(&mut self, meta: &'static RuleMeta) -> Sink<'_> {
        Sink {
            meta,
            out: self.out,
        }
    }

    /// Reports a finding about `obj` at `range` (in the object's file).
    pub fn report(
        &mut self,
        obj: &Object<'_>,
        range: TextRange,
        message: impl Into<String>,
    ) -> Report<'_> {
        let mut diag = self
            .diagnostic(Location::new(obj.file, range), message)
            .with_object(object_ref(obj));
        diag.object_id = Some(obj.id);
        if let Some(template) = obj.helm_source {
            diag = diag.with_related(
                format!("rendered from the Helm template `{template}`"),
                None,
                None,
            );
        }
        self.push(diag, Some(obj.id))
    }

    /// Reports a finding that belongs to no object (a parse error, a file that cannot be read).
    pub fn report_file(
        &mut self,
        file: FileId,
        range: Option<TextRange>,
        message: impl Into<String>,
    ) -> Report<'_> {
        let diag = self.diagnostic(Location { file, range }, message);
        self.push(diag, None)
    }

    fn diagnostic(&self, location: Location, message: impl Into<String>) -> Diagnostic {
        let info = &self.meta.info;
        Diagnostic::new(
            info.id,
            info.default_severity,
            info.category,
            location,
            message,
        )
    }

    fn push(&mut self, diag: Diagnostic, object: Option<ObjectId>) -> Report<'_> {
        self.out.push(Found { diag, object });
        Report(&mut self.out.last_mut().expect("just pushed").diag)
    }
}

/// A finding being filled in.
#[derive(Debug)]
pub struct Report<'s>(&'s mut Diagnostic);

impl Report<'_> {
    /// What to change, in the imperative.
    pub fn help(self, help: impl Into<String>) -> Self {
        self.0.help = help.into();
        self
    }

    /// A finding of this rule that is less (or more) severe than its default.
    pub fn severity(self, severity: Severity) -> Self {
        self.0.severity = severity;
        self
    }

    /// Another object involved, pointing at `range` in its file.
    pub fn related(self, obj: &Object<'_>, range: TextRange, message: impl Into<String>) -> Self {
        self.0.related.push(faultline_diagnostics::Related {
            message: message.into(),
            object: Some(object_ref(obj)),
            object_id: Some(obj.id),
            location: Some(Location::new(obj.file, range)),
        });
        self
    }

    /// Another place involved that is not an object.
    pub fn related_at(self, location: Location, message: impl Into<String>) -> Self {
        self.0.related.push(faultline_diagnostics::Related {
            message: message.into(),
            object: None,
            object_id: None,
            location: Some(location),
        });
        self
    }
}
