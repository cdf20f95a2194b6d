/// Declares a rule: a unit struct plus its [`RuleMeta`](crate::RuleMeta) in `Self::META`.
///
/// The doc comment is the rule's documentation (sections `## What it does`, `## Why it
/// matters`, `## Example`, with a firing YAML block, then `Use instead:` and a passing one,
/// `## Options`, `## References`). It backs `faultline explain`, `rules/<id>.md` and SARIF help.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            category: $cat:ident,
            severity: $sev:ident,
            summary: $summary:literal,
            params: [$( { name: $pname:literal, default: $pdefault:literal, description: $pdesc:literal } ),* $(,)?] $(,)?
        }
    ) => {
        #[doc = concat!("`", $id, "`: ", $summary)]
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                info: faultline_diagnostics::RuleInfo {
                    id: $id,
                    category: faultline_diagnostics::Category::$cat,
                    default_severity: faultline_diagnostics::Severity::$sev,
                    summary: $summary,
                    doc: concat!($($doc, "\n"),*),
                },
                params: &[$($crate::Param { name: $pname, default: $pdefault, description: $pdesc }),*],
            };
        }
    };
}
