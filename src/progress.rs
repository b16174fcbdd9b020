//! Spinners for report fetches: drawn on stderr when it is a terminal,
//! nothing at all under cron, systemd or a pipe.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Where the bars of concurrent shop closes are drawn together.
pub fn board() -> MultiProgress {
    if on_terminal() {
        MultiProgress::new()
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    }
}

/// A spinner for a wait of unknown length (a report SEQR is still preparing).
pub fn spinner(board: &MultiProgress, what: String) -> ProgressBar {
    let spinner = board.add(ProgressBar::new_spinner().with_message(what));
    spinner.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"));
    if !board.is_hidden() {
        spinner.enable_steady_tick(Duration::from_millis(120));
    }
    spinner
}
