/// Declares a rule: a unit struct with its id in `Self::ID` and its
/// [`RuleMeta`](crate::RuleMeta) in `Self::META`, and the [`Declared`](crate::Declared)
/// implementation that gives the engine its meta; the rule itself implements only the hooks
/// of [`Rule`](crate::Rule).
///
/// Each parameter has a name (as in `.faultline.yaml`), a field name, a type from
/// [`crate::params`] (`Integer`, `Duration`, `Bool`, `List`), a default and a description. A rule
/// with parameters also gets a `Params` struct in its module, one typed field per parameter,
/// read once per run: `Self::params(cx).restarts`.
///
/// The doc comment is the rule's documentation (sections `## What it does`, `## Why it
/// matters`, `## Example`, with a firing YAML block, then `Use instead:` and a passing one,
/// `## Options`, `## References`). It backs `faultline explain`, `rules/<id>.md` and SARIF help.
#[macro_export]
macro_rules! declare_rule {
    (@params $name:ident, $id:literal, []) => {};

    (@params $name:ident, $id:literal, [$( {
        $pname:literal, $pfield:ident, $pty:ident, $pdefault:literal, $pdesc:literal
    } )+]) => {
        #[doc = concat!("The parameters of `", $id, "`, read once per run: [`", stringify!($name), "::params`].")]
        #[derive(Clone, Debug)]
        pub struct Params {
            $(
                #[doc = concat!("`", $pname, "` (default `", $pdefault, "`): ", $pdesc)]
                pub $pfield: <$crate::params::$pty as $crate::params::ParamType>::Value,
            )+
        }

        impl $crate::settings::RuleParams for Params {
            const META: &'static $crate::RuleMeta = &$name::META;

            fn read(settings: &$crate::Settings) -> Self {
                Self {
                    $(
                        $pfield: $crate::settings::value::<$crate::params::$pty>(
                            settings, $id, $pname, $pdefault,
                        ),
                    )+
                }
            }
        }

        impl $name {
            /// The rule's parameters in the run of `cx`, parsed on first use.
            pub fn params<'c>(cx: &'c $crate::Context<'_>) -> &'c Params {
                cx.params::<Params>()
            }
        }
    };

    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            category: $cat:ident,
            severity: $sev:ident,
            summary: $summary:literal,
            params: [$( {
                name: $pname:literal,
                field: $pfield:ident,
                type: $pty:ident,
                default: $pdefault:literal,
                description: $pdesc:literal $(,)?
            } ),* $(,)?] $(,)?
        }
    ) => {
        #[doc = concat!("`", $id, "`: ", $summary)]
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            /// The rule's id.
            pub const ID: &str = $id;

            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                info: faultline_diagnostics::RuleInfo {
                    id: $id,
                    category: faultline_diagnostics::Category::$cat,
                    default_severity: faultline_diagnostics::Severity::$sev,
                    summary: $summary,
                    doc: concat!($($doc, "\n"),*),
                },
                params: &[$($crate::Param {
                    name: $pname,
                    kind: <$crate::params::$pty as $crate::params::ParamType>::KIND,
                    default: $pdefault,
                    description: $pdesc,
                }),*],
            };
        }

        impl $crate::Declared for $name {
            fn meta(&self) -> &'static $crate::RuleMeta {
                &Self::META
            }
        }

        $crate::declare_rule!(@params $name, $id, [$( {
            $pname, $pfield, $pty, $pdefault, $pdesc
        } )*]);
    };
}

#[cfg(test)]
mod tests {
    use crate::registry;

    #[test]
    fn every_rule_id_is_its_declared_id_and_names_its_file() {
        assert_eq!(registry::ALL.len(), registry::IDS.len());
        for (rule, (stem, id)) in registry::ALL.iter().zip(registry::IDS) {
            assert_eq!(rule.meta().info.id, *id);
            assert_eq!(id.replace('-', "_"), *stem);
            assert_eq!(registry::find(id).map(|r| r.meta().info.id), Some(*id));
        }
    }

    #[test]
    fn every_parameter_default_is_a_value_of_its_type() {
        for rule in registry::ALL {
            let meta = rule.meta();
            for p in meta.params {
                assert!(
                    p.kind.accepts(p.default),
                    "rule `{}`: the default `{}` of `{}` is not {}",
                    meta.info.id,
                    p.default,
                    p.name,
                    p.kind.expected()
                );
            }
        }
    }
}
