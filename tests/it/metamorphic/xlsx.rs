//! A table written as an Excel workbook, as a biller's "Save As .xlsx" leaves it.

use super::table::Table;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// `YYYY-MM-DD` as (year, month, day) when it is one.
pub fn iso_date(s: &str) -> Option<(u16, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = s[..4].parse().ok()?;
    let m = s[5..7].parse().ok()?;
    let d = s[8..].parse().ok()?;
    chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))?;
    Some((y, m, d))
}

/// `H:MM` or `HH:MM[:SS]` (24 h) as (h, m, s).
pub fn clock(s: &str) -> Option<(u8, u8, u8)> {
    let p: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&p.len()) || p.iter().any(|x| x.is_empty() || x.len() > 2) {
        return None;
    }
    let n: Vec<u8> = p.iter().map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if p[1].len() != 2 || n[0] > 23 || n[1] > 59 || n.get(2).is_some_and(|s| *s > 59) {
        return None;
    }
    Some((n[0], n[1], n.get(2).copied().unwrap_or(0)))
}

pub fn render(t: &Table, typed: bool, hidden: bool) -> Vec<u8> {
    let mut wb = Workbook::new();
    if hidden {
        let other = wb.add_worksheet();
        other.set_name("Lookup").unwrap();
        for (r, row) in [
            ["Code", "Meaning"],
            ["RN", "Registered Nurse"],
            ["MD", "Physician"],
        ]
        .iter()
        .enumerate()
        {
            for (c, v) in row.iter().enumerate() {
                other.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        other.set_hidden(true);
    }
    let cols = |f: &str| t.col(f);
    let date_col = cols("service_date");
    let time_cols = [cols("start_time"), cols("end_time")];
    let num_cols = [cols("minutes"), cols("billing_npi"), cols("patient_id")];
    let date_fmt = Format::new().set_num_format("m/d/yyyy");
    let time_fmt = Format::new().set_num_format("h:mm");
    let ws = wb.add_worksheet();
    ws.set_name("Time Log").unwrap();
    if hidden {
        ws.set_active(true);
    }
    let mut r = 0u32;
    let put = |cells: &[String], data: bool, ws: &mut rust_xlsxwriter::Worksheet, r: u32| {
        for (c, v) in cells.iter().enumerate() {
            let col = c as u16;
            if v.is_empty() {
                continue;
            }
            if typed && data {
                if Some(c) == date_col
                    && let Some((y, m, d)) = iso_date(v)
                {
                    let dt = ExcelDateTime::from_ymd(y, m, d).unwrap();
                    ws.write_datetime_with_format(r, col, &dt, &date_fmt)
                        .unwrap();
                    continue;
                }
                if time_cols.contains(&Some(c))
                    && let Some((h, m, s)) = clock(v)
                {
                    let dt = ExcelDateTime::from_hms(u16::from(h), m, s).unwrap();
                    ws.write_datetime_with_format(r, col, &dt, &time_fmt)
                        .unwrap();
                    continue;
                }
                if num_cols.contains(&Some(c))
                    && !v.starts_with('0')
                    && v.len() < 15
                    && v.bytes().all(|b| b.is_ascii_digit())
                {
                    ws.write_number(r, col, v.parse::<f64>().unwrap()).unwrap();
                    continue;
                }
            }
            ws.write_string(r, col, v).unwrap();
        }
    };
    for row in &t.title {
        put(row, false, ws, r);
        r += 1;
    }
    put(&t.header, false, ws, r);
    r += 1;
    for row in &t.rows {
        put(&row.cells, row.data, ws, r);
        r += 1;
    }
    wb.save_to_buffer().expect("xlsx")
}
