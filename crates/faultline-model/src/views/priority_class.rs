//! PriorityClass.

use super::{fields, view};

view!(
    /// A `PriorityClass` (`scheduling.k8s.io`); its fields sit at the top level.
    PriorityClass
);

impl<'a> PriorityClass<'a> {
    fields! { (.object.node)
        /// The priority pods of this class get (an `int32`; above 1 000 000 000 is reserved).
        value: int = "value",
        /// Whether pods without a class get this one.
        global_default: bool = "globalDefault",
        /// `PreemptLowerPriority` (the default) or `Never`.
        preemption_policy: str = "preemptionPolicy",
        description: str = "description",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;

    #[test]
    fn priority_class_fields() {
        let s = yaml(
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000000\nglobalDefault: false\npreemptionPolicy: Never\ndescription: batch\n",
        );
        let pc = PriorityClass::of(s.obj(0)).unwrap();
        let value = pc.value().unwrap();
        assert_eq!(value.value, 1_000_000);
        assert_eq!(s.at(value.node), (4, 8));
        assert!(!pc.global_default().unwrap().value);
        assert_eq!(pc.preemption_policy().unwrap().value, "Never");
        assert_eq!(pc.description().unwrap().value, "batch");
    }

    #[test]
    fn wrong_types_read_as_absent() {
        let s = yaml(
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: x}\nvalue: '100'\nglobalDefault: [true]\npreemptionPolicy: 1\n",
        );
        let pc = PriorityClass::of(s.obj(0)).unwrap();
        assert!(pc.value().is_none());
        assert!(pc.global_default().is_none());
        assert!(pc.preemption_policy().is_none());
        assert!(pc.description().is_none());
    }
}
