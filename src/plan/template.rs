//! `{{placeholder}}` templates used by display names, transforms, invoice
//! messages and document numbers. Deliberately tiny: placeholders are looked up
//! by name, there is no logic.

/// A rendered template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The text with placeholders replaced (missing ones by "").
    pub text: String,
    /// Placeholders that had no (or an empty) value.
    pub missing: Vec<String>,
}

/// Placeholders used in a template, in order of appearance.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

/// Render `template`, looking placeholders up with `lookup`.
pub fn render(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Rendered {
    let mut text = String::with_capacity(template.len());
    let mut missing = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        text.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            text.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        match lookup(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => text.push_str(v.trim()),
            None => missing.push(name.to_string()),
        }
        rest = &after[end + 2..];
    }
    text.push_str(rest);
    Rendered { text, missing }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_reports_missing() {
        let look = |k: &str| match k {
            "firstname" => Some("Ann".to_string()),
            "lastname" => Some(" ".to_string()),
            _ => None,
        };
        let r = render("{{ firstname }} {{lastname}}!", &look);
        assert_eq!(r.text, "Ann !");
        assert_eq!(r.missing, vec!["lastname"]);
        assert_eq!(placeholders("a {{x}} b {{ y.z }}"), vec!["x", "y.z"]);
        assert_eq!(
            render("open {{ never closed", &look).text,
            "open {{ never closed"
        );
    }
}
