//! `--format junit`: the audit as JUnit XML, for CI test-report viewers.
//!
//! One `<testsuite>` per month, one `<testcase>` per patient-month and billing NPI (the
//! audit's outcomes, in their order). A test case fails when a finding of its patient-month
//! (same patient and month; same NPI, or a finding naming none) is at or above `--fail-on`
//! and not waived; its `<failure>` lists those findings, its `<system-out>` the others.
//! Findings that belong to no outcome (about a file or the whole run, or a patient-month
//! with nothing left to bill) make one more test case, `run-wide findings`, in a last
//! suite `ccm.run`. `time="0"` throughout and no timestamp: the same audit gives the same
//! bytes. The shape is the Jenkins xunit plugin's `junit-10.xsd` (docs/schemas/external/),
//! which the test validates the output against.

use crate::audit::Audit;
use crate::checks::{Finding, Severity};
use crate::domain::{Dataset, YearMonth};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// The test case holding the findings that belong to no patient-month.
pub const RUN_WIDE_CASE: &str = "run-wide findings";
/// The suite (and class name) of that test case.
pub const RUN_WIDE_SUITE: &str = "ccm.run";

/// One test case: its name and class, and the findings it holds (indices into the
/// audit's findings, in their order).
struct Case {
    name: String,
    classname: String,
    findings: Vec<u32>,
}

pub fn write_junit(
    w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    fail_on: Option<Severity>,
) -> io::Result<()> {
    let fails = |f: &Finding| fails(f, fail_on);
    let (suites, run_wide) = cases(audit);
    let mut suites: Vec<(String, Vec<Case>)> = suites
        .into_iter()
        .map(|(m, cases)| (format!("ccm.{m}"), cases))
        .collect();
    if !run_wide.is_empty() {
        let case = Case {
            name: RUN_WIDE_CASE.to_string(),
            classname: RUN_WIDE_SUITE.to_string(),
            findings: run_wide,
        };
        suites.push((RUN_WIDE_SUITE.to_string(), vec![case]));
    }
    let failed = |c: &Case| {
        c.findings
            .iter()
            .any(|&i| fails(&audit.findings[i as usize]))
    };
    let tests: usize = suites.iter().map(|s| s.1.len()).sum();
    let failures: usize = suites
        .iter()
        .flat_map(|s| &s.1)
        .filter(|c| failed(c))
        .count();

    let mut w = w;
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="ccm audit" tests="{tests}" failures="{failures}" errors="0" time="0">"#
    )?;
    for (name, cases) in &suites {
        let failures = cases.iter().filter(|c| failed(c)).count();
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="0" time="0">"#,
            attr(name),
            cases.len()
        )?;
        for case in cases {
            let (bad, other): (Vec<&Finding>, Vec<&Finding>) = case
                .findings
                .iter()
                .map(|&i| &audit.findings[i as usize])
                .partition(|f| fails(f));
            let open = format!(
                r#"    <testcase name="{}" classname="{}" time="0""#,
                attr(&case.name),
                attr(&case.classname)
            );
            if bad.is_empty() && other.is_empty() {
                writeln!(w, "{open}/>")?;
                continue;
            }
            writeln!(w, "{open}>")?;
            if !bad.is_empty() {
                let mut codes: Vec<&str> = bad.iter().map(|f| f.check.code).collect();
                codes.sort_unstable();
                codes.dedup();
                write!(
                    w,
                    r#"      <failure message="{} finding(s)" type="{}">"#,
                    bad.len(),
                    attr(&codes.join(","))
                )?;
                write_list(&mut w, ds, &bad)?;
                writeln!(w, "</failure>")?;
            }
            if !other.is_empty() {
                write!(w, "      <system-out>")?;
                write_list(&mut w, ds, &other)?;
                writeln!(w, "</system-out>")?;
            }
            writeln!(w, "    </testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

/// Whether a finding fails its test case: at or above `--fail-on` (`None`: never), and not
/// waived by the baseline (as for the exit code).
fn fails(f: &Finding, fail_on: Option<Severity>) -> bool {
    !f.waived && fail_on.is_some_and(|t| f.severity >= t)
}

/// The test cases by month (one per outcome, in the outcomes' order), and the findings
/// that fall to none of them.
fn cases(audit: &Audit) -> (BTreeMap<YearMonth, Vec<Case>>, Vec<u32>) {
    let outcomes = &audit.outcomes;
    let mut by_key: HashMap<(&str, YearMonth), Vec<usize>> = HashMap::new();
    let mut per_outcome: Vec<Vec<u32>> = vec![Vec::new(); outcomes.len()];
    for (i, o) in outcomes.iter().enumerate() {
        by_key.entry((&o.patient_id, o.month)).or_default().push(i);
    }
    let mut run_wide = Vec::new();
    for (i, f) in audit.findings.iter().enumerate() {
        let mut placed = false;
        if let Some(month) = f.month
            && let Some(idx) = by_key.get(&(&*f.patient_id, month))
        {
            for &o in idx {
                if f.billing_npi.is_empty() || f.billing_npi == outcomes[o].billing_npi {
                    per_outcome[o].push(i as u32);
                    placed = true;
                }
            }
        }
        if !placed {
            run_wide.push(i as u32);
        }
    }
    let mut suites: BTreeMap<YearMonth, Vec<Case>> = BTreeMap::new();
    for (i, (o, findings)) in outcomes.iter().zip(per_outcome).enumerate() {
        let mut name = format!("{} {} NPI {}", o.patient_id, o.month, o.billing_npi);
        // Two programs of one patient-month under one NPI (CCM and PCM) are two cases of
        // the same name but for the program, said only then.
        let twin = |j: usize| {
            outcomes.get(j).is_some_and(|p| {
                (&p.patient_id, p.month, &p.billing_npi) == (&o.patient_id, o.month, &o.billing_npi)
            })
        };
        if twin(i + 1) || (i > 0 && twin(i - 1)) {
            name.push(' ');
            name.push_str(o.program.as_str());
        }
        suites.entry(o.month).or_default().push(Case {
            name,
            classname: format!("ccm.{}", o.month),
            findings,
        });
    }
    (suites, run_wide)
}

/// One line per finding: code, severity, message, and where (file:lines).
fn write_list(w: &mut impl Write, ds: &Dataset, findings: &[&Finding]) -> io::Result<()> {
    for (n, f) in findings.iter().enumerate() {
        let mut line = format!("{} {}: {}", f.check.code, f.severity, f.message);
        if let Some(file) = f.file {
            line.push_str(" (");
            line.push_str(ds.file_name(file));
            for (k, l) in f.lines.iter().enumerate() {
                line.push(if k == 0 { ':' } else { ';' });
                line.push_str(&l.to_string());
            }
            line.push(')');
        }
        if f.waived {
            line.push_str(" [waived]");
        }
        if n > 0 {
            w.write_all(b"\n")?;
        }
        w.write_all(text(&line).as_bytes())?;
    }
    Ok(())
}

/// A character XML 1.0 cannot hold, even as a character reference: the C0 controls but
/// tab, line feed and carriage return, and U+FFFE, U+FFFF. Written as U+FFFD.
fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Character data: `&`, `<`, `>` escaped, a carriage return kept as `&#13;` (a parser
/// would turn a raw one into a line feed).
fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value in double quotes: as [`text`], and `"`, `'`, tab and line feed as
/// references (a parser would turn raw ones into spaces).
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            c if forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_fails_at_or_above_fail_on_unless_waived() {
        let c = crate::checks::lookup("CN001").unwrap();
        let mut f = Finding::new(c, "m").severity(Severity::Warning);
        assert!(fails(&f, Some(Severity::Warning)));
        assert!(fails(&f, Some(Severity::Info)));
        assert!(!fails(&f, Some(Severity::Error)));
        assert!(!fails(&f, None));
        f.waived = true;
        assert!(!fails(&f, Some(Severity::Info)));
    }

    #[test]
    fn junit_escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(text("a<b & c>d"), "a&lt;b &amp; c&gt;d");
        assert_eq!(text("x\"y'z\tq\nr\rs"), "x\"y'z\tq\nr&#13;s");
        assert_eq!(attr("x\"y'z\tq\nr\rs"), "x&quot;y&apos;z&#9;q&#10;r&#13;s");
        assert_eq!(
            text("a\u{0}b\u{1}c\u{1b}d\u{FFFF}e"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e"
        );
        assert_eq!(attr("é \u{7f} \u{10FFFF}"), "é \u{7f} \u{10FFFF}");
        assert_eq!(text("]]>"), "]]&gt;");
    }
}
