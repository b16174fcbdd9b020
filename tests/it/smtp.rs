//! A small real SMTP server on loopback that keeps what it receives.

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

pub struct SmtpSink {
    pub port: u16,
    pub inbox: Arc<Mutex<Vec<Received>>>,
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
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let keep = inbox.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let keep = keep.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, keep);
                });
            }
        });
        SmtpSink { port, inbox }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}

fn session(stream: std::net::TcpStream, inbox: Arc<Mutex<Vec<Received>>>) -> std::io::Result<()> {
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
            from = cmd[10..].trim().trim_matches(['<', '>']).to_string();
            write!(w, "250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(cmd[8..].trim().trim_matches(['<', '>']).to_string());
            write!(w, "250 OK\r\n")?;
        } else if upper == "DATA" {
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
                // Undo dot-stuffing.
                let start = usize::from(l.starts_with(b".."));
                data.extend_from_slice(&l[start..]);
            }
            inbox.lock().unwrap().push(Received { from: from.clone(), to: std::mem::take(&mut to), data });
            write!(w, "250 queued\r\n")?;
        } else if upper == "QUIT" {
            write!(w, "221 bye\r\n")?;
            return Ok(());
        } else {
            write!(w, "250 OK\r\n")?;
        }
    }
}
