//! What the benchmarks share: the program's allocator, running a command
//! under `/usr/bin/time -v` (Debian's `time`) for its wall time, CPU time and
//! peak RSS, and writing a POS posts file. Each benchmark uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

seqr_recon::allocator!();

/// What one timed process did.
pub struct Timed {
    /// When the process started, in milliseconds since the epoch (to place
    /// the steps of the `runs` table; not every bench reports them).
    #[allow(dead_code)]
    pub started_ms: i64,
    /// Wall time, seconds.
    pub wall: f64,
    /// CPU time, user and system, seconds, over every thread: on this
    /// machine's two cores, at most twice the wall time.
    pub cpu: f64,
    /// Peak resident memory, MiB.
    pub peak_mib: f64,
    /// What it printed.
    pub stdout: String,
}

/// Runs `cmd` under `/usr/bin/time -v`; panics unless it succeeds. With
/// `BENCH_LOG` set, what it wrote to stderr is shown.
pub fn timed(cmd: Command) -> Timed {
    assert!(std::path::Path::new("/usr/bin/time").exists(), "needs /usr/bin/time (Debian package `time`)");
    let mut timed = Command::new("/usr/bin/time");
    timed.arg("-v").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let started_ms = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let out = timed.output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if std::env::var_os("BENCH_LOG").is_some() {
        eprint!("{stderr}");
    }
    assert!(out.status.success(), "{:?} failed:\n{stdout}\n{stderr}", cmd.get_program());
    let figure = |label: &str| -> f64 {
        stderr
            .lines()
            .find(|l| l.contains(label))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("time -v reports {label}"))
    };
    let cpu = figure("User time (seconds)") + figure("System time (seconds)");
    let peak_kib = figure("Maximum resident set size");
    Timed { started_ms, wall, cpu, peak_mib: peak_kib / 1024.0, stdout }
}

/// Creates a POS posts file at `path` with its header line written; the
/// benchmark writes its lines after it.
pub fn posts_file(path: &Path) -> std::io::BufWriter<std::fs::File> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "{}", seqr_recon::store::ingest::POSTS_HEADER.join(",")).unwrap();
    w
}
