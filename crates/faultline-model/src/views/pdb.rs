//! `PodDisruptionBudget` (`policy/v1`, and the removed `policy/v1beta1`).

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::intorstr::IntOrString;
use crate::object::Object;
use crate::selector::SelectorSemantics;
use crate::selectors::{ParsedSelector, parse_label_selector};

/// A PodDisruptionBudget.
#[derive(Clone, Copy, Debug)]
pub struct PodDisruptionBudget<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
}

impl<'a> PodDisruptionBudget<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        obj.is("PodDisruptionBudget").then(|| Self {
            object: *obj,
            spec: obj.spec(),
        })
    }

    pub fn min_available(&self) -> Option<Field<'a, IntOrString>> {
        field::int_or_str(self.spec, "minAvailable")
    }

    pub fn max_unavailable(&self) -> Option<Field<'a, IntOrString>> {
        field::int_or_str(self.spec, "maxUnavailable")
    }

    /// `spec.selector` as written (`None` when absent or `null`).
    pub fn selector_node(&self) -> Option<NodeRef<'a>> {
        self.spec?.get("selector").filter(|n| !n.is_null())
    }

    pub fn selector(&self) -> Option<ParsedSelector<'a>> {
        self.selector_node().map(parse_label_selector)
    }

    /// What nil and `{}` mean for this version's selector.
    pub fn semantics(&self) -> SelectorSemantics {
        if self.object.api_version == "policy/v1beta1" {
            SelectorSemantics::PodDisruptionBudgetV1beta1
        } else {
            SelectorSemantics::PodDisruptionBudget
        }
    }
}
