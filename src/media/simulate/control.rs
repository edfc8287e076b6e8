//! The simulator's control surface: a line protocol on a loopback TCP port, one command per line,
//! one reply line per command (`ok`, `error: …`, or JSON for `status`). Documented in
//! docs/simulator.md. Try it with `nc 127.0.0.1 8555` or `echo "offline cam07" | nc -q1 127.0.0.1 8555`.
//!
//! Commands: `offline ID`, `online ID`, `stall ID`, `resume ID`, `freeze ID`, `unfreeze ID`,
//! `dark ID`, `light ID`, `motion ID SECONDS`, `status`, `help`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::Simulator;

pub struct ControlServer {
    stop: Arc<AtomicBool>,
    port: u16,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ControlServer {
    pub fn spawn(listener: TcpListener, sim: Weak<Simulator>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("sim-control".into())
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::Acquire) {
                            break;
                        }
                        match conn {
                            Ok(stream) => serve(stream, &sim),
                            Err(e) => tracing::warn!("control port: {e}"),
                        }
                    }
                })
                .ok()
        };
        Self { stop, port, thread }
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the blocking accept.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, sim: &Weak<Simulator>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else { return };
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        let Some(sim) = sim.upgrade() else { break };
        let reply = execute(&sim, line.trim());
        if writeln!(writer, "{reply}").is_err() {
            break;
        }
    }
}

/// Runs one control command and returns the reply line.
pub fn execute(sim: &Simulator, line: &str) -> String {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or("");
    let arg = words.next();
    let value = words.next();
    if words.next().is_some() {
        return format!("error: too many words in {line:?}; try help");
    }
    let result = match (command, arg, value) {
        ("offline", Some(id), None) => sim.set_offline(id, true),
        ("online", Some(id), None) => sim.set_offline(id, false),
        ("stall", Some(id), None) => sim.set_stalled(id, true),
        ("resume", Some(id), None) => sim.set_stalled(id, false),
        ("freeze", Some(id), None) => sim.set_frozen(id, true),
        ("unfreeze", Some(id), None) => sim.set_frozen(id, false),
        ("dark", Some(id), None) => sim.set_dark(id, true),
        ("light", Some(id), None) => sim.set_dark(id, false),
        ("motion", Some(id), Some(seconds)) => match seconds.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => sim.set_motion(id, s),
            _ => return format!("error: motion {id} {seconds}: SECONDS must be a number of seconds, 0 or more"),
        },
        ("status", None, None) => return status_json(sim),
        ("help", None, None) | ("", None, None) => {
            return "commands: offline ID | online ID | stall ID | resume ID | freeze ID | unfreeze ID | dark ID | light ID \
                    | motion ID SECONDS | status | help"
                .into();
        }
        _ => return format!("error: unknown command {line:?}; try help"),
    };
    match result {
        Ok(()) => "ok".into(),
        Err(e) => format!("error: {e}"),
    }
}

fn status_json(sim: &Simulator) -> String {
    let cameras: Vec<serde_json::Value> = sim
        .cameras()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "offline": sim.is_offline(&c.id).unwrap_or(false),
                "stalled": sim.is_stalled(&c.id).unwrap_or(false),
                "picture": sim.picture(&c.id).map_or("?", |p| p.0.as_str()),
                "frozen": sim.picture(&c.id).is_ok_and(|p| p.1),
                "auth": c.auth.is_some(),
            })
        })
        .collect();
    serde_json::json!({ "port": sim.port(), "pipelines": sim.pipelines(), "frames_pushed": sim.frames_pushed(), "cameras": cameras })
        .to_string()
}
