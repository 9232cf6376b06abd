//! Which rule files make the ruleset: the embedded ones, each replaced by its twin in
//! `--rules DIR` when that folder holds one.

use super::validate;
use super::{RulesError, Ruleset, YearRules, bad, parse};
use crate::domain::path_name;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

// `EMBEDDED: &[(&str, &str)]`, (path relative to rules/, contents) of every `.csv` and
// `.txt` file under rules/, sorted by path; written by build.rs.
include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// The files of each `<year>/` folder.
const YEAR_FILES: &[&str] = &[
    "codes.csv",
    "fees.csv",
    "conversion.csv",
    "clashes.csv",
    "exclusive.csv",
    "devices.csv",
    "roles.csv",
];
const CHRONIC: &str = "chronic/ccir_v2023_1.csv";
const VAGUE_PHRASES: &str = "documentation/vague_phrases.txt";
const INITIATING_VISITS: &str = "initiating_visits.csv";
const STATUSES: &str = "statuses.csv";
const CODE_LIVES: &str = "code_lives.csv";

/// The rule files by path relative to rules/: (name for messages, contents).
type Files = BTreeMap<String, (String, String)>;

/// Finds the check a code names, in any case and with spaces around it.
pub type CheckOf = fn(&str) -> Option<&'static crate::domain::Check>;

impl Ruleset {
    /// The embedded rules. `check_of` finds the check a code names (the clash table may
    /// only name checks, and its rows hold the check itself, found once here; the catalogue
    /// lives above this layer).
    pub fn embedded(check_of: CheckOf) -> Result<Ruleset, RulesError> {
        Self::load(None, check_of)
    }

    /// The embedded rules with every file present in `dir` replacing its twin.
    pub fn load(dir: Option<&Path>, check_of: CheckOf) -> Result<Ruleset, RulesError> {
        let mut files: Files = EMBEDDED
            .iter()
            .map(|(p, c)| (p.to_string(), (format!("embedded:{p}"), c.to_string())))
            .collect();
        let origin = match dir {
            Some(dir) => replace_from(&mut files, dir)?,
            None => "embedded".to_string(),
        };
        let get = |rel: &str| {
            files
                .get(rel)
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .ok_or_else(|| bad(rel, "missing"))
        };

        let mut years = BTreeMap::new();
        let year_names: BTreeSet<i32> = files
            .keys()
            .filter_map(|k| k.split_once('/'))
            .filter_map(|(y, _)| y.parse().ok())
            .collect();
        for y in year_names {
            years.insert(y, year_rules(&files, y, check_of)?);
        }
        if years.is_empty() {
            return Err(bad("rules", "no year rules"));
        }

        let (n, t) = get(CHRONIC)?;
        let chronic = parse::chronic(n, t)?;
        let mut code_sets = BTreeMap::new();
        for (k, (n, t)) in &files {
            if let Some(fy) = k
                .strip_prefix("icd10cm/fy")
                .and_then(|r| r.strip_suffix(".txt"))
            {
                let fy: i32 = fy.parse().map_err(|_| bad(n, "name must be fyYYYY.txt"))?;
                // An embedded set is borrowed from the binary, not copied.
                let text = match EMBEDDED.iter().find(|(p, _)| p == k) {
                    Some((_, c)) if n.starts_with("embedded:") => std::borrow::Cow::Borrowed(*c),
                    _ => std::borrow::Cow::Owned(t.clone()),
                };
                code_sets.insert(fy, super::CodeSet::new(text));
            }
        }
        if code_sets.is_empty() {
            return Err(bad("icd10cm", "no code set"));
        }
        let (n, t) = get(VAGUE_PHRASES)?;
        let (vague_phrases, note_min_chars) = parse::vague_phrases(n, t)?;
        let (n, t) = get(INITIATING_VISITS)?;
        let initiating_visits = parse::initiating_visits(n, t)?;
        let (n, t) = get(STATUSES)?;
        let statuses = parse::statuses(n, t)?;
        let (n, t) = get(CODE_LIVES)?;
        let lives = parse::code_lives(n, t)?;
        for yr in years.values_mut() {
            for c in &mut yr.codes {
                let Some(l) = lives.get(&c.hcpcs) else {
                    return Err(bad(
                        n,
                        format!(
                            "{} (in {}/codes.csv) has no life: give its dates",
                            c.hcpcs, yr.year
                        ),
                    ));
                };
                c.life = l.life;
            }
        }
        // Every file of the ruleset, for its digest: embedded ones borrowed from the binary.
        let sources = files
            .iter()
            .map(|(rel, (name, text))| {
                let text = match EMBEDDED.iter().find(|(p, _)| p == rel) {
                    Some((_, c)) if name.starts_with("embedded:") => std::borrow::Cow::Borrowed(*c),
                    _ => std::borrow::Cow::Owned(text.clone()),
                };
                (rel.clone(), text)
            })
            .collect();
        Ok(Ruleset {
            years,
            chronic,
            code_sets,
            vague_phrases,
            note_min_chars,
            initiating_visits,
            statuses,
            lives,
            origin,
            sources,
        })
    }
}

/// Replaces the files `dir` holds a twin of; says where the rules came from, for the report.
fn replace_from(files: &mut Files, dir: &Path) -> Result<String, RulesError> {
    if !dir.is_dir() {
        return Err(bad(&path_name(dir), "not a directory"));
    }
    let mut replaced = Vec::new();
    for rel in candidate_paths(dir) {
        let full = dir.join(&rel);
        if full.is_file() {
            let text = std::fs::read_to_string(&full).map_err(|e| RulesError::Io {
                file: path_name(&full),
                source: e,
            })?;
            replaced.push(rel.clone());
            files.insert(rel, (path_name(&full), text));
        }
    }
    Ok(format!(
        "{} ({} file(s) replaced: {})",
        path_name(dir),
        replaced.len(),
        if replaced.is_empty() {
            "none".to_string()
        } else {
            replaced.join(", ")
        }
    ))
}

/// One year's rules from its `<year>/` files, each of which must be there.
fn year_rules(files: &Files, y: i32, check_of: CheckOf) -> Result<YearRules, RulesError> {
    let get = |f: &str| {
        let rel = format!("{y}/{f}");
        files
            .get(&rel)
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .ok_or_else(|| bad(&rel, "missing for this year"))
    };
    let (codes_name, t) = get("codes.csv")?;
    let codes = parse::codes(codes_name, t)?;
    let (fees_name, t) = get("fees.csv")?;
    let fees = parse::fees(fees_name, t)?;
    let (conv_name, t) = get("conversion.csv")?;
    let conversion_rows = parse::conversion(conv_name, t)?;
    let (clashes_name, t) = get("clashes.csv")?;
    let clashes = parse::clashes(clashes_name, t, check_of)?;
    let (n, t) = get("exclusive.csv")?;
    let exclusive = parse::exclusive(n, t)?;
    let (n, t) = get("devices.csv")?;
    let devices = parse::devices(n, t)?;
    let (n, t) = get("roles.csv")?;
    let (roles, role_words) = parse::roles(n, t)?;
    let yr = YearRules {
        year: y,
        codes,
        fees,
        conversion: Vec::new(),
        conversion_rows,
        clashes,
        exclusive,
        devices,
        roles,
        role_words,
    };
    let mut yr = yr;
    yr.conversion = yr.factors(false);
    validate::year(y, &yr, codes_name, fees_name, conv_name)?;
    validate::clash_codes(&yr, clashes_name)?;
    Ok(yr)
}

/// The paths under `dir` that may replace a rule file: the files of every `<year>/` folder,
/// the chronic flags, vague phrases, initiating visits, status words and every `icd10cm/fy*.txt`; sorted.
fn candidate_paths(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.len() == 4 && name.parse::<i32>().is_ok() {
                for f in YEAR_FILES {
                    out.push(format!("{name}/{f}"));
                }
            }
        }
    }
    out.push(CHRONIC.to_string());
    out.push(VAGUE_PHRASES.to_string());
    out.push(INITIATING_VISITS.to_string());
    out.push(STATUSES.to_string());
    out.push(CODE_LIVES.to_string());
    if let Ok(rd) = std::fs::read_dir(dir.join("icd10cm")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("fy") && name.ends_with(".txt") {
                out.push(format!("icd10cm/{name}"));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn rules_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
    }

    /// (path relative to `root`, contents) of every `.csv` and `.txt` file under `dir`.
    fn data_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                data_files(root, &path, out);
            } else if matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("csv" | "txt")
            ) {
                let rel = path.strip_prefix(root).unwrap();
                let rel: Vec<&str> = rel.iter().map(|c| c.to_str().unwrap()).collect();
                out.push((rel.join("/"), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    #[test]
    fn embedded_files_are_the_rules_folder() {
        let mut on_disk = Vec::new();
        data_files(&rules_dir(), &rules_dir(), &mut on_disk);
        on_disk.sort();
        let embedded: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        let names = |v: &[(String, String)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&on_disk));
        assert!(embedded == on_disk, "an embedded file differs from rules/");
        // Every embedded file can be replaced from a folder of the same layout, and every
        // file that can be replaced has an embedded default.
        assert_eq!(candidate_paths(&rules_dir()), names(&embedded));
    }

    #[test]
    fn a_folder_replaces_only_the_files_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("2025")).unwrap();
        let roles = "role,class\nwizard,clinical\n";
        std::fs::write(dir.path().join("2025/roles.csv"), roles).unwrap();
        std::fs::write(dir.path().join("notes.csv"), "not,a,rule\n").unwrap();
        let r = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap();
        assert_eq!(
            r.origin,
            format!(
                "{} (1 file(s) replaced: 2025/roles.csv)",
                dir.path().display()
            )
        );
        let y25 = r.year(2025);
        assert_eq!(y25.role("wizard"), Some(crate::domain::RoleClass::Clinical));
        assert_eq!(y25.role("rn"), None);
        assert!(r.year(2024).role("rn").is_some());
        assert_eq!(
            y25.codes.len(),
            Ruleset::embedded(crate::checks::lookup)
                .unwrap()
                .year(2025)
                .codes
                .len()
        );

        // A new year needs all its files.
        std::fs::create_dir(dir.path().join("2027")).unwrap();
        std::fs::write(dir.path().join("2027/roles.csv"), roles).unwrap();
        let e = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap_err();
        assert_eq!(
            e.to_string(),
            "rules file 2027/codes.csv: missing for this year"
        );
    }

    #[test]
    fn a_folder_replaces_the_exclusive_pairs_and_a_bad_row_names_file_and_line() {
        let embedded = Ruleset::embedded(crate::checks::lookup).unwrap();
        // 2026: 3 single pairs and RPM (6 codes) x RTM (10 codes); 2025: RPM (4) x RTM (6).
        assert_eq!(embedded.year(2026).exclusive.len(), 69);
        assert_eq!(embedded.year(2025).exclusive.len(), 30);
        assert!(
            embedded
                .year(2025)
                .exclusive
                .iter()
                .any(|e| (e.code_a.as_str(), e.code_b.as_str()) == ("99457", "98980"))
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("2026")).unwrap();
        let path = dir.path().join("2026/exclusive.csv");
        let good = "code_a,code_b,scope,source\n99490,99424,month,payer contract\n";
        std::fs::write(&path, good).unwrap();
        let r = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap();
        let y26 = r.year(2026);
        assert_eq!(y26.exclusive.len(), 1);
        assert_eq!(y26.exclusive[0].code_b, "99424");
        std::fs::write(&path, format!("{good}99470,99457x,month,cms\n")).unwrap();
        let e = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "rules file {}: line 3: code_b \"99457X\" is not a HCPCS code",
                path.display()
            )
        );
    }

    #[test]
    fn the_clash_table_names_each_programs_codes_and_a_bad_code_names_file_and_line() {
        let embedded = Ruleset::embedded(crate::checks::lookup).unwrap();
        let y25 = embedded.year(2025);
        for (code, program) in [
            ("G0556", "APCM"),
            ("G0558", "APCM"),
            ("90951", "ESRD"),
            ("90960", "ESRD"),
            ("90970", "ESRD"),
            ("G0181", "HOME_HEALTH_CPO"),
            ("G0182", "HOSPICE_CPO"),
            ("99457", "RPM"),
            ("98977", "RTM"),
        ] {
            assert_eq!(
                y25.clash_of_code(code).map(|c| c.program.as_str()),
                Some(program),
                "{code}"
            );
        }
        for code in [
            "90950", "90971", "99490", "99424", "99213", "G0559", "99470",
        ] {
            assert!(y25.clash_of_code(code).is_none(), "{code}");
        }
        assert_eq!(
            embedded
                .year(2026)
                .clash_of_code("99470")
                .map(|c| c.program.as_str()),
            Some("RPM")
        );
        assert!(embedded.year(2024).clash_of_code("G0557").is_none());

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("2025")).unwrap();
        let path = dir.path().join("2025/clashes.csv");
        let head = "program,code,same_cms,different_cms,unknown_cms,same_strict,different_strict,unknown_strict";
        let row = |program: &str, code: &str, hcpcs: &str| {
            format!("{program},{code},error,allowed,error,error,allowed,error,{hcpcs},s\n")
        };
        // A folder written before the column existed still loads: no codes, no evidence.
        std::fs::write(
            &path,
            format!(
                "{head},source\n{}",
                "ESRD,OV004,error,allowed,error,error,allowed,error,s\n"
            ),
        )
        .unwrap();
        let r = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap();
        assert!(r.year(2025).clash_of_code("90960").is_none());
        for (rows, want) in [
            (
                row("ESRD", "OV004", "9095-90970"),
                "line 2: hcpcs \"9095-90970\" is not a HCPCS code",
            ),
            (
                row("ESRD", "OV004", "90970-90951"),
                "line 2: hcpcs \"90970-90951\"",
            ),
            (
                row("ESRD", "OV004", "G0100-H0101"),
                "line 2: hcpcs \"G0100-H0101\"",
            ),
            (
                format!(
                    "{}{}",
                    row("ESRD", "OV004", "90951-90970"),
                    row("APCM", "OV003", "G0556 90960")
                ),
                "line 3: 90960 is a code of APCM and of ESRD (line 2)",
            ),
            (
                row("RPM", "OV005", "99490"),
                "line 2: 99490 is listed for RPM but codes.csv gives it to CCM",
            ),
            (
                row("SPA", "OV004", "G0999"),
                "line 2: SPA lists codes but is no program ccm knows",
            ),
            (
                "APCM,OV003,error,warning,warning,error,error,error,G0556,RPM,s\n".to_string(),
                "line 2: audited \"RPM\" is not CCM or PCM",
            ),
        ] {
            let head = if rows.contains(",RPM,") {
                format!("{head},hcpcs,audited,source")
            } else {
                format!("{head},hcpcs,source")
            };
            std::fs::write(&path, format!("{head}\n{rows}")).unwrap();
            let e = Ruleset::load(Some(dir.path()), crate::checks::lookup)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("rules file {}: ", path.display())) && e.contains(want),
                "{rows}: {e}"
            );
        }
        std::fs::write(
            &path,
            format!(
                "{head},hcpcs,source\n{}",
                row("esrd", "OV004", "90951-90953 g0181")
            ),
        )
        .unwrap();
        let r = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap();
        let y = r.year(2025);
        assert_eq!(
            y.clash("ESRD").unwrap().hcpcs,
            ["90951", "90952", "90953", "G0181"]
        );
        // Without an `audited` cell a row applies to CCM months; the embedded APCM row to
        // PCM months too (the APCM bundle lists 99424-99427).
        assert_eq!(
            y.clash("ESRD").unwrap().audited,
            [crate::domain::Program::Ccm]
        );
        assert_eq!(
            embedded.year(2025).clash("APCM").unwrap().audited,
            [crate::domain::Program::Ccm, crate::domain::Program::Pcm]
        );
    }

    #[test]
    fn a_folder_replaces_the_status_words_and_a_bad_row_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("statuses.csv");
        let good = "kind,status,meaning,source\nconsent,Signed Up,consent,ours\nproblem,Live,active,ours\n";
        std::fs::write(&path, good).unwrap();
        let r = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap();
        assert!(
            r.origin.ends_with("(1 file(s) replaced: statuses.csv)"),
            "{}",
            r.origin
        );
        assert!(r.statuses.consent("signed-up").is_some());
        assert!(
            r.statuses.consent("Enrolled").is_none(),
            "the file replaces the words"
        );
        std::fs::write(&path, format!("{good}consent,Gone,maybe,ours\n")).unwrap();
        let e = Ruleset::load(Some(dir.path()), crate::checks::lookup).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "rules file {}: line 4: meaning \"maybe\" is not consent|no_consent|declined|elsewhere|revoked|deceased (kind consent)",
                path.display()
            )
        );
    }

    /// Every code of every year's codes.csv has a life, each row well formed: a missing
    /// code, a date that is not one, a life ending before it starts, or mid-month, is refused
    /// at load with the file and line.
    #[test]
    fn code_lives_are_validated_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("code_lives.csv");
        let embedded = EMBEDDED
            .iter()
            .find(|(p, _)| *p == CODE_LIVES)
            .map(|(_, t)| t.to_string())
            .unwrap();
        let r = Ruleset::embedded(crate::checks::lookup).unwrap();
        assert_eq!(
            r.year(2026).code("99470").unwrap().life.from.to_string(),
            "2026-01-01"
        );
        for (text, want) in [
            (
                embedded.replace("\n99437,", "\n99999,"),
                "99437 (in 2024/codes.csv) has no life",
            ),
            (
                embedded.replace("99439,2022-01-01", "99439,2022-13-01"),
                "valid_from \"2022-13-01\" is not YYYY-MM-DD",
            ),
            (
                embedded.replace("G2058,2020-01-01,2021-12-31", "G2058,2020-01-01,2019-12-31"),
                "G2058: a life runs from a month's first day",
            ),
            (
                embedded.replace("G2058,2020-01-01,2021-12-31", "G2058,2020-01-01,2021-12-15"),
                "G2058: a life runs from a month's first day",
            ),
            (
                format!("{embedded}99490,2015-01-01,,again\n"),
                "99490 is listed twice",
            ),
        ] {
            std::fs::write(&path, &text).unwrap();
            let e = Ruleset::load(Some(dir.path()), crate::checks::lookup)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("rules file {}: ", path.display())) && e.contains(want),
                "{want}: {e}"
            );
        }
    }
}
