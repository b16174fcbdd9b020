//! The daemon: each shop's close at its `close_at`, in its own time zone.
//! Next-fire computation is separate from the loop so it can be tested alone,
//! and the loop reads time from a [`Clock`] the caller passes, so a test runs
//! days of slots in no time with `tokio::time::pause()`.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::close::{run_batch, Batch, CloseContext, CloseOutcome};
use crate::config::{Config, Shop};
use crate::store::Store;

/// Where the daemon reads the time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock: what the daemon runs on.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at `origin` and moves with tokio's timer: under
/// `tokio::time::pause()` it moves only when the test advances time (or the
/// runtime, idle, jumps to its next timer).
pub struct TokioClock {
    origin: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads `origin` now.
    pub fn starting_at(origin: DateTime<Utc>) -> TokioClock {
        TokioClock { origin, start: tokio::time::Instant::now() }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.origin + chrono::Duration::from_std(self.start.elapsed()).unwrap_or_default()
    }
}

/// The first slot strictly after `after`, in UTC. Local times follow the
/// shop's zone, so a 22:00 close stays at 22:00 across DST changes, and each
/// local time makes one slot: a time the spring-forward night skips runs at
/// the first instant after the gap, a time the fall-back night repeats runs
/// only the first time.
pub fn next_fire(schedule: &cron::Schedule, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let from = local_wall(after, tz) - DST_MARGIN;
    schedule.after(&from).map(|wall| instant_of(wall.naive_utc(), tz)).find(|t| *t > after)
}

/// The last slot at or before `at` (one per local time, as [`next_fire`]).
pub fn last_fire(schedule: &cron::Schedule, tz: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let until = local_wall(at, tz) + DST_MARGIN;
    schedule.after(&until).rev().map(|wall| instant_of(wall.naive_utc(), tz)).find(|t| *t <= at)
}

/// More than any zone's DST shift: how far around an instant its local slots are looked for.
const DST_MARGIN: chrono::Duration = chrono::Duration::hours(3);

/// The shop's wall-clock reading at `t`, carried in a `DateTime<Utc>` so that
/// the schedule steps through local times without gaps or repeats.
fn local_wall(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    t.with_timezone(&tz).naive_local().and_utc()
}

/// The instant a local wall-clock time stands for in `tz`: the earlier of a
/// repeated time; for a time skipped by spring forward, the first instant after the gap.
fn instant_of(wall: chrono::NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    use chrono::offset::LocalResult;
    use chrono::TimeZone;
    let mut t = wall;
    loop {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => return at.with_timezone(&Utc),
            // Inside the gap: the first whole minute that exists is where the gap ends.
            LocalResult::None => t = (t + chrono::Duration::minutes(1)).with_second(0).unwrap_or(t),
        }
    }
}

/// The slot to catch up when the daemon starts: the last one at or before
/// `now`, when the shop's newest close stands for an earlier slot. A shop that
/// never closed is not caught up (its first close is its next slot); a slot is
/// never closed twice (`close::run_once` refuses a slot that has a close).
pub fn missed_slot(
    schedule: &cron::Schedule,
    tz: Tz,
    latest_close: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let last = last_fire(schedule, tz, now)?;
    (latest_close? < last).then_some(last)
}

/// The shop's next close after `now`.
pub fn shop_next(shop: &Shop, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_fire(shop.schedule(), shop.tz(), now)
}

/// The shop's latest slot at or before `now`: what a manual `run` closes, so
/// that a second run the same night finds it closed. A schedule that never
/// fired before `now` gives `now`.
pub fn shop_latest_slot(shop: &Shop, now: DateTime<Utc>) -> DateTime<Utc> {
    last_fire(shop.schedule(), shop.tz(), now).unwrap_or(now)
}

/// Runs closes at their slots until `shutdown` completes. On start it catches
/// up the last slot of each shop that has no close yet (when `catch_up` is on).
pub async fn daemon(cfg: Arc<Config>, clock: &dyn Clock, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    // A missing secret or inbox is found at start, not when the first close is due.
    crate::notify::smtp_credentials(&cfg.email)?;
    for shop in &cfg.shops {
        shop.password()?;
    }
    cfg.require_inbox()?;
    let ctx = Arc::new(CloseContext::new(cfg.clone()));
    let now = clock.now();
    if cfg.schedule.catch_up {
        // A database held by another process at start does not stop the daemon: it skips the catch-up.
        match missed_slots(&cfg, now) {
            Ok(due) => run_due(&cfg, &ctx, due).await,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "could not look for closes missed while the daemon was down; `seqr-recon run` closes them");
            }
        }
    }
    run_at_slots(&cfg.shops, clock, shutdown, |due| run_due(&cfg, &ctx, due)).await;
    Ok(())
}

/// Each shop's slot missed while the daemon was down.
fn missed_slots(cfg: &Config, now: DateTime<Utc>) -> anyhow::Result<Vec<(Shop, DateTime<Utc>)>> {
    let store = Store::open_configured(&cfg.store)?;
    let mut due = Vec::new();
    for shop in &cfg.shops {
        let latest = store.latest_close(&shop.id)?.map(|c| c.slot);
        if let Some(slot) = missed_slot(shop.schedule(), shop.tz(), latest, now) {
            tracing::info!(shop = %shop.id, %slot, "catching up a close missed while the daemon was down");
            due.push((shop.clone(), slot));
        }
    }
    Ok(due)
}

/// The daemon's loop: waits on `clock` for the next slot of any shop and
/// hands the shops due then to `run`, until `shutdown` completes.
pub async fn run_at_slots<F, Fut>(shops: &[Shop], clock: &dyn Clock, shutdown: impl Future<Output = ()>, mut run: F)
where
    F: FnMut(Vec<(Shop, DateTime<Utc>)>) -> Fut,
    Fut: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    let now = clock.now();
    for shop in shops {
        match shop_next(shop, now) {
            Some(t) => tracing::info!(shop = %shop.id, next = %t.with_timezone(&shop.tz()), "next close"),
            None => tracing::warn!(shop = %shop.id, "close_at never fires"),
        }
    }
    loop {
        let now = clock.now();
        let next = shops.iter().filter_map(|s| shop_next(s, now)).min();
        let Some(at) = next else {
            tracing::warn!("no shop has a future close; waiting for a signal to stop");
            shutdown.as_mut().await;
            return;
        };
        let wait = (at - now).to_std().unwrap_or_default();
        tokio::select! {
            _ = &mut shutdown => {
                tracing::info!("shutting down");
                return;
            }
            _ = tokio::time::sleep(wait) => {}
        }
        let due: Vec<(Shop, DateTime<Utc>)> =
            shops.iter().filter(|s| shop_next(s, now) == Some(at)).map(|s| (s.clone(), at)).collect();
        run(due).await;
        for shop in shops {
            if let Some(t) = shop_next(shop, at) {
                tracing::info!(shop = %shop.id, next = %t, "next close");
            }
        }
    }
}

/// Closes the given shops for their slots; the database is open only meanwhile,
/// so analysts and manual runs can use it between closes. A close that could
/// not run (the database held by another process, SEQR unreachable) is tried
/// again with back-off for `[schedule] retry_for_hours` after its slot, and ops
/// get one alert; a mark whose outcome is unknown is never tried again.
async fn run_due(cfg: &Arc<Config>, ctx: &Arc<CloseContext>, mut due: Vec<(Shop, DateTime<Utc>)>) {
    let Some(first_slot) = due.iter().map(|(_, slot)| *slot).min() else { return };
    let give_up = first_slot + chrono::Duration::seconds((cfg.schedule.retry_for_hours.max(0.0) * 3600.0) as i64);
    let mut wait = std::time::Duration::from_secs_f64(cfg.schedule.retry_first_wait_seconds.max(0.0));
    let mut alerted = false;
    loop {
        due = run_due_once(cfg, ctx, due, &mut alerted).await;
        let next_try = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        if due.is_empty() || crate::stop::requested() || next_try > give_up {
            if !due.is_empty() {
                let ids: Vec<&str> = due.iter().map(|(s, _)| s.id.as_str()).collect();
                tracing::error!(shops = %ids.join(", "), "giving up on tonight's close; `seqr-recon run` closes the missed slot");
            }
            return;
        }
        tracing::warn!(shops = due.len(), retry_in_s = wait.as_secs(), "trying the close again");
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = crate::stop::asked() => return,
        }
        wait = (wait * 2).min(std::time::Duration::from_secs(600));
    }
}

/// One attempt at closing `due`; returns the shops worth another attempt.
async fn run_due_once(
    cfg: &Arc<Config>,
    ctx: &Arc<CloseContext>,
    due: Vec<(Shop, DateTime<Utc>)>,
    alerted: &mut bool,
) -> Vec<(Shop, DateTime<Utc>)> {
    let slots: std::collections::HashMap<String, DateTime<Utc>> =
        due.iter().map(|(s, slot)| (s.id.to_string(), *slot)).collect();
    let shops: Vec<Shop> = due.iter().map(|(s, _)| s.clone()).collect();
    let result = async {
        let store = Store::open_configured(&cfg.store)?;
        run_batch(&store, ctx, Batch { shops: due, confirm_remark: false, close_slot_after_resume: true }).await
    }
    .await;
    match result {
        Ok(outcome) => {
            let mut again = Vec::new();
            for (shop, r) in outcome.results {
                match r {
                    Ok(o) => tracing::info!(shop = %shop.id, outcome = %describe(&o), "close done"),
                    Err(e) => {
                        tracing::error!(shop = %shop.id, error = %format!("{e:#}"), "close failed");
                        // Failed closes alert from inside (once a night each); an unknown mark waits for the operator.
                        if !e.chain().any(|c| c.to_string().contains("mark_unknown")) {
                            let slot = slots[shop.id.as_str()];
                            again.push((shop, slot));
                        }
                    }
                }
            }
            again
        }
        Err(e) => {
            // The batch itself failed (the database held by another process, or
            // broken): ops hear of it here, once; the whole slot is tried again.
            tracing::error!(error = %format!("{e:#}"), "no close could run");
            if !std::mem::replace(alerted, true) {
                let ids: Vec<&str> = shops.iter().map(|s| s.id.as_str()).collect();
                let (subject, text) =
                    crate::notify::schedule_could_not_run_alert(&ids, &e, cfg.schedule.retry_for_hours);
                crate::notify::alert_without_store(&cfg.email, &subject, &text);
            }
            shops.into_iter().map(|s| (slots[s.id.as_str()], s)).map(|(slot, shop)| (shop, slot)).collect()
        }
    }
}

fn describe(o: &CloseOutcome) -> String {
    match o {
        CloseOutcome::Closed { close, files, emailed, .. } => {
            format!(
                "period {} in {} ({})",
                close.label_period_id.as_deref().unwrap_or("?"),
                files.dir.display(),
                if *emailed { "emailed" } else { "email queued" }
            )
        }
        CloseOutcome::AlreadyClosed { close } => format!("slot already closed by {}", close.close_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_22_oclock_close_follows_the_local_clock_across_both_dst_changes() {
        let s = cron::Schedule::from_str("0 0 22 * * *").unwrap();
        let tz: Tz = "Europe/Stockholm".parse().unwrap();
        // Spring forward on 2026-03-29: 22:00 is 21:00 UTC before, 20:00 UTC after.
        assert_eq!(next_fire(&s, tz, utc("2026-03-28T12:00:00Z")), Some(utc("2026-03-28T21:00:00Z")));
        assert_eq!(next_fire(&s, tz, utc("2026-03-28T21:00:00Z")), Some(utc("2026-03-29T20:00:00Z")));
        // Fall back on 2026-10-25.
        assert_eq!(next_fire(&s, tz, utc("2026-10-24T20:00:00Z")), Some(utc("2026-10-25T21:00:00Z")));
    }

    #[test]
    fn a_close_in_the_skipped_hour_runs_after_the_gap_and_in_the_repeated_hour_once() {
        let s = cron::Schedule::from_str("0 30 2 * * *").unwrap();
        let tz: Tz = "Europe/Stockholm".parse().unwrap();
        let mut t = utc("2026-03-27T12:00:00Z");
        let mut fires = Vec::new();
        for _ in 0..3 {
            t = next_fire(&s, tz, t).unwrap();
            fires.push(t);
        }
        // 02:30 does not exist on 2026-03-29 in Stockholm: that night closes at 03:00 (01:00 UTC).
        assert_eq!(fires, [utc("2026-03-28T01:30:00Z"), utc("2026-03-29T01:00:00Z"), utc("2026-03-30T00:30:00Z")]);
        assert_eq!(last_fire(&s, tz, utc("2026-03-29T01:20:00Z")), Some(utc("2026-03-29T01:00:00Z")));
        assert_eq!(last_fire(&s, tz, utc("2026-03-29T00:59:00Z")), Some(utc("2026-03-28T01:30:00Z")));

        // 02:30 comes twice on 2026-10-25 (00:30 and 01:30 UTC): one slot, the first.
        let first = utc("2026-10-25T00:30:00Z");
        assert_eq!(next_fire(&s, tz, utc("2026-10-24T12:00:00Z")), Some(first));
        assert_eq!(next_fire(&s, tz, first), Some(utc("2026-10-26T01:30:00Z")), "no slot at the second 02:30");
        // A run after the repeated hour finds the same slot, so it closes nothing twice.
        assert_eq!(last_fire(&s, tz, utc("2026-10-25T01:45:00Z")), Some(first));
        assert_eq!(last_fire(&s, tz, utc("2026-10-25T00:45:00Z")), Some(first));
    }

    #[test]
    fn a_close_every_minute_has_no_slot_twice_across_either_change() {
        let s = cron::Schedule::from_str("0 * * * * *").unwrap();
        let tz: Tz = "Europe/Stockholm".parse().unwrap();
        for start in ["2026-03-29T00:00:00Z", "2026-10-25T00:00:00Z"] {
            let mut t = utc(start);
            let mut fires = Vec::new();
            for _ in 0..150 {
                t = next_fire(&s, tz, t).unwrap();
                fires.push(t);
            }
            assert!(fires.windows(2).all(|w| w[0] < w[1]), "strictly later each time from {start}");
            let locals: std::collections::HashSet<_> =
                fires.iter().map(|f| f.with_timezone(&tz).naive_local()).collect();
            assert_eq!(locals.len(), fires.len(), "no local minute twice from {start}");
        }
    }

    #[test]
    fn a_slot_missed_while_down_is_caught_up_once() {
        let s = cron::Schedule::from_str("0 0 22 * * *").unwrap();
        let tz: Tz = "Europe/Stockholm".parse().unwrap();
        let now = utc("2026-11-22T08:00:00Z");
        let yesterday = utc("2026-11-21T21:00:00Z");
        let day_before = utc("2026-11-20T21:00:00Z");
        assert_eq!(missed_slot(&s, tz, Some(day_before), now), Some(yesterday));
        assert_eq!(missed_slot(&s, tz, Some(yesterday), now), None, "that slot has its close");
        assert_eq!(missed_slot(&s, tz, None, now), None, "a shop that never closed starts at its next slot");
    }

    /// Two shops, one closing every minute and one every three: three simulated
    /// hours pass in no time on tokio's paused clock, and every slot fires once, on time.
    #[tokio::test(start_paused = true)]
    async fn the_daemon_runs_each_slot_once_at_its_time() {
        let text = "[seqr]\nendpoint = \"http://x\"\nclient_id = \"x\"\n[store]\ndatabase = \"d\"\n\
            [[shop]]\nid = \"a\"\nname = \"A\"\ncurrency = \"SEK\"\ntimezone = \"Europe/Stockholm\"\n\
            close_at = \"0 * * * * *\"\nlevel = \"shop\"\nreseller_id = \"ra\"\nreseller_user_id = \"1\"\n\
            password_env = \"X\"\n\
            [[shop]]\nid = \"b\"\nname = \"B\"\ncurrency = \"SEK\"\ntimezone = \"UTC\"\n\
            close_at = \"30 */3 * * * *\"\nlevel = \"shop\"\nreseller_id = \"rb\"\nreseller_user_id = \"1\"\n\
            password_env = \"X\"\n";
        let cfg = Config::parse(text, "t.toml").unwrap();
        let clock = TokioClock::starting_at(utc("2026-11-21T20:59:30Z"));
        let fired = std::sync::Mutex::new(Vec::new());
        let stop = tokio::time::sleep(std::time::Duration::from_secs(3 * 3600));
        run_at_slots(&cfg.shops, &clock, stop, |due| {
            let at = clock.now();
            fired.lock().unwrap().extend(due.into_iter().map(|(s, slot)| (s.id, slot, at)));
            async {}
        })
        .await;
        let fired = fired.into_inner().unwrap();
        let a: Vec<_> = fired.iter().filter(|(s, ..)| s == "a").collect();
        let b: Vec<_> = fired.iter().filter(|(s, ..)| s == "b").collect();
        assert_eq!((a.len(), b.len()), (180, 60), "one close per slot in three hours");
        assert_eq!(a[0].1, utc("2026-11-21T21:00:00Z"));
        assert_eq!(b[0].1, utc("2026-11-21T21:00:30Z"));
        assert!(fired.iter().all(|(_, slot, at)| at == slot), "each runs at its slot, not before or after");
        let mut slots: Vec<_> = a.iter().map(|(_, slot, _)| *slot).collect();
        slots.dedup();
        assert_eq!(slots.len(), 180, "no slot twice");
    }

    #[test]
    fn last_fire_is_the_slot_at_or_before_now() {
        let s = cron::Schedule::from_str("0 0 22 * * *").unwrap();
        let tz: Tz = "Europe/Stockholm".parse().unwrap();
        assert_eq!(last_fire(&s, tz, utc("2026-11-22T08:00:00Z")), Some(utc("2026-11-21T21:00:00Z")));
        assert_eq!(last_fire(&s, tz, utc("2026-11-21T21:00:00Z")), Some(utc("2026-11-21T21:00:00Z")));
    }
}
