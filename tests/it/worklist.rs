//! What accountants do to exceptions, through the real binary: acknowledge,
//! snooze, resolve, reopen, history; what the next closes' emails then say;
//! and the flood guard.

use mail_parser::MessageParser;
use seqr_recon::domain::{ItemEvent, ShopId};

use crate::close::{text, Floor, SHOP};
use crate::smtp::{Received, SmtpSink};

fn parsed(m: &Received) -> (String, String) {
    let msg = MessageParser::default().parse(&m.data).unwrap();
    (msg.subject().unwrap_or_default().to_string(), msg.body_text(0).unwrap_or_default().to_string())
}

/// The reports of shop-1, oldest first: subject and text.
fn reports(smtp: &SmtpSink) -> Vec<(String, String)> {
    smtp.messages().iter().filter(|m| m.to.contains(&"backoffice@example.com".to_string())).map(parsed).collect()
}

fn exception(f: &Floor, command: &str, reference: &str, rest: &[&str]) {
    let args = [&["exception", command, "--shop", "shop-1", "--reference", reference, "--by", "eva"], rest].concat();
    let out = f.cli(&args, &[]);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
}

/// An item resolved by hand leaves the list; reopened, the next close lists
/// it again, saying who reopened it and why; an item whose resolved side
/// comes back with its other side at another amount is listed again and the
/// email says it came back. The history keeps every change with who and why.
#[tokio::test(flavor = "multi_thread")]
async fn resolved_items_leave_the_list_and_come_back_when_reopened_or_when_they_reappear() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let miskeyed = f.sale("10.00").await;
    let unposted = f.sale("50.00").await;
    f.posts("p1.csv", &[(miskeyed.clone(), "9.00")]);
    assert!(f.cli(&["run"], &[]).status.success());

    exception(&f, "acknowledge", &miskeyed, &["--note", "asking anna"]);
    exception(&f, "resolve", &miskeyed, &["--how", "correction", "--why", "receipt says 10"]);
    exception(&f, "resolve", &unposted, &["--how", "correction", "--why", "booked by hand"]);
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let (subject, _) = reports(&smtp).pop().unwrap();
    assert!(subject.contains(": no exceptions to act on — nothing to do today ["), "{subject}");

    // Reopened: listed again. Its other side arrives at another amount: listed again too.
    exception(&f, "reopen", &miskeyed, &["--why", "the correction was booked on the wrong day"]);
    f.posts("p2.csv", &[(unposted.clone(), "45.00")]);
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let (subject, body) = reports(&smtp).pop().unwrap();
    assert!(subject.contains(": 2 still open"), "{subject}");
    assert!(body.contains("reopened by eva (the correction was booked on the wrong day)"), "{body}");
    assert!(body.contains("reopened: it came back after eva resolved it (correction: booked by hand)"), "{body}");
    assert!(body.contains(&format!("ref {miskeyed}")) && body.contains(&format!("ref {unposted}")), "{body}");

    // The audit trail: every change, oldest first, with who and why (once per key of the item).
    let out = f.cli(&["exception", "history", "--shop", "shop-1", "--reference", &miskeyed], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let history = String::from_utf8_lossy(&out.stdout).to_string();
    // Nothing resolved by hand is left to reopen; a snooze must be for a later day.
    let again = f.cli(&["exception", "reopen", "--shop", "shop-1", "--reference", &miskeyed, "--why", "x"], &[]);
    assert!(!again.status.success() && text(&again).contains("nothing of"), "{}", text(&again));
    let past = f.cli(
        &["exception", "snooze", "--shop", "shop-1", "--reference", &miskeyed, "--until", "2020-01-01", "--note", "x"],
        &[],
    );
    assert!(!past.status.success() && text(&past).contains("is not after today"), "{}", text(&past));
    let store = f.store();
    let events: Vec<(ItemEvent, String, String)> =
        seqr_recon::worklist::history(&store, &ShopId::from_static("shop-1"), &miskeyed)
            .unwrap()
            .into_iter()
            .map(|l| (l.event, l.by, l.note))
            .collect();
    let mut seen: Vec<(ItemEvent, String, String)> = events.clone();
    seen.dedup();
    assert_eq!(
        seen,
        [
            (ItemEvent::Acknowledged, "eva".into(), "asking anna".into()),
            (ItemEvent::Resolved, "eva".into(), "receipt says 10".into()),
            (ItemEvent::Reopened, "eva".into(), "the correction was booked on the wrong day".into()),
        ]
    );
    assert_eq!(events.len(), 6, "the post's and SEQR's row's keys each: {events:?}");
    assert!(history.contains("resolved (correction) by eva: receipt says 10"), "{history}");
}

/// More new exceptions in one close than `[email] flood_new_items`: the email
/// says so and lists the largest, and ops get one alert.
#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_new_exceptions_is_named_and_ops_get_one_alert() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let config = std::fs::read_to_string(&f.config).unwrap();
    std::fs::write(&f.config, config.replace("[email]\n", "[email]\nflood_new_items = 2\nlisted_items = 2\n")).unwrap();
    let mut posts = vec![];
    for amount in ["10.00", "20.00", "30.00"] {
        posts.push((f.sale(amount).await, "1.00"));
    }
    f.posts("p.csv", &posts);
    assert!(f.cli(&["run"], &[]).status.success());

    let (subject, body) = reports(&smtp).pop().unwrap();
    assert!(subject.contains(", FLOOD of new exceptions ["), "{subject}");
    assert!(body.contains("FLOOD: 3 new exceptions in one close, more than the 2 expected at most."), "{body}");
    assert!(body.contains("1. 29.00 SEK at risk") && body.contains("2. 19.00 SEK at risk"), "{body}");
    assert!(!body.contains("3. 9.00 SEK at risk"), "only the largest are listed: {body}");
    assert!(body.contains("1 more item(s) to act on, with less at risk, are on the To do sheet"), "{body}");
    let alerts: Vec<(String, String)> = smtp
        .messages()
        .iter()
        .filter(|m| m.to == ["ops@example.com"])
        .map(parsed)
        .filter(|(s, _)| s.contains("a flood of new exceptions"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].1.contains("more than 2 new exceptions"), "{}", alerts[0].1);
}
