//! The shell of `ccm sample` and `ccm extrapolate`: reads the frame, the review and the
//! stratum sizes, writes sample.csv, review.csv, stratum_sizes.csv and run.json. What is
//! drawn and estimated is decided in [`crate::lookback`].

use crate::cli::{ExtrapolateArgs, InspectFormat, RefundArgs, SampleArgs};
use crate::lookback::appraisal::{self, StratumInput};
use crate::lookback::render;
use crate::lookback::sample::{self, Pick, Request};
use crate::lookback::{AMOUNT_COLUMNS, parse_amount, parse_seed};
use anyhow::{Context, Result, anyhow, bail};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::domain::hex(&sha2::Sha256::digest(bytes))
}

/// A CSV file read whole: its header and its data rows, each with its physical line.
struct Table {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

fn read_table(path: &Path, bytes: &[u8]) -> Result<Table> {
    let body = crate::domain::without_bom(bytes);
    let name = path.display();
    let (header, rows) =
        crate::ingest::records_with_lines(body).with_context(|| format!("cannot read {name}"))?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    if header.iter().all(String::is_empty) {
        bail!("{name} has no header line");
    }
    if let Some((line, r)) = rows.iter().find(|(_, r)| r.len() != header.len()) {
        bail!(
            "cannot read {name}: line {line} has {} fields, the header {}",
            r.len(),
            header.len()
        );
    }
    not_items(&header, &rows).map_or(Ok(()), |what| {
        Err(anyhow!(
            "{name} has rows that are not items: {what}; each row of a frame or review is one item (the universe's size is its rows): remove them and run again"
        ))
    })?;
    Ok(Table { header, rows })
}

/// The rows of a frame or review that are no item, as the audit tells them (IN005): the
/// header repeated (two exports joined), a totals or page footer row, a blank row. Never
/// dropped in silence: every row is an item of the universe a projection multiplies by.
fn not_items(header: &[String], rows: &[(u64, Vec<String>)]) -> Option<String> {
    use crate::checks::ingest::in005::{NotData, RowShape, not_a_data_row};
    let patient = crate::lookback::find_column(header, &crate::ingest::claim_names("patient_id"));
    let shape = RowShape::new(patient, Vec::new(), header);
    let odd: Vec<String> = rows
        .iter()
        .filter_map(|(line, r)| {
            let what = match not_a_data_row(r.iter().map(|c| c.as_bytes()), &shape)? {
                NotData::RepeatedHeader => "repeats the header",
                NotData::Footer(_) => "is a totals or page footer row",
                NotData::BlankLine | NotData::BlankRow => "is blank",
                NotData::Line => "is a line of text, not a row",
            };
            Some(format!("line {line} {what}"))
        })
        .collect();
    match odd.len() {
        0 => None,
        n if n > 5 => Some(format!("{} and {} more", odd[..5].join(", "), n - 5)),
        _ => Some(odd.join(", ")),
    }
}

/// Refuses a worksheet that lists one frame item twice (a row pasted again): each
/// `frame_line` once, or the estimate would count it twice. (`draw` repeats across
/// strata, each drawn on its own.)
fn each_item_once(t: &Table, path: &Path) -> Result<()> {
    for name in ["frame_line"] {
        let Some(i) = crate::lookback::find_column(&t.header, &[name]) else {
            continue;
        };
        let mut seen: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
        for (line, r) in &t.rows {
            let v = r[i].trim();
            if v.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(v, *line) {
                bail!(
                    "{} line {line}: {name} {} again (first on line {first}): each sampled item is reviewed once",
                    path.display(),
                    crate::domain::printable(v, 40)
                );
            }
        }
    }
    Ok(())
}

/// The column of `name`, its header matched as every header is (case, spaces, `_`/`-`).
fn column(t: &Table, name: &str, path: &Path) -> Result<usize> {
    crate::lookback::find_column(&t.header, &[name]).ok_or_else(|| {
        anyhow!(
            "{} has no column {:?} (its columns: {})",
            path.display(),
            crate::domain::printable(name, 80),
            crate::domain::printable(&t.header.join(", "), 300)
        )
    })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The command line as given, for run.json (the program named `ccm`, wherever it lies).
fn command_line() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .fold(vec!["ccm".to_string()], |mut v, a| {
            v.push(a);
            v
        })
}

/// `ccm sample`.
pub fn run_sample(a: &SampleArgs) -> Result<u8> {
    let seed = parse_seed(&a.seed)?;
    let bytes = read(&a.frame)?;
    let frame = read_table(&a.frame, &bytes)?;
    if let Some(c) = render::clashing_column(&frame.header) {
        bail!(
            "{} has a column named {c:?}, a name ccm writes itself in sample.csv or review.csv: rename it",
            a.frame.display()
        );
    }
    let amount = match &a.amount_column {
        Some(name) => Some(column(&frame, name, &a.frame)?),
        // Matched as every header is (case, spaces, `_`, `-`, `.`): `Paid Amount` is
        // `paid_amount` (red team round 21: a Tebra frame's amount was passed over).
        None => crate::lookback::find_column(&frame.header, &AMOUNT_COLUMNS),
    };
    let req = Request {
        seed,
        size: a.size,
        spares: a.spares,
    };
    let (picks, sizes) = match &a.strata {
        None => (sample::pick_unstratified(frame.rows.len(), req)?, None),
        Some(col) => {
            let i = column(&frame, col, &a.frame)?;
            let strata: Vec<String> = frame.rows.iter().map(|(_, r)| r[i].clone()).collect();
            let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
            for s in &strata {
                *sizes.entry(s.clone()).or_default() += 1;
            }
            (sample::pick_stratified(&strata, req)?, Some(sizes))
        }
    };
    let rows: Vec<(Pick, Vec<String>)> = picks
        .into_iter()
        .map(|p| {
            let cells = frame.rows[p.frame_line - 1].1.clone();
            (p, cells)
        })
        .collect();
    let head = run_head(a, &bytes, frame.rows.len());
    // ccm's proposals: a frame that is ccm's own output carries its verdicts; with the
    // audit after `--`, verify mode's verdicts on a claims-file frame, and the packets.
    let drawn: Vec<(usize, &[String])> = rows
        .iter()
        .map(|(p, c)| (p.frame_line, c.as_slice()))
        .collect();
    let own = crate::lookback::evidence::own_file_proposals(&frame.header, &drawn);
    let (proposals, packets, audit) = if a.audit.is_empty() {
        (own, Vec::new(), serde_json::Value::Null)
    } else {
        let items: Vec<super::evidence::Drawn> = rows
            .iter()
            .map(|(p, c)| (p, c.as_slice(), frame.rows[p.frame_line - 1].0))
            .collect();
        let g = super::evidence::gather(
            &a.audit,
            &a.frame,
            &frame.header,
            &items,
            amount,
            own,
            &head,
        )?;
        (g.proposals, g.files, g.info)
    };
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "sample.csv".into(),
            render::sample_csv(&frame.header, &rows, sizes.is_some()),
        ),
        (
            "review.csv".into(),
            render::review_csv(&frame.header, &rows, amount, &proposals),
        ),
    ];
    if let Some(sizes) = &sizes {
        files.push(("stratum_sizes.csv".into(), stratum_sizes_csv(sizes)));
    }
    files.extend(packets);
    let proposed = rows
        .iter()
        .filter(|(p, _)| p.role == sample::Role::Sample && proposals.contains_key(&p.frame_line))
        .count();
    let run = run_json(
        a,
        head,
        amount.map(|i| &frame.header[i]),
        audit,
        proposed,
        &files,
    );
    files.push(("run.json".into(), run));
    write_set(&a.out, &[&a.frame], &files)?;
    sweep_old_packets(&a.out, &files);
    Ok(0)
}

fn stratum_sizes_csv(sizes: &BTreeMap<String, u64>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(["stratum", "size"]);
    for (s, n) in sizes {
        let _ = w.write_record([crate::report::safe_cell(s).into_owned(), n.to_string()]);
    }
    w.into_inner().unwrap_or_default()
}

/// What every file of the lookback records of the run that drew the sample: ccm's
/// version, the command, the seed as typed and the frame (path, SHA-256, rows).
fn run_head(a: &SampleArgs, frame: &[u8], rows: usize) -> serde_json::Value {
    serde_json::json!({
        "ccm_version": env!("CARGO_PKG_VERSION"),
        "command": command_line(),
        "seed": a.seed,
        "frame": {
            "path": a.frame.display().to_string(),
            "sha256": sha256_hex(frame),
            "rows": rows,
        },
    })
}

fn outputs_json(files: &[(String, Vec<u8>)]) -> serde_json::Value {
    let outputs: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .map(|(n, b)| (n.clone(), serde_json::json!({ "sha256": sha256_hex(b) })))
        .collect();
    serde_json::Value::Object(outputs)
}

/// run.json: what makes the sample reproducible (ccm's version, the seed as typed, the
/// frame's SHA-256, the command, the audit behind the packets) and the SHA-256 of each
/// file as written; `schema_version` first (docs/schemas/run.schema.json).
fn run_json(
    a: &SampleArgs,
    mut head: serde_json::Value,
    amount: Option<&String>,
    audit: serde_json::Value,
    proposed: usize,
    files: &[(String, Vec<u8>)],
) -> Vec<u8> {
    let more = serde_json::json!({
        "size": a.size,
        "spares": a.spares,
        "strata": a.strata,
        "amount_column": amount,
        "generator": "RAT-STATS Single Stage Random Numbers (VB Rnd/Randomize seeding, Wichmann-Hill AS 183); with strata, each stratum drawn as a frame of its own rows with the same seed",
        "audit": audit,
        "items_proposed_by_ccm": proposed,
        "outputs": outputs_json(files),
    });
    if let (Some(h), serde_json::Value::Object(m)) = (head.as_object_mut(), more) {
        h.extend(m);
    }
    render::versioned_json(render::RUN_SCHEMA_VERSION, &head)
}

/// Writes the files into `dir` as a set: each staged whole in a hidden temporary file
/// beside its name, then all renamed into place; never over the frame, and never over a
/// review.csv that differs from the one this run writes (a reviewer's work).
fn write_set(dir: &Path, inputs: &[&Path], files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let inputs: Vec<_> = inputs
        .iter()
        .map(|p| (std::fs::metadata(p).ok(), crate::args::resolve(p)))
        .collect();
    for (name, bytes) in files {
        let dest = dir.join(name);
        let dest_meta = std::fs::metadata(&dest).ok();
        let dest_at = crate::args::resolve(&dest);
        let same = inputs.iter().any(|(meta, at)| {
            *at == dest_at
                || dest_meta
                    .as_ref()
                    .zip(meta.as_ref())
                    .is_some_and(|(d, f)| crate::args::same_inode(d, f))
        });
        if same {
            bail!(
                "{} is an input: ccm never writes over an input",
                dest.display()
            );
        }
        if *name == "review.csv"
            && let Ok(old) = std::fs::read(&dest)
            && old != *bytes
        {
            bail!(
                "{} exists and differs from the worksheet this run writes (a reviewer's work?): not replaced; remove it or use another --out",
                dest.display()
            );
        }
    }
    let mut staged: Vec<(tempfile::NamedTempFile, PathBuf)> = Vec::new();
    for (name, bytes) in files {
        let dest = dir.join(name);
        let at = dest.parent().unwrap_or(dir);
        std::fs::create_dir_all(at).with_context(|| format!("cannot create {}", at.display()))?;
        let base = dest
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{base}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        // 0666 less the user's umask, as every file ccm creates (docs/outputs.md).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut tmp = builder
            .tempfile_in(at)
            .with_context(|| format!("cannot write in {}", at.display()))?;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .with_context(|| format!("cannot write {name}"))?;
        staged.push((tmp, dest));
    }
    for (tmp, dest) in staged {
        tmp.persist(&dest)
            .with_context(|| format!("cannot write {}", dest.display()))?;
    }
    Ok(())
}

/// The packets of an earlier run into the same folder that this run did not write (a
/// sample re-drawn with fewer spares): removed, so `evidence/` holds one set, the one
/// run.json lists. Only names a packet takes (`<draw>-….txt|.json`) are touched.
fn sweep_old_packets(dir: &Path, files: &[(String, Vec<u8>)]) {
    let folder = dir.join("evidence");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return;
    };
    let written: std::collections::HashSet<&str> = files
        .iter()
        .filter_map(|(n, _)| n.strip_prefix("evidence/"))
        .collect();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let packet = name
            .split_once('-')
            .is_some_and(|(d, _)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            && (name.ends_with(".txt") || name.ends_with(".json"));
        if packet && !written.contains(name) && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The review's overpayments, by stratum (one unnamed stratum without `--strata`), in
/// the order first seen.
fn review_values(a: &ExtrapolateArgs) -> Result<Vec<(String, Vec<Decimal>)>> {
    let bytes = read(&a.review)?;
    let t = read_table(&a.review, &bytes)?;
    each_item_once(&t, &a.review)?;
    let over = column(&t, "overpayment", &a.review)?;
    let strat = a
        .strata
        .as_deref()
        .map(|c| column(&t, c, &a.review))
        .transpose()?;
    let mut by: Vec<(String, Vec<Decimal>)> = Vec::new();
    for (line, r) in &t.rows {
        let at = |what: &str| format!("{} line {line}: {what}", a.review.display());
        let v = parse_amount(&r[over])
            .map_err(|e| anyhow!(at(&format!("overpayment {e}"))))?
            .ok_or_else(|| anyhow!(at("overpayment is blank (the review is not finished)")))?;
        let key = strat.map_or(String::new(), |i| r[i].clone());
        match by.iter_mut().find(|(k, _)| *k == key) {
            Some((_, vs)) => vs.push(v),
            None => by.push((key, vec![v])),
        }
    }
    if by.is_empty() {
        bail!("{} has no reviewed item", a.review.display());
    }
    Ok(by)
}

/// The stratum sizes file: `stratum,size`, in its order.
fn stratum_sizes(path: &Path) -> Result<Vec<(String, u64)>> {
    let bytes = read(path)?;
    let t = read_table(path, &bytes)?;
    let (s, n) = (column(&t, "stratum", path)?, column(&t, "size", path)?);
    let mut out: Vec<(String, u64)> = Vec::new();
    for (line, r) in &t.rows {
        let size = r[n]
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| {
                anyhow!(
                    "{} line {line}: size {:?} is not a count of items",
                    path.display(),
                    crate::domain::printable(&r[n], 40)
                )
            })?;
        if out.iter().any(|(k, _)| *k == r[s]) {
            bail!("{} line {line}: stratum {:?} again", path.display(), r[s]);
        }
        out.push((r[s].clone(), size));
    }
    Ok(out)
}

fn check_fits(label: &str, n: usize, universe: u64) -> Result<()> {
    if n as u64 > universe {
        bail!("{label}: {n} reviewed items, more than the {universe} items of the frame");
    }
    Ok(())
}

/// The appraisal's arguments against the sample's own record, when `ccm sample`'s run.json
/// sits beside the review (red team round 10: a frame of 60 appraised as 600, a stratified
/// sample appraised as unrestricted, both went through to a refund at exit 0): the frame's
/// size must be the frame's rows, and a sample drawn by stratum is appraised by stratum.
fn against_the_sample(a: &ExtrapolateArgs) -> Result<()> {
    let run_path = a.review.with_file_name("run.json");
    let Some(run) = std::fs::read(&run_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .filter(|v| v.get("seed").is_some())
    else {
        return Ok(());
    };
    if let Some(strata) = run["strata"].as_str()
        && a.strata.is_none()
    {
        bail!(
            "{} says the sample was drawn by stratum ({strata}): appraise it by stratum (--strata {strata} --stratum-sizes FILE), or the projection is not the sample's",
            run_path.display()
        );
    }
    if let (Some(n), Some(rows)) = (a.frame_size, run["frame"]["rows"].as_u64())
        && n != rows
    {
        bail!(
            "--frame-size {n} is not the {rows} items of the frame the sample was drawn from ({})",
            run_path.display()
        );
    }
    Ok(())
}

/// The appraisal's inputs from the arguments and files.
fn appraisal_inputs(a: &ExtrapolateArgs) -> Result<Vec<StratumInput>> {
    against_the_sample(a)?;
    let values = review_values(a)?;
    let Some(sizes_path) = &a.stratum_sizes else {
        let universe = a
            .frame_size
            .ok_or_else(|| anyhow!("--frame-size N is required (the items in the frame)"))?;
        let (_, vs) = values.into_iter().next().expect("one stratum");
        check_fits(&a.review.display().to_string(), vs.len(), universe)?;
        return Ok(vec![StratumInput {
            name: String::new(),
            universe,
            values: vs,
        }]);
    };
    let sizes = stratum_sizes(sizes_path)?;
    let total: u64 = sizes.iter().map(|(_, n)| n).sum();
    if let Some(n) = a.frame_size
        && n != total
    {
        bail!("--frame-size {n} is not the sum of the stratum sizes ({total})");
    }
    if let Some((k, _)) = values
        .iter()
        .find(|(k, _)| !sizes.iter().any(|(s, _)| s == k))
    {
        bail!(
            "stratum {k:?} of the review is not in {}",
            sizes_path.display()
        );
    }
    let mut inputs = Vec::new();
    for (name, universe) in sizes {
        let vs = values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| anyhow!("stratum {name:?} has no reviewed item in the review"))?;
        check_fits(&format!("stratum {name:?}"), vs.len(), universe)?;
        inputs.push(StratumInput {
            name,
            universe,
            values: vs,
        });
    }
    Ok(inputs)
}

/// `ccm extrapolate`.
pub fn run_extrapolate(a: &ExtrapolateArgs) -> Result<u8> {
    let inputs = appraisal_inputs(a)?;
    let result = if a.stratum_sizes.is_some() {
        appraisal::stratified(&inputs)
    } else {
        appraisal::unrestricted(&inputs[0])
    };
    let review = a.review.display().to_string();
    let text = match a.format {
        InspectFormat::Text => render::appraisal_text(&result, &review),
        InspectFormat::Json => String::from_utf8(render::versioned_json(
            render::EXTRAPOLATION_SCHEMA_VERSION,
            &render::appraisal_json(&result, &review),
        ))?,
    };
    super::to_stdout(|w| w.write_all(text.as_bytes()))?;
    Ok(0)
}

/// `ccm refund`.
pub fn run_refund(a: &RefundArgs) -> Result<u8> {
    use crate::lookback::refund::{self, Extrapolation};
    let identified = crate::domain::parse_date(&a.identified)
        .filter(|_| a.identified.trim().len() == 10 && a.identified.contains('-'))
        .ok_or_else(|| {
            anyhow!(
                "--identified {:?} is not a date YYYY-MM-DD",
                crate::domain::printable(&a.identified, 40)
            )
        })?;
    let bytes = read(&a.review)?;
    let t = read_table(&a.review, &bytes)?;
    each_item_once(&t, &a.review)?;
    let name = a.review.display().to_string();
    let (extrapolation, extra_bytes) = match &a.extrapolated {
        None => (None, None),
        Some(p) => {
            let b = read(p)?;
            let v: serde_json::Value = serde_json::from_slice(&b)
                .with_context(|| format!("{} is not JSON", p.display()))?;
            let e = Extrapolation::from_json(&v).map_err(|e| anyhow!("{} {e}", p.display()))?;
            (Some(e), Some(b))
        }
    };
    let r = refund::refund(&t.header, &t.rows, identified, extrapolation)
        .map_err(|e| anyhow!("{name} {e}"))?;
    // The sample's run.json beside the review, when there is one: its seed and frame.
    let run_path = a.review.with_file_name("run.json");
    let sample_run = std::fs::read(&run_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .filter(|v| v.get("seed").is_some())
        .map(|v| {
            serde_json::json!({
                "path": run_path.display().to_string(),
                "ccm_version": v["ccm_version"],
                "command": v["command"],
                "seed": v["seed"],
                "frame": v["frame"],
            })
        });
    let csv = refund::refund_csv(&r);
    let mut files: Vec<(String, Vec<u8>)> = vec![("refund.csv".into(), csv)];
    let json = serde_json::json!({
        "ccm_version": env!("CARGO_PKG_VERSION"),
        "command": command_line(),
        "review": { "path": name, "sha256": sha256_hex(&bytes), "rows": t.rows.len() },
        "extrapolated": a.extrapolated.as_ref().zip(extra_bytes.as_ref()).map(|(p, b)| {
            serde_json::json!({ "path": p.display().to_string(), "sha256": sha256_hex(b) })
        }),
        "sample": sample_run,
        "seed": sample_run.as_ref().map(|s| s["seed"].clone()),
        "frame_sha256": sample_run.as_ref().map(|s| s["frame"]["sha256"].clone()),
        "refund": refund::summary_json(&r),
        "columns": refund::REFUND_COLUMNS,
        "outputs": outputs_json(&files),
    });
    files.push((
        "refund.json".into(),
        render::versioned_json(refund::REFUND_SCHEMA_VERSION, &json),
    ));
    let mut inputs: Vec<&Path> = vec![&a.review];
    if let Some(p) = &a.extrapolated {
        inputs.push(p);
    }
    write_set(&a.out, &inputs, &files)?;
    let text = refund::refund_text(&r, &name);
    super::to_stdout(|w| w.write_all(text.as_bytes()))?;
    Ok(0)
}
