//! A small real SMTP server on loopback that keeps what it receives, and can
//! misbehave as real ones do: refuse, drop the connection mid-DATA or after
//! it, answer late.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

/// How the server treats the next sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Behaviour {
    /// Takes every message.
    #[default]
    Accept,
    /// `421` at MAIL FROM: busy, try later.
    BusyAtMailFrom,
    /// `550` for this recipient: no such mailbox.
    RefuseRecipient(String),
    /// Closes the connection halfway through the message.
    DropMidData,
    /// Keeps the whole message, then closes the connection without its `250`.
    DropAfterData,
    /// Keeps the whole message and answers `250` only after this many milliseconds.
    SlowAnswer(u64),
}

pub struct SmtpSink {
    pub port: u16,
    pub inbox: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    /// Sessions that reached DATA, whatever came of them.
    pub data_started: Arc<Mutex<usize>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// A free port nobody listens on yet (SMTP "down"); start later with [`SmtpSink::start_at`].
    pub fn reserve_port() -> u16 {
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    pub fn start_at(port: u16) -> SmtpSink {
        Self::start_on(TcpListener::bind(("127.0.0.1", port)).unwrap())
    }

    fn start_on(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink { port, inbox: Arc::default(), behaviour: Arc::default(), data_started: Arc::default() };
        let (keep, behaviour, started) = (sink.inbox.clone(), sink.behaviour.clone(), sink.data_started.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (keep, started) = (keep.clone(), started.clone());
                let now = behaviour.lock().unwrap().clone();
                std::thread::spawn(move || {
                    let _ = session(stream, keep, &now, &started);
                });
            }
        });
        sink
    }

    /// How sessions from now on are treated.
    pub fn behave(&self, b: Behaviour) {
        *self.behaviour.lock().unwrap() = b;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}

fn session(
    stream: std::net::TcpStream,
    inbox: Arc<Mutex<Vec<Received>>>,
    behaviour: &Behaviour,
    data_started: &Mutex<usize>,
) -> std::io::Result<()> {
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    writeln!(w, "220 sink.test ESMTP\r")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write!(w, "250-sink.test\r\n250 8BITMIME\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            if *behaviour == Behaviour::BusyAtMailFrom {
                write!(w, "421 4.3.2 too busy, try later\r\n")?;
                continue;
            }
            from = cmd[10..].trim().trim_matches(['<', '>']).to_string();
            write!(w, "250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = cmd[8..].trim().trim_matches(['<', '>']).to_string();
            if *behaviour == Behaviour::RefuseRecipient(rcpt.clone()) {
                write!(w, "550 5.1.1 <{rcpt}>: no such mailbox\r\n")?;
                continue;
            }
            to.push(rcpt);
            write!(w, "250 OK\r\n")?;
        } else if upper == "DATA" {
            *data_started.lock().unwrap() += 1;
            write!(w, "354 go ahead\r\n")?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if r.read_until(b'\n', &mut l)? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" || l == b".\n" {
                    break;
                }
                if *behaviour == Behaviour::DropMidData && data.len() > 200 {
                    return Ok(());
                }
                // Undo dot-stuffing.
                let start = usize::from(l.starts_with(b".."));
                data.extend_from_slice(&l[start..]);
            }
            inbox.lock().unwrap().push(Received { from: from.clone(), to: std::mem::take(&mut to), data });
            match behaviour {
                Behaviour::DropAfterData => return Ok(()),
                Behaviour::SlowAnswer(ms) => std::thread::sleep(std::time::Duration::from_millis(*ms)),
                _ => {}
            }
            write!(w, "250 queued\r\n")?;
        } else if upper == "QUIT" {
            write!(w, "221 bye\r\n")?;
            return Ok(());
        } else {
            write!(w, "250 OK\r\n")?;
        }
    }
}
