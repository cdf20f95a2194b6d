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

    /// `spec.unhealthyPodEvictionPolicy` (`IfHealthyBudget`, the default, or `AlwaysAllow`).
    pub fn unhealthy_pod_eviction_policy(&self) -> Option<Field<'a, &'a str>> {
        field::str(self.spec, "unhealthyPodEvictionPolicy")
    }

    /// A count of the status (`disruptionsAllowed`, `currentHealthy`, `desiredHealthy`,
    /// `expectedPods`), when the status carries it.
    pub fn status_count(&self, key: &str) -> Option<Field<'a, i64>> {
        field::int(self.object.status(), key)
    }

    /// `status.conditions`.
    pub fn conditions(&self) -> Vec<crate::status::Condition<'a>> {
        crate::status::conditions(self.object.status())
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
