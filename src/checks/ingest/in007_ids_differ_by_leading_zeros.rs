//! IN007 ids-differ-by-leading-zeros: the check's definition (its `ccm explain` text) and
//! its logic.

use crate::checks::scope::RunFacts;
use crate::domain::{FastMap, Finding, Kind, strip_id_zeros};

check! {
    IN007, "IN007", "ids-differ-by-leading-zeros", Warning,
    effect: Rows,
    what: "Two patient ids in the inputs differ only by leading zeros (`12345` and \
           `00012345`). They are audited as two patients unless --ignore-id-zeros is given.",
    why: "Excel drops leading zeros from a column it takes for numbers, often in one export \
          and not another: one patient's month is then split in two (minutes, consent and \
          diagnoses on different ids), which can block a billable month or hide a clash.",
    example: "The time log has 12345 (saved from Excel), the consents file 00012345: 12345's \
              month has no consent. With --ignore-id-zeros both are patient 12345.",
    source: "Microsoft: \"Keeping leading zeros and large numbers\" (Excel converts numeric \
             text to numbers); CMS MLN909188 (one patient's month is one service period).",
    fix: "If both ids are the same patient, keep the zeros (format the id column as text, or \
          export again without opening the file in Excel) or run with --ignore-id-zeros; if they \
          really are two patients, nothing needs fixing.",
}

/// One finding per set of ids that are the same but for leading zeros, naming them all.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    let ids = &run.ds.patients;
    // Only ids with a leading zero can differ from another by one: the rest are looked up.
    let mut groups: FastMap<&str, Vec<&str>> = FastMap::default();
    for p in 0..ids.len() as u32 {
        let name = ids.name(p);
        if name.len() > 1 && name.starts_with('0') {
            groups.entry(strip_id_zeros(name)).or_default().push(name);
        }
    }
    let mut found: Vec<Vec<&str>> = groups
        .into_iter()
        .filter_map(|(bare, mut names)| {
            if ids.get(bare).is_some() && !names.contains(&bare) {
                names.push(bare);
            }
            (names.len() > 1).then(|| {
                names.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
                names
            })
        })
        .collect();
    found.sort_unstable();
    let cite = run.first_file(Kind::Timelog);
    for names in found {
        let shown: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        let mut f = Finding::new(
            &IN007,
            format!(
                "patient ids {} differ only by leading zeros: audited as {} patients; if they are one (Excel drops leading zeros), run with --ignore-id-zeros",
                shown.join(" and "),
                names.len()
            ),
        )
        .patient(names[names.len() - 1]);
        if let Some(file) = cite {
            f = f.at_lines(file, Vec::new());
        }
        out.push(f);
    }
}
