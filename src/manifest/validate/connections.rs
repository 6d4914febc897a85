//! Connections (HubSpot, QuickBooks companies, sandbox), state store, safety
//! guards and property declarations.

use super::{Ctx, is_property_name, quoted, url_problem};
use crate::manifest::types::StateBackend;
use crate::model::ValueType;
use crate::model::catalog;
use rust_decimal::Decimal;
use std::collections::HashSet;

pub(super) fn check(cx: &mut Ctx<'_, '_, '_>) {
    if cx.m.is_sandbox() {
        sandbox(cx);
    } else {
        hubspot(cx);
        quickbooks(cx);
    }
    rate_limits(cx);
    companies(cx);
    state(cx);
    safety(cx);
    properties(cx);
}

/// With `sandbox`, the emulator provides both connections: credentials and URLs
/// would be ignored, so they are errors.
fn sandbox(cx: &mut Ctx<'_, '_, '_>) {
    let m = cx.m;
    if let Some(sb) = &m.sandbox {
        for (key, value) in [("data_dir", &sb.data_dir), ("seed", &sb.seed)] {
            if let Some(v) = value
                && cx.resolved(v)
                && v.value.trim().is_empty()
            {
                cx.error(
                    cx.at(&format!("sandbox.{key}")),
                    format!("`sandbox.{key}` is empty"),
                    "give a directory (relative to the manifest's directory) or remove the key",
                );
            }
        }
    }
    let hint = "`sandbox` serves both connections from the built-in emulator; remove this setting (or remove `sandbox` to use real accounts)";
    if let Some(hs) = &m.hubspot {
        for (key, set) in [
            ("token", hs.token.is_some()),
            ("oauth", hs.oauth.is_some()),
            ("base_url", hs.base_url.is_some()),
        ] {
            if set {
                cx.error(
                    cx.at_key(&format!("hubspot.{key}")),
                    format!("`hubspot.{key}` cannot be used together with `sandbox`"),
                    hint,
                );
            }
        }
    }
    for (name, q) in &m.quickbooks {
        for (key, set) in [
            ("access_token", q.access_token.is_some()),
            ("client_id", q.client_id.is_some()),
            ("client_secret", q.client_secret.is_some()),
            ("refresh_token", q.refresh_token.is_some()),
            ("base_url", q.base_url.is_some()),
            ("token_url", q.token_url.is_some()),
        ] {
            if set {
                cx.error(
                    cx.at_key(&format!("quickbooks.{name}.{key}")),
                    format!("`quickbooks.{name}.{key}` cannot be used together with `sandbox`"),
                    hint,
                );
            }
        }
        if let Some(r) = &q.realm_id {
            realm_id(cx, name, r);
        }
    }
}

fn hubspot(cx: &mut Ctx<'_, '_, '_>) {
    let Some(hs) = &cx.m.hubspot else {
        cx.error(
            None,
            "no `hubspot` connection",
            "add `hubspot: {token: ${HUBSPOT_TOKEN}}` (a private-app token), or `sandbox: {}` to try hsqb without accounts",
        );
        return;
    };
    match (&hs.token, &hs.oauth) {
        (Some(_), Some(_)) => cx.error(
            cx.at_key("hubspot.oauth"),
            "`hubspot` has both `token` and `oauth`",
            "use one: a private-app `token`, or `oauth` app credentials",
        ),
        (None, None) => cx.error(
            cx.at_key("hubspot"),
            "`hubspot` has no credentials",
            "add `token: ${HUBSPOT_TOKEN}` (a private-app token) or `oauth: {client_id, client_secret, refresh_token}`",
        ),
        _ => {}
    }
    if let Some(u) = &hs.base_url {
        check_url(cx, "hubspot.base_url", u, "e.g. `https://api.hubapi.com`");
    }
    if let Some(o) = &hs.oauth {
        if let Some(u) = &o.token_url {
            check_url(
                cx,
                "hubspot.oauth.token_url",
                u,
                "e.g. `https://api.hubapi.com/oauth/v1/token`",
            );
        }
        if cx.resolved(&o.client_id) && o.client_id.value.trim().is_empty() {
            cx.error(
                cx.at_str(&o.client_id),
                "`hubspot.oauth.client_id` is empty",
                "give the app's client id",
            );
        }
    }
}

fn quickbooks(cx: &mut Ctx<'_, '_, '_>) {
    let m = cx.m;
    if m.quickbooks.is_empty() {
        cx.error(
            None,
            "no QuickBooks company under `quickbooks`",
            "add one, e.g. `quickbooks: {main: {realm_id: ${QBO_REALM_ID}, client_id: ${QBO_CLIENT_ID}, client_secret: ${QBO_CLIENT_SECRET}, refresh_token: ${QBO_REFRESH_TOKEN}}}`, or use `sandbox: {}`",
        );
        return;
    }
    for (name, q) in &m.quickbooks {
        let base = format!("quickbooks.{name}");
        match &q.realm_id {
            None => cx.error(
                cx.at_key(&base),
                format!("`{base}` has no `realm_id`"),
                "add `realm_id:` (the company id shown in QuickBooks under Settings → Account and settings → Billing & subscription)",
            ),
            Some(r) => realm_id(cx, name, r),
        }
        let oauth = [
            ("client_id", q.client_id.is_some()),
            ("client_secret", q.client_secret.is_some()),
            ("refresh_token", q.refresh_token.is_some()),
        ];
        let given: Vec<&str> = oauth.iter().filter(|(_, s)| *s).map(|(k, _)| *k).collect();
        let missing: Vec<&str> = oauth.iter().filter(|(_, s)| !*s).map(|(k, _)| *k).collect();
        if !given.is_empty() && !missing.is_empty() {
            cx.error(
                cx.at_key(&format!("{base}.{}", given[0])),
                format!(
                    "`{base}` has incomplete OAuth credentials: {} missing",
                    quoted(&missing)
                ),
                "OAuth needs `client_id`, `client_secret` and `refresh_token` together",
            );
        } else if given.is_empty() && q.access_token.is_none() {
            cx.error(
                cx.at_key(&base),
                format!("`{base}` has no credentials"),
                "add `client_id`, `client_secret: ${QBO_CLIENT_SECRET}` and `refresh_token: ${QBO_REFRESH_TOKEN}` (or a static `access_token: ${QBO_ACCESS_TOKEN}`)",
            );
        }
        if let Some(id) = &q.client_id
            && cx.resolved(id)
            && id.value.trim().is_empty()
        {
            cx.error(
                cx.at_str(id),
                format!("`{base}.client_id` is empty"),
                "give the app's client id",
            );
        }
        if let Some(u) = &q.base_url {
            check_url(
                cx,
                &format!("{base}.base_url"),
                u,
                "e.g. `https://quickbooks.api.intuit.com`",
            );
        }
        if let Some(u) = &q.token_url {
            check_url(
                cx,
                &format!("{base}.token_url"),
                u,
                "e.g. `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`",
            );
        }
    }
}

/// Rate limits and the property group apply with and without `sandbox`.
fn rate_limits(cx: &mut Ctx<'_, '_, '_>) {
    let m = cx.m;
    if let Some(hs) = &m.hubspot {
        for (key, v) in [
            ("per_10_seconds", hs.rate_limit.per_10_seconds),
            ("search_per_second", hs.rate_limit.search_per_second),
        ] {
            if v == Some(0) {
                cx.error(
                    cx.at(&format!("hubspot.rate_limit.{key}")),
                    format!("`hubspot.rate_limit.{key}` must be at least 1"),
                    "remove it to use the default",
                );
            }
        }
        if let Some(g) = &hs.property_group
            && cx.resolved(g)
            && !is_property_name(&g.value)
        {
            cx.error(
                cx.at_str(g),
                format!("`{}` is not a valid HubSpot property group name", g.value),
                "use lower-case letters, digits and underscores, starting with a letter",
            );
        }
    }
    for (name, q) in &m.quickbooks {
        for (key, v) in [
            ("per_minute", q.rate_limit.per_minute),
            ("batch_per_minute", q.rate_limit.batch_per_minute),
            ("concurrency", q.rate_limit.concurrency),
        ] {
            if v == Some(0) {
                cx.error(
                    cx.at(&format!("quickbooks.{name}.rate_limit.{key}")),
                    format!("`quickbooks.{name}.rate_limit.{key}` must be at least 1"),
                    "remove it to use the default",
                );
            }
        }
    }
}

fn realm_id(cx: &mut Ctx<'_, '_, '_>, company: &str, r: &crate::manifest::Str) {
    let v = r.value.trim();
    if cx.resolved(r) && (v.is_empty() || !v.chars().all(|c| c.is_ascii_digit())) {
        cx.error(
            cx.at_str(r),
            format!("`quickbooks.{company}.realm_id` must be digits, found `{v}`"),
            "the realm id (company id) is a number such as `9130354966548476`",
        );
    }
}

fn check_url(cx: &mut Ctx<'_, '_, '_>, path: &str, u: &crate::manifest::Str, example: &str) {
    if !cx.resolved(u) {
        return;
    }
    if let Some(problem) = url_problem(u.value.trim()) {
        cx.error(cx.at_str(u), format!("`{path}`: {problem}"), example);
    }
}

/// Company names must be usable as references.
fn companies(cx: &mut Ctx<'_, '_, '_>) {
    for name in cx.m.quickbooks.keys() {
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            cx.error(
                cx.at_key(&format!("quickbooks.{name}")),
                format!("`{name}` is not a valid company name"),
                "use letters, digits, `_` and `-` (e.g. `main`, `uk-ltd`); sync blocks refer to companies by this name",
            );
        }
    }
}

fn state(cx: &mut Ctx<'_, '_, '_>) {
    let st = &cx.m.state;
    match st.backend {
        StateBackend::Postgres => {
            match &st.url {
                None => cx.error(
                    cx.at("state.backend"),
                    "`state.backend: postgres` needs `state.url`",
                    "add `url: ${DATABASE_URL}` (a postgres:// connection URL from the environment)",
                ),
                Some(u) => {
                    let ok_scheme = ["postgres://", "postgresql://"]
                        .iter()
                        .any(|p| u.expose().trim().starts_with(p));
                    let resolved = u.loc.is_none_or(|l| !cx.unresolved.contains(&l));
                    if resolved && !ok_scheme {
                        let var = u.var.as_deref().unwrap_or("the variable");
                        cx.error(
                            cx.at("state.url"),
                            format!("`state.url` (from `{var}`) is not a postgres:// URL"),
                            "set it to e.g. `postgres://user:password@host:5432/hsqb`",
                        );
                    }
                }
            }
            if st.path.is_some() {
                cx.warn(
                    cx.at_key("state.path"),
                    "`state.path` is ignored by the postgres backend",
                    "remove it, or use `backend: local`",
                );
            }
        }
        StateBackend::Local => {
            if st.url.is_some() {
                cx.error(
                    cx.at_key("state.url"),
                    "`state.url` is only used by `backend: postgres`",
                    "add `backend: postgres`, or remove `url` to keep state in a local file",
                );
            }
            if let Some(p) = &st.path
                && cx.resolved(p)
                && p.value.trim().is_empty()
            {
                cx.error(
                    cx.at_str(p),
                    "`state.path` is empty",
                    "give a file path or remove the key",
                );
            }
        }
    }
    if let Some(k) = &st.key
        && cx.resolved(k)
        && k.value.trim().is_empty()
    {
        cx.error(
            cx.at_str(k),
            "`state.key` is empty",
            "give a name or remove the key",
        );
    }
}

fn safety(cx: &mut Ctx<'_, '_, '_>) {
    if let Some(p) = cx.m.safety.max_delete_percent
        && (p < Decimal::ZERO || p > Decimal::from(100))
    {
        cx.error(
            cx.at("safety.max_delete_percent"),
            format!("`safety.max_delete_percent` must be between 0 and 100, found {p}"),
            "it is a percentage of the records on the affected side",
        );
    }
}

fn properties(cx: &mut Ctx<'_, '_, '_>) {
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (i, p) in cx.m.properties.iter().enumerate() {
        let base = format!("properties[{i}]");
        let object = p.object.api_name();
        let name = p.name.value.as_str();
        if !cx.resolved(&p.name) {
            continue;
        }
        if !is_property_name(name) {
            cx.error(
                cx.at_str(&p.name),
                format!("`{name}` is not a valid HubSpot property name"),
                "use lower-case letters, digits and underscores, starting with a letter (e.g. `sales_region`)",
            );
        } else if name.starts_with("hs_") {
            cx.error(
                cx.at_str(&p.name),
                format!("`{name}`: names starting with `hs_` are reserved by HubSpot"),
                "choose another name",
            );
        } else if name.len() > 100 {
            cx.error(
                cx.at_str(&p.name),
                format!("`{name}` is longer than 100 characters"),
                "choose a shorter name",
            );
        }
        if catalog::hubspot_property(object, name).is_some() {
            cx.error(
                cx.at_str(&p.name),
                format!("`{name}` is a HubSpot built-in {object} property; it cannot be declared"),
                "remove this declaration; built-in properties already exist",
            );
        }
        if !seen.insert((object.to_string(), name.to_string())) {
            cx.error(
                cx.at_str(&p.name),
                format!("property `{name}` on {object} is declared twice"),
                "remove one of the declarations",
            );
        }
        match p.value_type {
            ValueType::Enumeration => {
                if p.options.is_empty() {
                    cx.error(
                        cx.at_key(&format!("{base}.type")),
                        format!("enumeration property `{name}` has no `options`"),
                        "list its values, e.g. `options: [gold, silver, bronze]`",
                    );
                }
                let mut opts = HashSet::new();
                for o in &p.options {
                    if o.value.trim().is_empty() {
                        cx.error(
                            cx.at_str(o),
                            format!("empty option in `{name}`"),
                            "remove it",
                        );
                    } else if !opts.insert(o.value.as_str()) {
                        cx.error(
                            cx.at_str(o),
                            format!("option `{}` is listed twice in `{name}`", o.value),
                            "remove one",
                        );
                    }
                }
            }
            other => {
                if !p.options.is_empty() {
                    cx.error(
                        cx.at_key(&format!("{base}.options")),
                        format!("`options` given for `{name}`, which is of type {other}"),
                        "options are only for `type: enumeration`; remove them or change the type",
                    );
                }
            }
        }
        if p.unique == Some(true) && !matches!(p.value_type, ValueType::Text | ValueType::Number) {
            cx.error(
                cx.at(&format!("{base}.unique")),
                format!(
                    "`{name}` cannot have unique values: it is of type {}",
                    p.value_type
                ),
                "HubSpot enforces unique values only for text and number properties",
            );
        }
        if let Some(l) = &p.label
            && cx.resolved(l)
            && l.value.trim().is_empty()
        {
            cx.error(
                cx.at_str(l),
                format!("empty label for `{name}`"),
                "give a label or remove the key",
            );
        }
    }
}
