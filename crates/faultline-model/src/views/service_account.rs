//! ServiceAccount.

use super::{ObjectRef, fields, items, maps, view};
use crate::field::{self, Field};

view!(
    /// A `ServiceAccount`.
    ServiceAccount
);

impl<'a> ServiceAccount<'a> {
    /// The names of `imagePullSecrets[]`: Secrets added to every pod that uses the account.
    pub fn image_pull_secrets(self) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        maps(self.object.node.get("imagePullSecrets")).filter_map(|n| field::str(Some(n), "name"))
    }
    /// `secrets[]`: Secrets pods of this account may use (legacy token Secrets, mostly).
    pub fn secrets(self) -> impl Iterator<Item = ObjectRef<'a>> + 'a {
        items(self.object.node.get("secrets"))
    }
    fields! { (.object.node)
        /// `automountServiceAccountToken`; absent means mounted (unless the pod says otherwise).
        automount_token: bool = "automountServiceAccountToken",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;

    #[test]
    fn service_account_fields() {
        let s = yaml(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\nimagePullSecrets:\n- name: regcred\n- {}\nsecrets:\n- name: builder-token\nautomountServiceAccountToken: false\n",
        );
        let sa = ServiceAccount::of(s.obj(0)).unwrap();
        let pulls: Vec<_> = sa.image_pull_secrets().collect();
        assert_eq!(pulls.len(), 1);
        assert_eq!(pulls[0].value, "regcred");
        assert_eq!(s.at(pulls[0].node), (5, 9));
        assert_eq!(
            sa.secrets().next().unwrap().name().unwrap().value,
            "builder-token"
        );
        let automount = sa.automount_token().unwrap();
        assert!(!automount.value);
        assert_eq!(s.at(automount.node), (9, 31));
    }

    #[test]
    fn absent_fields() {
        let s = yaml(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\nautomountServiceAccountToken: 'false'\nsecrets: x\n",
        );
        let sa = ServiceAccount::of(s.obj(0)).unwrap();
        assert_eq!(sa.image_pull_secrets().count(), 0);
        assert_eq!(sa.secrets().count(), 0);
        assert!(sa.automount_token().is_none());
    }
}
