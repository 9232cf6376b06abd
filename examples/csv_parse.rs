//! Bare-parse baseline for the benchmark (benches/run.sh): the floor that any CSV-based
//! audit of the same file cannot beat by much.
//!
//!     cargo run --release --example csv_parse -- FILE
//!
//! Opens FILE, parses it with the `csv` crate (headers on, one reused `ByteRecord`),
//! counts the records and sums the byte length of field 2 (so the loop does observable
//! work and is not optimised away). Prints the record count (and the byte sum on stderr).

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: csv_parse FILE");
        return ExitCode::from(2);
    };
    let mut rdr = match csv::ReaderBuilder::new().has_headers(true).from_path(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("csv_parse: {}: {e}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let mut rec = csv::ByteRecord::new();
    let mut count: u64 = 0;
    let mut bytes: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                count += 1;
                bytes += rec.get(2).map_or(0, |f| f.len() as u64);
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("csv_parse: {e}");
                return ExitCode::from(1);
            }
        }
    }
    println!("{count}");
    eprintln!("field-2 bytes: {bytes}");
    ExitCode::SUCCESS
}
