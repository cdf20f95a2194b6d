//! ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
//! (`admissionregistration.k8s.io` v1, v1beta1 and v1alpha1, which share these fields), read
//! as written: every expression, selector and rule keeps its node. What they mean (matching,
//! CEL evaluation) is the rules crate's `admission_policy` module.

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::object::Object;

/// A CEL expression as written, with its node (a string scalar).
pub type Expression<'a> = Field<'a, &'a str>;

/// `failurePolicy`: what a runtime error (or a misconfigured binding) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailurePolicy {
    /// The default: the request is refused (under the binding's `validationActions`).
    Fail,
    /// The policy is skipped.
    Ignore,
}

/// A `resourceRules` or `excludeResourceRules` entry (`NamedRuleWithOperations`).
#[derive(Clone, Debug)]
pub struct ResourceRule<'a> {
    pub node: NodeRef<'a>,
    pub api_groups: Vec<&'a str>,
    pub api_versions: Vec<&'a str>,
    pub resources: Vec<&'a str>,
    /// `None` when `operations` is not written (the API server requires it).
    pub operations: Option<Vec<&'a str>>,
    /// `scope`: `Cluster`, `Namespaced` or `*` (the default).
    pub scope: Option<&'a str>,
    /// `resourceNames`: the object names the rule is limited to (empty: any).
    pub resource_names: Vec<&'a str>,
}

/// `matchConstraints` of a policy, `matchResources` of a binding.
#[derive(Clone, Debug)]
pub struct MatchResources<'a> {
    pub node: NodeRef<'a>,
    pub namespace_selector: Option<NodeRef<'a>>,
    pub object_selector: Option<NodeRef<'a>>,
    pub resource_rules: Vec<ResourceRule<'a>>,
    pub exclude_resource_rules: Vec<ResourceRule<'a>>,
    /// `matchPolicy: Exact`; the default is `Equivalent`.
    pub exact: bool,
}

/// A `matchConditions` or `variables` entry: a name and an expression.
#[derive(Clone, Copy, Debug)]
pub struct Named<'a> {
    pub node: NodeRef<'a>,
    pub name: Option<Field<'a, &'a str>>,
    pub expression: Option<Expression<'a>>,
}

/// A `validations` entry.
#[derive(Clone, Copy, Debug)]
pub struct Validation<'a> {
    pub node: NodeRef<'a>,
    pub expression: Option<Expression<'a>>,
    pub message: Option<Field<'a, &'a str>>,
    pub message_expression: Option<Expression<'a>>,
    pub reason: Option<Field<'a, &'a str>>,
}

/// An `auditAnnotations` entry.
#[derive(Clone, Copy, Debug)]
pub struct AuditAnnotation<'a> {
    pub node: NodeRef<'a>,
    pub key: Option<Field<'a, &'a str>>,
    pub value_expression: Option<Expression<'a>>,
}

/// `paramKind`.
#[derive(Clone, Copy, Debug)]
pub struct ParamKind<'a> {
    pub node: NodeRef<'a>,
    pub api_version: Option<Field<'a, &'a str>>,
    pub kind: Option<Field<'a, &'a str>>,
}

/// A `ValidatingAdmissionPolicy`.
#[derive(Clone, Debug)]
pub struct AdmissionPolicy<'a> {
    pub object: Object<'a>,
    pub failure_policy: FailurePolicy,
    pub param_kind: Option<ParamKind<'a>>,
    pub match_constraints: Option<MatchResources<'a>>,
    pub match_conditions: Vec<Named<'a>>,
    pub variables: Vec<Named<'a>>,
    pub validations: Vec<Validation<'a>>,
    pub audit_annotations: Vec<AuditAnnotation<'a>>,
}

/// `paramRef` of a binding.
#[derive(Clone, Copy, Debug)]
pub struct ParamRef<'a> {
    pub node: NodeRef<'a>,
    pub name: Option<Field<'a, &'a str>>,
    pub namespace: Option<Field<'a, &'a str>>,
    pub selector: Option<NodeRef<'a>>,
    /// `parameterNotFoundAction` is `Deny` (the API server's default): a missing param is an
    /// error that the policy's `failurePolicy` decides; `Allow` lets the request through.
    pub not_found_deny: bool,
}

/// A `ValidatingAdmissionPolicyBinding`.
#[derive(Clone, Debug)]
pub struct AdmissionPolicyBinding<'a> {
    pub object: Object<'a>,
    pub policy_name: Option<Field<'a, &'a str>>,
    pub param_ref: Option<ParamRef<'a>>,
    pub match_resources: Option<MatchResources<'a>>,
    /// `validationActions` as written (`Deny`, `Warn`, `Audit`), with their nodes.
    pub validation_actions: Vec<Field<'a, &'a str>>,
    /// The `validationActions` node, when written.
    pub actions_node: Option<NodeRef<'a>>,
}

fn group_is_admission(obj: &Object<'_>) -> bool {
    obj.group_version().0 == "admissionregistration.k8s.io"
}

fn strings<'a>(node: Option<NodeRef<'a>>) -> Vec<&'a str> {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter_map(|n| n.scalar_text())
        .collect()
}

fn maps<'a>(node: Option<NodeRef<'a>>) -> impl Iterator<Item = NodeRef<'a>> + 'a {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter(|n| n.is_map())
}

fn rule(node: NodeRef<'_>) -> ResourceRule<'_> {
    ResourceRule {
        node,
        api_groups: strings(node.get("apiGroups")),
        api_versions: strings(node.get("apiVersions")),
        resources: strings(node.get("resources")),
        operations: node.get("operations").map(|n| strings(Some(n))),
        scope: node.get("scope").and_then(|n| n.as_str()),
        resource_names: strings(node.get("resourceNames")),
    }
}

fn match_resources(node: Option<NodeRef<'_>>) -> Option<MatchResources<'_>> {
    let node = node.filter(|n| n.is_map())?;
    Some(MatchResources {
        node,
        namespace_selector: node.get("namespaceSelector").filter(|n| !n.is_null()),
        object_selector: node.get("objectSelector").filter(|n| !n.is_null()),
        resource_rules: maps(node.get("resourceRules")).map(rule).collect(),
        exclude_resource_rules: maps(node.get("excludeResourceRules")).map(rule).collect(),
        exact: node.get("matchPolicy").and_then(|n| n.as_str()) == Some("Exact"),
    })
}

fn named(node: NodeRef<'_>) -> Named<'_> {
    Named {
        node,
        name: field::str(Some(node), "name"),
        expression: field::str(Some(node), "expression"),
    }
}

impl<'a> AdmissionPolicy<'a> {
    /// The policy `obj` is, when it is a `ValidatingAdmissionPolicy` of
    /// `admissionregistration.k8s.io`.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "ValidatingAdmissionPolicy" || !group_is_admission(obj) {
            return None;
        }
        let spec = obj.spec();
        let get = |key: &str| spec.and_then(|s| s.get(key));
        Some(Self {
            object: *obj,
            failure_policy: match get("failurePolicy").and_then(|n| n.as_str()) {
                Some("Ignore") => FailurePolicy::Ignore,
                _ => FailurePolicy::Fail,
            },
            param_kind: get("paramKind")
                .filter(|n| n.is_map())
                .map(|node| ParamKind {
                    node,
                    api_version: field::str(Some(node), "apiVersion"),
                    kind: field::str(Some(node), "kind"),
                }),
            match_constraints: match_resources(get("matchConstraints")),
            match_conditions: maps(get("matchConditions")).map(named).collect(),
            variables: maps(get("variables")).map(named).collect(),
            validations: maps(get("validations"))
                .map(|node| Validation {
                    node,
                    expression: field::str(Some(node), "expression"),
                    message: field::str(Some(node), "message"),
                    message_expression: field::str(Some(node), "messageExpression"),
                    reason: field::str(Some(node), "reason"),
                })
                .collect(),
            audit_annotations: maps(get("auditAnnotations"))
                .map(|node| AuditAnnotation {
                    node,
                    key: field::str(Some(node), "key"),
                    value_expression: field::str(Some(node), "valueExpression"),
                })
                .collect(),
        })
    }
}

impl<'a> AdmissionPolicyBinding<'a> {
    /// The binding `obj` is, when it is a `ValidatingAdmissionPolicyBinding` of
    /// `admissionregistration.k8s.io`.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "ValidatingAdmissionPolicyBinding" || !group_is_admission(obj) {
            return None;
        }
        let spec = obj.spec();
        let get = |key: &str| spec.and_then(|s| s.get(key));
        let actions_node = get("validationActions").filter(|n| !n.is_null());
        Some(Self {
            object: *obj,
            policy_name: field::str(spec, "policyName"),
            param_ref: get("paramRef").filter(|n| n.is_map()).map(|node| ParamRef {
                node,
                name: field::str(Some(node), "name"),
                namespace: field::str(Some(node), "namespace"),
                selector: node.get("selector").filter(|n| !n.is_null()),
                not_found_deny: node.get("parameterNotFoundAction").and_then(|n| n.as_str())
                    != Some("Allow"),
            }),
            match_resources: match_resources(get("matchResources")),
            validation_actions: actions_node
                .into_iter()
                .flat_map(|n| n.items())
                .filter_map(|node| {
                    Some(Field {
                        value: node.as_str()?,
                        node,
                    })
                })
                .collect(),
            actions_node,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;

    #[test]
    fn reads_a_policy_and_its_binding() {
        let text = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  failurePolicy: Ignore\n  paramKind: {apiVersion: v1, kind: ConfigMap}\n  matchConstraints:\n    matchPolicy: Exact\n    resourceRules:\n    - {apiGroups: [apps], apiVersions: [v1], resources: [deployments]}\n  validations:\n  - {expression: 'object.spec.replicas <= 5', message: too many}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: [Warn, Audit]\n  paramRef: {name: limits, parameterNotFoundAction: Deny}\n";
        let s = yaml(text);
        {
            let p = AdmissionPolicy::of(s.obj(0)).expect("a policy");
            assert_eq!(p.failure_policy, FailurePolicy::Ignore);
            assert_eq!(p.param_kind.unwrap().kind.unwrap().value, "ConfigMap");
            let m = p.match_constraints.unwrap();
            assert!(m.exact);
            assert_eq!(m.resource_rules[0].resources, ["deployments"]);
            assert!(m.resource_rules[0].operations.is_none());
            assert_eq!(
                p.validations[0].expression.unwrap().value,
                "object.spec.replicas <= 5"
            );
            let b = AdmissionPolicyBinding::of(s.obj(1)).expect("a binding");
            assert_eq!(b.policy_name.unwrap().value, "p");
            let actions: Vec<_> = b.validation_actions.iter().map(|f| f.value).collect();
            assert_eq!(actions, ["Warn", "Audit"]);
            let r = b.param_ref.unwrap();
            assert_eq!(r.name.unwrap().value, "limits");
            assert!(r.not_found_deny);
            assert!(AdmissionPolicy::of(s.obj(1)).is_none());
        }
    }
}
