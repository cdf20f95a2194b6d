use crate::{Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a failure inside faultline itself: a rule that crashed on an object. The
    /// diagnostic names the rule and the object; every other rule and object is still analyzed.
    ///
    /// ## Why it matters
    /// A crash must not hide findings, and must not pass silently either. Please report it.
    ///
    /// ## Example
    /// ```yaml
    /// # (no input triggers this on purpose)
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # (nothing to change in the input)
    /// ```
    ///
    /// ## Options
    /// None.
    pub struct InternalError {
        id: "internal-error",
        category: Internal,
        severity: Error,
        summary: "faultline failed on an object; the rest of the run was analyzed",
        params: [],
    }
}

impl Rule for InternalError {}
