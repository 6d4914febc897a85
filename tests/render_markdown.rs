//! Behaviour of the Markdown renderer: the comment size cap, folding, and
//! user data that must not break the layout (tables, HTML, code fences,
//! mentions).

#[path = "common/render_samples.rs"]
mod render_samples;

use hsqb::plan::{Block, Diagnostic, Plan, Severity};
use hsqb::render::{self, FOLD_THRESHOLD, MARKDOWN_MAX_BYTES};
use render_samples::*;

/// GitHub's limit on a comment body.
const GITHUB_LIMIT: usize = 65_536;

/// The Markdown outside fenced code blocks (where Markdown and HTML apply).
fn outside_fences(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|c| *c == '`').count();
        match fence {
            None if ticks >= 3 => fence = Some(ticks),
            Some(n) if ticks >= n && line.trim_end().chars().all(|c| c == '`') => fence = None,
            Some(_) => {}
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    assert!(fence.is_none(), "unclosed code fence");
    out
}

/// Pipes that GitHub treats as cell separators (not backslash-escaped).
fn unescaped_pipes(line: &str) -> usize {
    let mut n = 0;
    let mut backslashes = 0;
    for c in line.chars() {
        if c == '|' && backslashes % 2 == 0 {
            n += 1;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    n
}

/// Every table keeps its header's column count on every row, and the only
/// raw HTML is our own `<details>`/`<summary>`.
fn assert_layout_intact(name: &str, md: &str) {
    let text = outside_fences(md);
    let mut columns: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with('|') {
            let n = unescaped_pipes(line);
            match columns {
                None => columns = Some(n),
                Some(c) => assert_eq!(c, n, "{name}: table row breaks the layout: {line}"),
            }
        } else {
            columns = None;
        }
    }
    // Our link symbol is in a code span, where `<` is literal.
    let scan = text.replace("`<=`", "");
    let mut rest = scan.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        assert!(
            ["<details>", "</details>", "<summary>", "</summary>"]
                .iter()
                .any(|t| rest.starts_with(t)),
            "{name}: raw HTML from user data: {}",
            rest.chars().take(40).collect::<String>()
        );
        rest = &rest[1..];
    }
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count(),
        "{name}: unbalanced <details>"
    );
    for c in md.chars() {
        assert!(
            c == '\n' || !c.is_control(),
            "{name}: control character U+{:04X}",
            c as u32
        );
    }
}

#[test]
fn layout_survives_every_sample() {
    for (name, plan) in all() {
        let md = render::markdown(&plan);
        assert_layout_intact(name, &md);
        assert!(md.len() <= MARKDOWN_MAX_BYTES, "{name}: {} bytes", md.len());
    }
}

#[test]
fn title_then_bold_summary_then_count_table() {
    let md = render::markdown(&links_and_removals());
    assert!(md.starts_with(
        "## hsqb plan\n\n**Plan: 0 to create, 0 to update, 4 to delete, 2 to link.**\n\n"
    ));
    assert!(md.contains(
        "| Block | Create | Update | Delete | Link |\n\
         | --- | ---: | ---: | ---: | ---: |\n\
         | contacts | 0 | 0 | 2 | 1 |\n\
         | products | 0 | 0 | 0 | 1 |\n\
         | invoices | 0 | 0 | 1 | 0 |\n\
         | deal\\_invoices | 0 | 0 | 1 | 0 |\n"
    ));
    let md = render::markdown(&empty());
    assert!(md.starts_with("## hsqb plan\n\n**No changes.**\n\n"));
    assert!(!md.contains("| Block |"));
}

#[test]
fn hostile_user_data_is_escaped() {
    let md = render::markdown(&hostile_text());
    assert!(md.contains(r#"**"&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &lt;b&gt;bold&lt;/b&gt; &lt;xss@example.com&gt;"**"#));
    assert!(md.contains(r#"| DisplayName | *(none)* | "A\|B Ltd \| Pipes \|\| Inc" |  |"#));
    assert!(md.contains(r#"\`\`\`rm -rf /\`\`\` \`tick\`"#));
    assert!(md.contains(r#"\*\*bold\*\* \_it\_ \[link\](http://x.example)"#));
    // Mentions cannot ping; emails stay intact.
    assert!(md.contains("@\u{2060}octocat") && md.contains("@\u{2060}team"));
    assert!(!md.contains("@octocat") && md.contains("md@example.com"));
    // Escapes are shown, never emitted.
    assert!(md.contains(r#"\\u{1b}\[2J"#) && md.contains(r#"invoice\\u{202e}fdp.exe"#));
    // A diff whose content holds ```` gets a longer fence.
    assert!(
        md.contains("\n`````diff\n@@ -1,3 +1,5 @@\n ok\n-```\n"),
        "{md}"
    );
}

#[test]
fn field_diffs_use_tables_and_diff_blocks() {
    let md = render::markdown(&updates());
    assert!(md.contains(
        "| Field | Before | After | Note |\n| --- | --- | --- | --- |\n\
         | CompanyName | \"Doe Consulting\" | \"Doe &amp; Partners\" | changed in HubSpot since the last sync |\n"
    ));
    assert!(md.contains("| Balance | 12.50 | 12.75 |  |\n| CreditLimit | 20.00 | 19.999 |  |\n"));
    assert!(md.contains("| Fax.FreeFormNumber | \"+1 555 0199\" | *(none)* |"));
    let md = render::markdown(&long_text());
    assert!(md.contains(
        "Notes (line diff) — *changed in HubSpot since the last sync*:\n\n```diff\n@@ -1,5 +1,6 @@\n"
    ));
}

#[test]
fn diagnostics_list_blocking_first_with_plain_markers() {
    let md = render::markdown(&diagnostics());
    assert!(
        md.contains("> **This plan cannot be applied:** 1 blocking error (see Diagnostics).\n")
    );
    let start = md.find("### Diagnostics\n\n").unwrap();
    let items: Vec<&str> = md[start..]
        .lines()
        .filter(|l| l.starts_with("- **"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        items,
        [
            "- **error** (blocking) contacts",
            "- **error** contacts",
            "- **warning** contacts",
            "- **warning** products",
            "- **info** contacts",
            "- **info** deal\\_invoices",
        ]
    );
    assert!(md.contains("\\[max\\_deletes\\_exceeded\\]\\\n  hint: review the archives"));
    // Diagnostics come before the change details.
    assert!(start < md.find("### contacts").unwrap());
}

#[test]
fn blocks_over_the_threshold_are_folded_but_complete() {
    let plan = big();
    let md = render::markdown(&plan);
    assert!(md.contains(
        "### contacts — 25 to create\n\n<details><summary>25 changes in contacts</summary>\n\n"
    ));
    assert!(md.contains("<details><summary>22 changes in products</summary>"));
    assert!(!md.contains("not shown"));
    assert_eq!(md.matches("**`+` create**").count(), 25);
    assert_eq!(md.matches("**`~` update**").count(), 22);
    // Small blocks are not folded.
    let md = render::markdown(&creates());
    assert!(!md.contains("<details>"));
    // The threshold is "more than 20".
    let block_of = |n: usize| {
        let mut plan = base();
        plan.changes = (0..n)
            .map(|i| customer_create(&i.to_string(), "A B", "a@b.example"))
            .collect();
        render::markdown(&finish(plan))
    };
    assert!(!block_of(FOLD_THRESHOLD).contains("<details>"));
    assert!(
        block_of(FOLD_THRESHOLD + 1).contains("<details><summary>21 changes in contacts</summary>")
    );
}

#[test]
fn huge_plans_fit_in_a_comment_and_say_what_is_missing() {
    let plan = huge();
    let md = render::markdown(&plan);
    assert!(md.len() <= MARKDOWN_MAX_BYTES && MARKDOWN_MAX_BYTES < GITHUB_LIMIT);
    assert!(md.starts_with(
        "## hsqb plan\n\n**Plan: 3000 to create, 400 to update, 1 to delete, 0 to link.**\n"
    ));
    let shown = md.matches("**`+` create**").count();
    assert!(shown > 10, "some changes are shown ({shown})");
    let note = format!(
        "… {} more changes not shown (run `hsqb show plan.json`)",
        3000 - shown
    );
    assert!(md.contains(&note), "missing {note:?}");
    // The small block after two huge ones is shown whole.
    assert!(md.contains("**`-` delete** hubspot invoice **\"Invoice 1037\"** (id 9001)"));
    // Errors are never crowded out by warnings, and warnings are folded.
    assert!(md.contains("- **error** (blocking) invoices:"));
    assert!(md.contains("<details><summary>600 warnings</summary>"));
    assert!(md.contains("more diagnostics not shown (run `hsqb show plan.json`)"));
}

#[test]
fn adversarial_sizes_still_fit() {
    let mut plan = hostile_text();
    plan.changes[0].label = "<|`*".repeat(250_000);
    plan.changes[1].fields[0].after = text(&"line `|` <b>\n".repeat(20_000));
    plan.changes[2].fields[0].after = text(&"y".repeat(1_000_000));
    plan.changes[3].reason = "r".repeat(1_000_000);
    plan.estimate.bound_by = "b|".repeat(500_000);
    plan.diagnostics = (0..5_000)
        .map(|i| Diagnostic {
            severity: if i % 2 == 0 {
                Severity::Error
            } else {
                Severity::Warning
            },
            code: "c".repeat(10_000),
            block: Block::Contacts,
            record: None,
            label: Some("l".repeat(10_000)),
            message: "m|".repeat(5_000),
            hint: Some("h".repeat(10_000)),
            blocking: i == 0,
        })
        .collect();
    let mut many: Plan = huge();
    for block in [Block::Properties, Block::DealInvoices] {
        let mut c = customer_create("1", &"Z".repeat(400), "z@example.com");
        c.block = block;
        many.changes.extend(std::iter::repeat_n(c, 2_000));
    }
    for (name, plan) in [("adversarial", finish(plan)), ("five_blocks", finish(many))] {
        let md = render::markdown(&plan);
        assert!(md.len() <= MARKDOWN_MAX_BYTES, "{name}: {} bytes", md.len());
        assert_layout_intact(name, &md);
        assert!(
            md.contains("not shown (run `hsqb show plan.json`)"),
            "{name}"
        );
        // The budget held: the last-resort cut was not needed.
        assert!(!md.contains("output truncated to fit a comment"), "{name}");
    }
}
