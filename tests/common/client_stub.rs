//! A scripted raw HTTP/1.1 server for transport-level client tests: it can
//! answer anything (HTML pages, invalid UTF-8, truncated JSON), drop the
//! connection before or after reading a request, or hold a response. The
//! emulator is strict and well-formed; this is the misbehaving server.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to do with the next request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer with status, extra headers and body.
    Respond(u16, Vec<(String, String)>, Vec<u8>),
    /// Close the connection without answering.
    Drop,
    /// Send the status line, headers and half the body, then close.
    Truncate(u16, Vec<u8>),
    /// Wait, then do the action.
    Delay(Duration, Box<Action>),
}

/// A 200 JSON response.
pub fn json(status: u16, body: &str) -> Action {
    Action::Respond(
        status,
        vec![("content-type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    )
}

/// One received request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Action>,
    fallback: Option<Action>,
    seen: Vec<Seen>,
}

/// A running stub server.
#[derive(Clone)]
pub struct Stub {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl Stub {
    /// Start on 127.0.0.1:0 with a script; `fallback` answers once the
    /// script is used up.
    pub async fn start(script: Vec<Action>, fallback: Action) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            fallback: Some(fallback),
            seen: Vec::new(),
        }));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_conn(sock, st.clone()));
            }
        });
        Stub {
            base: format!("http://{addr}"),
            state,
        }
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

fn head(status: u16, headers: &[(String, String)], len: usize) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {status} X\r\ncontent-length: {len}\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

async fn serve_conn(mut sock: TcpStream, state: Arc<Mutex<State>>) {
    loop {
        let Some(req) = read_request(&mut sock).await else {
            return;
        };
        let action = {
            let mut st = state.lock().unwrap();
            st.seen.push(req);
            st.script.pop_front().or_else(|| st.fallback.clone())
        };
        let mut action = action.unwrap_or(Action::Drop);
        loop {
            match action {
                Action::Delay(d, next) => {
                    tokio::time::sleep(d).await;
                    action = *next;
                }
                Action::Drop => return,
                Action::Truncate(status, body) => {
                    let mut out = head(status, &[], body.len());
                    out.extend_from_slice(&body[..body.len() / 2]);
                    let _ = sock.write_all(&out).await;
                    let _ = sock.flush().await;
                    return;
                }
                Action::Respond(status, headers, body) => {
                    let mut out = head(status, &headers, body.len());
                    out.extend_from_slice(&body);
                    if sock.write_all(&out).await.is_err() {
                        return;
                    }
                    break;
                }
            }
        }
    }
}
