//! Behaviour of the text renderer that snapshots alone would not pin down:
//! the exact last line, colour only on request, user data that cannot inject
//! terminal escapes, thresholds and robustness against odd plans.

#[path = "common/render_samples.rs"]
mod render_samples;

use hsqb::model::Value;
use hsqb::plan::{Action, Plan, Severity};
use hsqb::render::{self, TextOptions};
use render_samples::*;

const COLOR: TextOptions = TextOptions {
    color: true,
    width: None,
    summary_only: false,
};
const SUMMARY: TextOptions = TextOptions {
    color: false,
    width: None,
    summary_only: true,
};

fn all_options() -> [TextOptions; 4] {
    [
        TextOptions::default(),
        COLOR,
        SUMMARY,
        TextOptions {
            color: true,
            ..SUMMARY
        },
    ]
}

fn last_line(s: &str) -> &str {
    s.trim_end_matches('\n').rsplit('\n').next().unwrap()
}

#[test]
fn last_line_is_exactly_the_summary_line() {
    for (name, plan) in all() {
        for opts in all_options() {
            let out = render::text(&plan, &opts);
            assert!(out.ends_with('\n'), "{name}");
            assert_eq!(
                last_line(&out),
                render::summary_line(&plan.summary),
                "{name} {opts:?}"
            );
        }
    }
    assert_eq!(
        last_line(&render::text(&creates(), &TextOptions::default())),
        "Plan: 3 to create, 0 to update, 0 to delete, 0 to link."
    );
    assert_eq!(
        last_line(&render::text(&properties_and_associations(), &COLOR)),
        "Plan: 1 to create, 0 to update, 0 to delete, 0 to link, \
         2 properties to ensure, 1 association."
    );
}

#[test]
fn empty_plans_say_no_changes_but_still_show_diagnostics() {
    let out = render::text(&empty(), &TextOptions::default());
    assert_eq!(last_line(&out), "No changes.");
    assert!(!out.contains("Apply will make"), "{out}");

    let out = render::text(&empty_with_diagnostics(), &TextOptions::default());
    assert_eq!(last_line(&out), "No changes.");
    assert!(out.contains("  warning: contacts: \"Pat Smith\" (hubspot contact 1042): "));
    assert!(out.contains("      hint: add an email in HubSpot"));
    assert!(out.contains("  info: contacts: read records changed since"));
}

#[test]
fn colour_only_when_asked_and_symbols_are_coloured() {
    for (name, plan) in all() {
        for opts in [TextOptions::default(), SUMMARY] {
            assert!(!render::text(&plan, &opts).contains('\x1b'), "{name}");
        }
    }
    let out = render::text(&links_and_removals(), &COLOR);
    assert!(
        out.contains("  \x1b[36m<=\x1b[0m link hubspot contact"),
        "{out}"
    );
    assert!(
        out.contains("  \x1b[31m-\x1b[0m archive hubspot contact"),
        "{out}"
    );
    let out = render::text(&updates(), &COLOR);
    assert!(out.contains("  \x1b[33m~\x1b[0m update quickbooks customer"));
    // Field notes are dimmed.
    assert!(out.contains("\x1b[2m  # QuickBooks owns this field\x1b[0m"));
    let out = render::text(&creates(), &COLOR);
    assert!(out.contains("  \x1b[32m+\x1b[0m create quickbooks item"));
}

/// Our own styling codes; anything else starting with ESC would be injected.
const OUR_CODES: [&str; 8] = [
    "\x1b[0m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[31m",
    "\x1b[32m",
    "\x1b[33m",
    "\x1b[36m",
    "\x1b[1;31m",
];

#[test]
fn user_data_cannot_inject_control_or_bidi_characters() {
    let plan = hostile_text();
    for opts in all_options() {
        let mut out = render::text(&plan, &opts);
        for code in OUR_CODES {
            out = out.replace(code, "");
        }
        for c in out.chars() {
            assert!(
                c == '\n' || !c.is_control(),
                "raw control character U+{:04X} in output",
                c as u32
            );
            assert!(
                !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'),
                "raw bidi control U+{:04X}",
                c as u32
            );
        }
    }
    let out = render::text(&plan, &TextOptions::default());
    assert!(out.contains(r#""\u{1b}[2J\u{1b}[31mEvil\u{1b}[0m\u{7} <esc@example.com>""#));
    assert!(out.contains(r#""invoice\u{202e}fdp.exe""#));
    // Unicode that is not a control stays as written.
    for kept in [
        "שרה כהן",
        "شركة النور",
        "🍕 Pizza Co 👩‍👩‍👧",
        "Zoe\u{308} Ac\u{327}ai",
    ] {
        assert!(out.contains(kept), "{kept}");
    }
    assert!(out.contains(r#"(none) → "Bob \"The Builder\" O'Neil""#));
}

#[test]
fn changes_are_grouped_by_block_in_plan_order() {
    let out = render::text(&links_and_removals(), &TextOptions::default());
    let pos = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos("\ncontacts: 2 to delete, 1 to link\n") < pos("\nproducts: 1 to link\n"));
    assert!(pos("\nproducts: 1 to link\n") < pos("\ninvoices: 1 to delete\n"));
    assert!(pos("\ninvoices: 1 to delete\n") < pos("\ndeal_invoices: 1 to delete\n"));
    assert!(pos("<= link hubspot contact") < pos("- archive hubspot contact"));
    assert!(pos("- archive hubspot contact") < pos("- deactivate quickbooks customer"));
    // Removals say what exactly happens to the record.
    assert!(out.contains(
        "  - void quickbooks invoice \"Invoice 1040 for deal \\\"Big Deal\\\"\" (id 130)"
    ));
}

#[test]
fn field_lines_show_exact_values_and_absence() {
    let out = render::text(&updates(), &TextOptions::default());
    for line in [
        "      CompanyName: \"Doe Consulting\" → \"Doe & Partners\"  # changed in HubSpot since the last sync",
        "      PrimaryPhone.FreeFormNumber: (none) → \"+1 555 0100\"",
        "      Fax.FreeFormNumber: \"+1 555 0199\" → (none)  # removed in HubSpot; hubspot_wins",
        "      Taxable: true → false",
        "      Balance: 12.50 → 12.75",
        "      CreditLimit: 20.00 → 19.999",
        "      DiscountPercent: 12.5 (number) → 12.50 (number)",
        "      OpenBalanceDate: 2025-12-31 → 2026-01-15",
        "      CustomerTypeRef.value: \"retail\" → \"wholesale\"",
        "      # two-way: HubSpot changed since the last sync; match: email=jane@example.com; from hubspot contact 1001",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing line {line:?} in\n{out}"
        );
    }
}

#[test]
fn preconditions_and_payloads_are_not_shown() {
    let plan = updates();
    let out = render::text(&plan, &TextOptions::default());
    // The HubSpot updatedAt precondition and the QBO SyncToken value.
    assert!(!out.contains("2026-02-28T16:20:00Z"), "{out}");
    assert!(!out.to_lowercase().contains("synctoken"), "{out}");
    assert!(!out.contains("sparse"), "{out}");
}

/// A one-field plan to probe the line-diff threshold.
fn one_field(before: Value, after: Value) -> Plan {
    let mut plan = updates();
    plan.changes.truncate(1);
    plan.changes[0].fields = vec![field("Notes", before, after)];
    finish(plan)
}

#[test]
fn long_or_multiline_text_becomes_a_line_diff() {
    let at = |n: usize| text(&"x".repeat(n));
    let out = render::text(&one_field(at(80), at(79)), &TextOptions::default());
    assert!(
        out.contains("      Notes: \"xxxx"),
        "80 chars stay inline:\n{out}"
    );
    let out = render::text(&one_field(at(81), at(79)), &TextOptions::default());
    assert!(
        out.contains("      Notes:\n        @@ -1 +1 @@\n        -xxx"),
        "{out}"
    );
    let out = render::text(
        &one_field(Value::Null, text("a\nb")),
        &TextOptions::default(),
    );
    assert!(
        out.contains("      Notes:\n        @@ -0,0 +1,2 @@\n        +a\n        +b\n"),
        "{out}"
    );
    // The width option moves the threshold.
    let narrow = TextOptions {
        width: Some(10),
        ..TextOptions::default()
    };
    let out = render::text(&one_field(at(11), at(3)), &narrow);
    assert!(out.contains("      Notes:\n        @@"), "{out}");
    // Non-text values never become diffs, however long.
    let out = render::text(&one_field(money("1"), money(&"9".repeat(25))), &narrow);
    assert!(
        out.contains("      Notes: 1.00 → 9999999999999999999999999.00"),
        "{out}"
    );
}

#[test]
fn diagnostics_are_grouped_by_severity_with_blocking_first() {
    let out = render::text(&diagnostics(), &TextOptions::default());
    let start = out.find("Diagnostics:\n").unwrap();
    let lines: Vec<&str> = out[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with("      hint:"))
        .collect();
    let prefixes: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_start().split(": ").next().unwrap())
        .collect();
    assert_eq!(
        prefixes,
        [
            "error (blocking)",
            "error",
            "warning",
            "warning",
            "info",
            "info"
        ]
    );
    assert!(out.contains("\nThis plan cannot be applied: 1 blocking error.\n"));
    assert!(out.contains(
        "  error: contacts: \"Acme Supplies\" (hubspot contact 1043): QuickBooks vendor 12"
    ));
    assert!(out.contains("[display_name_collision]\n      hint: rename one of them"));
}

#[test]
fn estimate_line() {
    let out = render::text(&creates(), &TextOptions::default());
    assert!(out.contains(
        "\nApply will make 3 API calls (~3s under the rate limits, bound by quickbooks batch per minute).\nPlan: "
    ));
    let mut plan = creates();
    plan.estimate = estimate(
        &[("quickbooks POST /v3/company/{realm}/batch", 1)],
        125.0,
        "",
    );
    let out = render::text(&plan, &TextOptions::default());
    assert!(out.contains("\nApply will make 1 API call (~2m 5s under the rate limits).\n"));
}

#[test]
fn summary_only_prints_counts_per_block_and_the_last_line() {
    let out = render::text(&links_and_removals(), &SUMMARY);
    assert_eq!(
        out,
        "contacts: 2 to delete, 1 to link\n\
         products: 1 to link\n\
         invoices: 1 to delete\n\
         deal_invoices: 1 to delete\n\
         Plan: 0 to create, 0 to update, 4 to delete, 2 to link.\n"
    );
    let out = render::text(&diagnostics(), &SUMMARY);
    assert_eq!(
        out,
        "contacts: 1 to create\n\
         Diagnostics: 2 errors, 2 warnings, 2 info (1 blocking).\n\
         Plan: 1 to create, 0 to update, 0 to delete, 0 to link.\n"
    );
    assert_eq!(render::text(&empty(), &SUMMARY), "No changes.\n");
}

#[test]
fn company_names_appear_only_with_several_companies() {
    let out = render::text(&two_companies(), &TextOptions::default());
    assert!(out.contains("  + create quickbooks[canada] customer \"Maple Ltd"));
    assert!(out.contains("  + create quickbooks[main] customer \"Eagle Inc"));
    assert!(out.contains("with quickbooks[canada] customer 61"));
    let out = render::text(&creates(), &TextOptions::default());
    assert!(!out.contains("quickbooks[main]"));
}

#[test]
fn odd_plans_render_without_panicking() {
    // What a hand-edited or inconsistent plan file could contain.
    let mut plan = updates();
    plan.estimate.seconds = f64::NAN;
    plan.estimate.bound_by = "\u{1b}[31m".into();
    plan.changes[0].label = String::new();
    plan.changes[0].reason = "   ".into();
    plan.changes[0].match_key = Some(String::new());
    plan.changes[0].fields[0].note = Some(" ".into());
    plan.changes[1].action = Action::Delete; // payload still an update
    plan.diagnostics.push(hsqb::plan::Diagnostic {
        severity: Severity::Info,
        code: String::new(),
        block: hsqb::plan::Block::Products,
        record: None,
        label: Some(String::new()),
        message: String::new(),
        hint: Some(String::new()),
        blocking: true,
    });
    for opts in all_options() {
        let out = render::text(&plan, &opts);
        assert_eq!(last_line(&out), render::summary_line(&plan.summary));
    }
    let out = render::text(&plan, &TextOptions::default());
    assert!(
        out.contains("(~0s under the rate limits, bound by \\u{1b}[31m)"),
        "{out}"
    );
    assert!(
        out.contains(
            "  ~ update quickbooks customer \"\" (id 58)\n      # from hubspot contact 1001\n"
        ),
        "{out}"
    );
    assert!(out.contains("  info (blocking): products:\n"), "{out}");
    render::markdown(&plan);
}
