//! IN008 date-order-not-proven: the check's definition (its `ccm explain` text) and its
//! logic.

use crate::checks::scope::RunFacts;
use crate::domain::Finding;

check! {
    IN008, "IN008", "date-order-not-proven", Warning,
    effect: Rows,
    what: "A file's slash dates do not prove their day/month order: every one fits both \
           (`3/5/2025` is 5 March or 3 May), or some fit only month-first and others only \
           day-first. A file whose every date fits both orders follows the order the run's \
           other files prove by their own dates when all that prove one agree (one export, \
           one locale); otherwise ccm reads month first (US exports). Either way it says \
           so; --date-order mdy|dmy decides.",
    why: "A date read in the wrong order moves a service into another month (or makes it \
          invalid): minutes, consents and diagnoses land in the wrong service period. ccm \
          never guesses an order silently.",
    example: "A consents file whose dates are all like 03/04/2025: read as 4 March with this \
              warning; beside a time log with 14/03/2025, as 3 April (the warning names \
              it); with --date-order dmy, 3 April. A file with 3/25/2025 and 25/3/2025 \
              contradicts itself: read month first, the day-first rows are invalid (IN002).",
    source: "CMS MLN909188 (the service period is the calendar month); ISO 8601 (the \
             unambiguous form ccm writes).",
    fix: "Look up in the source system one date whose day is above 12 to learn the export's order \
          and run with --date-order mdy or dmy, or export the dates as YYYY-MM-DD; a file that \
          mixes both orders must be exported again in one.",
}

/// One finding per file whose date order is not proven.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    for (i, f) in run.ds.files.iter().enumerate() {
        let Some(doubt) = &f.read.date_order_doubt else {
            continue;
        };
        let order = f.read.date_order.unwrap_or("M/D/Y");
        out.push(
            Finding::new(
                &IN008,
                format!(
                    "{doubt}: read as {order}; if the export is the other way round, run with --date-order {}",
                    if order == "M/D/Y" { "dmy" } else { "mdy" }
                ),
            )
            .at_lines(i as u16, Vec::new()),
        );
    }
}
