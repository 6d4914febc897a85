//! Property tests over random plans with arbitrary (hostile) strings: the
//! renderers' invariants hold for any input, not just the samples.

#[path = "common/render_samples.rs"]
mod render_samples;

use hsqb::model::{ObjectKind, System, Value};
use hsqb::plan::*;
use hsqb::render::{self, MARKDOWN_MAX_BYTES, TextOptions};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<String>().prop_map(Value::Text),
        "[a-z \n|`<]{0,200}".prop_map(Value::Text),
        (any::<i64>(), 0u32..10).prop_map(|(m, s)| Value::Money(Decimal::new(m, s))),
        (any::<i64>(), 0u32..10).prop_map(|(m, s)| Value::Number(Decimal::new(m, s))),
        any::<bool>().prop_map(Value::Bool),
        (1i32..9999, 1u32..13, 1u32..29).prop_map(|(y, m, d)| {
            Value::Date(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap())
        }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Ensure),
        Just(Action::Link),
        Just(Action::Create),
        Just(Action::Update),
        Just(Action::Associate),
        Just(Action::Archive),
        Just(Action::Delete),
    ]
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        Just(Block::Properties),
        Just(Block::Contacts),
        Just(Block::Products),
        Just(Block::DealInvoices),
        Just(Block::Invoices),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    (
        block(),
        action(),
        any::<String>(),
        proptest::option::of(any::<String>()),
        any::<String>(),
        proptest::collection::vec(
            (
                any::<String>(),
                value(),
                value(),
                proptest::option::of(any::<String>()),
            ),
            0..6,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(block, action, label, match_key, reason, fields, hubspot)| {
                let mut c = render_samples::customer_create("1", "Jane Doe", "jane@example.com");
                c.block = block;
                c.action = action;
                c.label = label;
                c.match_key = match_key;
                c.reason = reason;
                if hubspot {
                    c.system = System::Hubspot;
                    c.object = ObjectKind::Contact;
                    c.company = None;
                }
                c.fields = fields
                    .into_iter()
                    .map(|(field, before, after, note)| FieldChange {
                        field,
                        before,
                        after,
                        note,
                    })
                    .collect();
                c
            },
        )
}

fn diagnostic() -> impl Strategy<Value = Diagnostic> {
    (
        prop_oneof![
            Just(Severity::Info),
            Just(Severity::Warning),
            Just(Severity::Error)
        ],
        block(),
        proptest::option::of(any::<String>()),
        any::<String>(),
        proptest::option::of(any::<String>()),
        any::<bool>(),
    )
        .prop_map(
            |(severity, block, label, message, hint, blocking)| Diagnostic {
                severity,
                code: "code".into(),
                block,
                record: None,
                label,
                message,
                hint,
                blocking,
            },
        )
}

fn plan() -> impl Strategy<Value = Plan> {
    (
        proptest::collection::vec(change(), 0..12),
        proptest::collection::vec(diagnostic(), 0..6),
        any::<String>(),
        any::<f64>(),
    )
        .prop_map(|(changes, diagnostics, bound_by, seconds)| {
            let mut p = render_samples::base();
            p.changes = changes;
            p.diagnostics = diagnostics;
            p.estimate = render_samples::estimate(&[("x", 3)], seconds, &bound_by);
            render_samples::finish(p)
        })
}

fn assert_no_raw_controls(s: &str) -> Result<(), TestCaseError> {
    for c in s.chars() {
        prop_assert!(c == '\n' || !c.is_control(), "control U+{:04X}", c as u32);
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        prop_assert!(!bidi, "bidi control U+{:04X}", c as u32);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn text_invariants(plan in plan(), color in any::<bool>(), summary_only in any::<bool>(), width in proptest::option::of(0usize..200)) {
        let opts = TextOptions { color, width, summary_only };
        let out = render::text(&plan, &opts);
        prop_assert_eq!(out.clone(), render::text(&plan, &opts));
        let last = out.trim_end_matches('\n').rsplit('\n').next().unwrap_or_default();
        prop_assert_eq!(last, render::summary_line(&plan.summary));
        if !color {
            assert_no_raw_controls(&out)?;
        }
    }

    #[test]
    fn markdown_invariants(plan in plan()) {
        let md = render::markdown(&plan);
        prop_assert!(md.len() <= MARKDOWN_MAX_BYTES);
        prop_assert_eq!(md.clone(), render::markdown(&plan));
        let summary = format!("**{}**", render::summary_line(&plan.summary));
        prop_assert!(md.contains(&summary));
        assert_no_raw_controls(&md)?;
    }

    #[test]
    fn json_round_trips(plan in plan()) {
        let reread: Plan = serde_json::from_str(&render::json(&plan)).unwrap();
        // NaN does not survive JSON (it becomes null); compare the rest.
        if plan.estimate.seconds.is_finite() {
            prop_assert_eq!(&reread, &plan);
        }
        let compact: Plan = serde_json::from_str(&render::json_compact(&plan)).unwrap();
        prop_assert_eq!(render::json(&compact), render::json(&reread));
    }
}
