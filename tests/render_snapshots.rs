//! Snapshots of every sample plan in every format: text (plain, coloured,
//! summary-only), Markdown and JSON. Review changes with `cargo insta review`
//! (or `INSTA_UPDATE=always cargo test --test render_snapshots` and `git diff`).

#[path = "common/render_samples.rs"]
mod render_samples;

use hsqb::render::{self, TextOptions};

/// ANSI escapes made readable in snapshot files (`␛[32m+␛[0m`).
fn show_escapes(s: &str) -> String {
    s.replace('\x1b', "␛")
}

#[test]
fn text_plain() {
    for (name, plan) in render_samples::snapshot_samples() {
        let out = render::text(&plan, &TextOptions::default());
        assert!(!out.contains('\x1b'), "{name}: colour without asking");
        insta::assert_snapshot!(format!("text_{name}"), out);
    }
}

#[test]
fn text_color() {
    for (name, plan) in render_samples::snapshot_samples() {
        let opts = TextOptions {
            color: true,
            ..TextOptions::default()
        };
        let out = render::text(&plan, &opts);
        assert!(
            plan.changes.is_empty() || out.contains("\x1b[3"),
            "{name}: no colour"
        );
        insta::assert_snapshot!(format!("text_color_{name}"), show_escapes(&out));
    }
}

#[test]
fn text_summary_only() {
    for (name, plan) in render_samples::all() {
        let opts = TextOptions {
            summary_only: true,
            ..TextOptions::default()
        };
        insta::assert_snapshot!(format!("summary_{name}"), render::text(&plan, &opts));
    }
}

#[test]
fn text_narrow_width_moves_long_values_to_diffs() {
    let plan = render_samples::updates();
    let opts = TextOptions {
        width: Some(12),
        ..TextOptions::default()
    };
    insta::assert_snapshot!("text_width_12_updates", render::text(&plan, &opts));
}

#[test]
fn markdown() {
    for (name, plan) in render_samples::all() {
        insta::assert_snapshot!(format!("markdown_{name}"), render::markdown(&plan));
    }
}

#[test]
fn json() {
    for (name, plan) in render_samples::snapshot_samples() {
        if name == "big" {
            continue; // validated against the schema instead; 3,000 lines of repetition
        }
        insta::assert_snapshot!(format!("json_{name}"), render::json(&plan));
    }
}

#[test]
fn json_compact_is_one_line_with_the_same_content() {
    for (name, plan) in render_samples::snapshot_samples() {
        let compact = render::json_compact(&plan);
        assert!(compact.ends_with('\n'), "{name}");
        assert_eq!(compact.matches('\n').count(), 1, "{name}: one line");
        let a: serde_json::Value = serde_json::from_str(&compact).unwrap();
        let b: serde_json::Value = serde_json::from_str(&render::json(&plan)).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn rendering_is_deterministic() {
    for (name, plan) in render_samples::all() {
        for opts in [
            TextOptions::default(),
            TextOptions {
                color: true,
                width: Some(100),
                summary_only: false,
            },
        ] {
            assert_eq!(
                render::text(&plan, &opts),
                render::text(&plan.clone(), &opts),
                "{name}"
            );
        }
        assert_eq!(
            render::markdown(&plan),
            render::markdown(&plan.clone()),
            "{name}"
        );
        if name == "huge" {
            continue; // JSON of 3,400 changes is slow in debug builds and adds nothing
        }
        assert_eq!(render::json(&plan), render::json(&plan.clone()), "{name}");
        // A plan read back from its JSON renders identically.
        let reread: hsqb::plan::Plan = serde_json::from_str(&render::json(&plan)).unwrap();
        assert_eq!(reread, plan, "{name}: JSON round trip");
        assert_eq!(
            render::text(&reread, &TextOptions::default()),
            render::text(&plan, &TextOptions::default()),
            "{name}"
        );
        assert_eq!(render::markdown(&reread), render::markdown(&plan), "{name}");
    }
}
