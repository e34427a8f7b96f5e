//! Remote-control readers on recorded input: evdev records through a pipe
//! (as /dev/input/eventN delivers them) and a local socket speaking lircd's
//! protocol, including a lircd restart. Held arrows repeat; a held OK does not.

mod common;

use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use hustings::input::evdev::{RawEvent, encode};
use hustings::input::sources::{self, InputSources};
use hustings::input::{Action, Keymap};

fn collector() -> (sources::OnAction, mpsc::Receiver<Action>) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    (
        Arc::new(move |a| {
            let _ = tx.lock().unwrap().send(a);
        }),
        rx,
    )
}

fn take(rx: &mpsc::Receiver<Action>, n: usize) -> Vec<Action> {
    (0..n)
        .map(|i| {
            rx.recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("action {i} of {n} did not come"))
        })
        .collect()
}

fn key(code: u16, value: i32) -> [u8; 24] {
    encode(RawEvent {
        kind: 1,
        code,
        value,
    })
}

#[test]
fn an_evdev_stream_through_a_pipe_becomes_actions() {
    let dir = common::scratch("evdev");
    let fifo = dir.join("event0");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (on_action, rx) = collector();
    sources::spawn(
        &InputSources {
            evdev: vec![fifo.clone()],
            lirc: None,
        },
        Arc::new(Keymap::builtin()),
        on_action,
    );
    // An IR remote through rc-core: each key is an EV_MSC scancode, then
    // EV_KEY, then EV_SYN; the kernel's auto-repeat sends value 2 while held.
    let msc = |code| {
        encode(RawEvent {
            kind: 4,
            code: 4,
            value: code,
        })
    };
    let syn = encode(RawEvent {
        kind: 0,
        code: 0,
        value: 0,
    });
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    for record in [
        msc(0x000f_0421),
        key(108, 1),
        syn, // Down pressed
        key(108, 2),
        syn,
        key(108, 2),
        syn, // held: two repeats
        key(108, 0),
        syn, // released
        key(352, 1),
        syn,
        key(352, 2),
        key(352, 2), // OK held
        key(352, 0),
        syn,
        key(4, 1),
        key(4, 0), // 3
        key(398, 1),
        key(398, 0), // Red
    ] {
        w.write_all(&record).unwrap();
    }
    drop(w);
    assert_eq!(
        take(&rx, 6),
        [
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Ok,
            Action::Digit(3),
            Action::Red
        ]
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "the held OK acted once"
    );
}

#[test]
fn lircd_lines_become_actions_and_a_restarted_lircd_is_reconnected() {
    let dir = common::scratch("lirc");
    let socket = dir.join("lircd");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let (on_action, rx) = collector();
    sources::spawn(
        &InputSources {
            evdev: vec![],
            lirc: Some(socket.clone()),
        },
        Arc::new(Keymap::builtin()),
        on_action,
    );
    let (mut conn, _) = listener.accept().unwrap();
    conn.write_all(
        b"0000000080010067 00 KEY_UP devinput\n\
          0000000080010067 01 KEY_UP devinput\n\
          BEGIN\nLIST\nSUCCESS\nDATA\n1\n0000000080010067 00 KEY_POWER devinput\nEND\n\
          000000008001016d 00 KEY_EPG devinput\n\
          0000000080010160 00 KEY_OK devinput\n\
          0000000080010160 01 KEY_OK devinput\n",
    )
    .unwrap();
    assert_eq!(
        take(&rx, 4),
        [Action::Up, Action::Up, Action::Guide, Action::Ok]
    );
    // lircd restarts: the reader comes back by itself.
    drop(conn);
    let (mut conn, _) = listener.accept().unwrap();
    conn.write_all(b"00000000800100ce 00 KEY_CHANNELUP devinput\n")
        .unwrap();
    assert_eq!(take(&rx, 1), [Action::ChannelUp]);
}
