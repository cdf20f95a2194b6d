//! ResourceQuota and LimitRange.

use super::{ResourceQuantity, fields, item, items, quantities, strings, view};
use crate::field::Field;

view!(
    /// A `ResourceQuota`.
    ResourceQuota
);

impl<'a> ResourceQuota<'a> {
    /// `spec.hard`: the limits asked for (`requests.cpu`, `count/pods`, …).
    pub fn hard(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        quantities(self.object.node.path(&["spec", "hard"]))
    }
    /// `status.hard`: the limits the quota controller enforces.
    pub fn status_hard(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        quantities(self.object.node.path(&["status", "hard"]))
    }
    /// `status.used`: what the namespace consumes now.
    pub fn used(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        quantities(self.object.node.path(&["status", "used"]))
    }
    /// `spec.scopes` (`Terminating`, `BestEffort`, `PriorityClass`, …).
    pub fn scopes(self) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        strings(self.object.node.path(&["spec", "scopes"]))
    }
    /// `spec.scopeSelector.matchExpressions`.
    pub fn scope_selector(self) -> impl Iterator<Item = ScopeRequirement<'a>> + 'a {
        items(
            self.object
                .node
                .path(&["spec", "scopeSelector", "matchExpressions"]),
        )
    }
}

item!(
    /// A `ScopedResourceSelectorRequirement`: a scope, not a label, so it is no label selector.
    ScopeRequirement
);

impl<'a> ScopeRequirement<'a> {
    fields! { (.node)
        scope_name: str = "scopeName",
        /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
        operator: str = "operator",
    }
    pub fn values(self) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        strings(self.node.get("values"))
    }
}

view!(
    /// A `LimitRange`.
    LimitRange
);

impl<'a> LimitRange<'a> {
    pub fn limits(self) -> impl Iterator<Item = LimitRangeItem<'a>> + 'a {
        items(self.object.node.path(&["spec", "limits"]))
    }
}

item!(
    /// One entry of `spec.limits`.
    LimitRangeItem
);

impl<'a> LimitRangeItem<'a> {
    fields! { (.node)
        /// `Container`, `Pod` or `PersistentVolumeClaim`.
        type_: str = "type",
    }
    /// Limits given to containers that set none.
    pub fn default(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        self.list("default")
    }
    /// Requests given to containers that set none.
    pub fn default_request(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        self.list("defaultRequest")
    }
    pub fn min(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        self.list("min")
    }
    pub fn max(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        self.list("max")
    }
    /// The largest allowed limit/request ratio per resource.
    pub fn max_limit_request_ratio(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        self.list("maxLimitRequestRatio")
    }

    fn list(self, key: &str) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        quantities(self.node.get(key))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;
    use crate::quantity::Quantity;

    #[test]
    fn quota_hard_used_and_scopes() {
        let s = yaml(
            "\
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: shop}
spec:
  hard:
    requests.cpu: '10'
    limits.memory: 20Gi
    count/pods: many
  scopes: [NotTerminating, 3]
  scopeSelector:
    matchExpressions:
    - scopeName: PriorityClass
      operator: In
      values: [high]
status:
  hard: {requests.cpu: '10'}
  used: {requests.cpu: 9500m}
",
        );
        let quota = ResourceQuota::of(s.obj(0)).unwrap();
        let hard: Vec<_> = quota.hard().collect();
        assert_eq!(hard.len(), 3);
        assert_eq!(hard[1].name.value, "limits.memory");
        assert_eq!(hard[1].quantity.value, Quantity::parse("20Gi"));
        assert_eq!(s.at(hard[1].quantity.node), (7, 20));
        assert!(hard[2].quantity.value.is_err(), "kept, as an error");
        assert_eq!(s.at(hard[2].quantity.node), (8, 17));
        assert_eq!(
            quota.scopes().map(|f| f.value).collect::<Vec<_>>(),
            ["NotTerminating"]
        );
        let req = quota.scope_selector().next().unwrap();
        assert_eq!(req.scope_name().unwrap().value, "PriorityClass");
        assert_eq!(req.operator().unwrap().value, "In");
        assert_eq!(req.values().map(|f| f.value).collect::<Vec<_>>(), ["high"]);
        assert_eq!(
            quota.status_hard().next().unwrap().quantity.value,
            Quantity::parse("10")
        );
        let used = quota.used().next().unwrap();
        assert_eq!(used.quantity.value, Quantity::parse("9.5"));
        assert_eq!(s.at(used.name.node), (17, 10));
    }

    #[test]
    fn limit_range_items() {
        let s = yaml(
            "\
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 100m}
    min: {cpu: 10m}
    max: {cpu: '2'}
    maxLimitRequestRatio: {cpu: 4}
  - type: PersistentVolumeClaim
    max: [storage]
    min: {storage: 1Gi}
  - Pod
",
        );
        let items: Vec<_> = LimitRange::of(s.obj(0)).unwrap().limits().collect();
        assert_eq!(items.len(), 2);
        let c = items[0];
        assert_eq!(c.type_().unwrap().value, "Container");
        let default: Vec<_> = c.default().collect();
        assert_eq!(default[1].name.value, "memory");
        assert_eq!(default[1].quantity.value, Quantity::parse("512Mi"));
        assert_eq!(s.at(default[1].quantity.node), (7, 34));
        assert_eq!(
            c.default_request().next().unwrap().quantity.value,
            Quantity::parse("100m")
        );
        assert_eq!(
            c.min().next().unwrap().quantity.value,
            Quantity::parse("10m")
        );
        assert_eq!(c.max().next().unwrap().quantity.value, Quantity::parse("2"));
        assert_eq!(
            c.max_limit_request_ratio().next().unwrap().quantity.value,
            Quantity::parse("4")
        );
        assert_eq!(items[1].type_().unwrap().value, "PersistentVolumeClaim");
        assert_eq!(items[1].max().count(), 0);
        assert_eq!(items[1].default().count(), 0);
        assert_eq!(items[1].min().next().unwrap().name.value, "storage");
    }
}
