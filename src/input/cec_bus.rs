//! The HDMI-CEC bus as a remote-control source and the box's presence on
//! it: one thread owns the adapter (`platform::cec_linux`), claims a
//! playback address, turns the TV remote's keys into [`Action`]s
//! (`input::cec`), answers the TV (`platform::cec::CecDevice`), becomes the
//! active source when the app starts playing, and says goodbye (Inactive
//! Source, and the TV to standby when configured) when the app stops.
//! When the TV goes to standby the box stops playing (configurable).
//!
//! The loop ([`serve`]) runs over any [`CecBus`], so it is tested with
//! recorded frames; the adapter is only opened by [`spawn`].

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::Duration;

use super::cec::CecKeys;
use super::sources::OnAction;
use super::{Action, Keymap};
use crate::platform::cec::{BROADCAST, CecBus, CecDevice, CecEvent};

/// How long one receive waits before commands are looked at again.
const WAIT: Duration = Duration::from_millis(250);

/// What the app tells the CEC thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CecCommand {
    /// A picture is on screen: wake the TV and become the active source.
    Playing,
    /// The app is stopping.
    Shutdown,
}

/// The box's behaviour on the bus (`[cec]`).
#[derive(Debug, Clone)]
pub struct CecOptions {
    pub osd_name: String,
    /// The TV's standby stops playback (as the Stop key).
    pub follow_tv_standby: bool,
    /// The app stopping puts the TV to standby.
    pub standby_tv: bool,
}

/// Serves the bus until [`CecCommand::Shutdown`] (or the app's handle is
/// gone), or until the bus fails (the error). Transmissions the TV does
/// not acknowledge are logged, not fatal (a TV in deep standby NACKs).
pub fn serve(
    bus: &mut dyn CecBus,
    device: &mut CecDevice,
    keymap: &Keymap,
    commands: &Receiver<CecCommand>,
    options: &CecOptions,
    on_action: &dyn Fn(Action),
) -> io::Result<()> {
    let mut keys = CecKeys::default();
    let send = |bus: &mut dyn CecBus, frames: Vec<Vec<u8>>| {
        for frame in frames {
            if let Err(e) = bus.transmit(&frame) {
                tracing::warn!("HDMI-CEC: {e}");
            }
        }
    };
    loop {
        loop {
            match commands.try_recv() {
                Ok(CecCommand::Playing) if !device.active => send(bus, device.start_playing()),
                Ok(CecCommand::Playing) => {}
                Ok(CecCommand::Shutdown) | Err(TryRecvError::Disconnected) => {
                    send(bus, device.standby(options.standby_tv));
                    return Ok(());
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        let Some(frame) = bus.receive(WAIT)? else {
            continue;
        };
        // Remote keys only when sent to this box (a follower also sees broadcasts).
        let to = frame.first().map(|h| h & 0x0f);
        if to == Some(device.address)
            && to != Some(BROADCAST)
            && let Some(press) = keys.message(&frame, keymap)
            && press.acts()
        {
            on_action(press.action);
        }
        let (replies, event) = device.receive(&frame);
        send(bus, replies);
        match event {
            Some(CecEvent::Standby) if options.follow_tv_standby => {
                tracing::info!("HDMI-CEC: the TV went to standby: stopping playback");
                on_action(Action::Stop)
            }
            Some(event) => tracing::info!("HDMI-CEC: {event:?}"),
            None => {}
        }
    }
}

/// The app's side of the CEC thread.
#[derive(Debug, Clone)]
pub struct CecHandle {
    commands: Sender<CecCommand>,
    done: Arc<std::sync::Mutex<Option<Receiver<()>>>>,
}

impl CecHandle {
    /// A picture is on screen.
    pub fn playing(&self) {
        let _ = self.commands.send(CecCommand::Playing);
    }

    /// Says goodbye on the bus and waits (briefly) until it is said.
    pub fn shutdown(&self) {
        let _ = self.commands.send(CecCommand::Shutdown);
        if let Some(done) = self.done.lock().ok().and_then(|mut d| d.take()) {
            // Bounded: the thread may be waiting to reopen a lost adapter.
            let _ = done.recv_timeout(Duration::from_secs(2));
        }
    }
}

const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Opens the adapter at `path` on its own thread and serves it, reopening
/// with back-off when it fails (1 s doubling to 30 s).
pub fn spawn(
    path: PathBuf,
    options: CecOptions,
    keymap: Arc<Keymap>,
    on_action: OnAction,
) -> io::Result<CecHandle> {
    let (commands, rx) = std::sync::mpsc::channel();
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("cec {}", path.display()))
        .spawn(move || {
            let mut wait = RETRY_FIRST;
            loop {
                let served = (|| {
                    use crate::platform::cec_linux::Adapter;
                    let mut adapter = Adapter::open(&path)?;
                    let address = adapter.claim_playback(&options.osd_name)?;
                    let physical = adapter.physical_address()?;
                    tracing::info!(
                        "HDMI-CEC {}: playback device at logical address {address}, \
                         physical address {:x}.{:x}.{:x}.{:x}",
                        path.display(),
                        physical >> 12,
                        (physical >> 8) & 0xf,
                        (physical >> 4) & 0xf,
                        physical & 0xf
                    );
                    let mut device = CecDevice::new(address, physical, &options.osd_name);
                    serve(&mut adapter, &mut device, &keymap, &rx, &options, &|a| {
                        on_action(a)
                    })
                })();
                match served {
                    Ok(()) => break,
                    Err(e) => {
                        tracing::warn!(
                            "HDMI-CEC {}: {e}; retrying in {} s",
                            path.display(),
                            wait.as_secs()
                        );
                        std::thread::sleep(wait);
                        wait = (wait * 2).min(RETRY_MAX);
                        if matches!(rx.try_recv(), Ok(CecCommand::Shutdown)) {
                            break;
                        }
                    }
                }
            }
            let _ = done_tx.send(());
        })?;
    Ok(CecHandle {
        commands,
        done: Arc::new(std::sync::Mutex::new(Some(done))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    /// Frames as a TV sent them, then the end of the recording.
    struct Recorded {
        frames: VecDeque<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl CecBus for Recorded {
        fn receive(&mut self, _wait: Duration) -> io::Result<Option<Vec<u8>>> {
            self.frames
                .pop_front()
                .map(Some)
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "end of recording"))
        }
        fn transmit(&mut self, frame: &[u8]) -> io::Result<()> {
            self.sent.push(frame.to_vec());
            Ok(())
        }
    }

    fn options(follow: bool, standby_tv: bool) -> CecOptions {
        CecOptions {
            osd_name: "Hustings".into(),
            follow_tv_standby: follow,
            standby_tv,
        }
    }

    fn run(
        frames: &[&[u8]],
        commands: &[CecCommand],
        options: &CecOptions,
    ) -> (io::Result<()>, Vec<Vec<u8>>, Vec<Action>) {
        let mut bus = Recorded {
            frames: frames.iter().map(|f| f.to_vec()).collect(),
            sent: vec![],
        };
        let mut device = CecDevice::new(4, 0x1000, &options.osd_name);
        let (tx, rx) = std::sync::mpsc::channel();
        for c in commands {
            tx.send(*c).unwrap();
        }
        let actions = RefCell::new(vec![]);
        let result = serve(
            &mut bus,
            &mut device,
            &Keymap::builtin(),
            &rx,
            options,
            &|a| actions.borrow_mut().push(a),
        );
        (result, bus.sent, actions.into_inner())
    }

    #[test]
    fn tv_remote_keys_become_actions_and_the_tv_is_answered() {
        let (result, sent, actions) = run(
            &[
                &[0x04, 0x44, 0x01], // Up pressed
                &[0x04, 0x44, 0x01], // held: Up repeats
                &[0x04, 0x45],       // released
                &[0x04, 0x44, 0x00], // Select (OK)
                &[0x04, 0x44, 0x00], // held OK: acts once
                &[0x04, 0x45],
                &[0x08, 0x44, 0x01], // to another playback device: not ours
                &[0x04, 0x46],       // Give OSD Name
            ],
            &[],
            &options(true, false),
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(actions, [Action::Up, Action::Up, Action::Ok]);
        assert_eq!(sent, [[vec![0x40, 0x47], b"Hustings".to_vec()].concat()]);
    }

    #[test]
    fn playing_makes_the_box_the_active_source_once() {
        let (_, sent, _) = run(
            &[&[0x0f, 0x85]], // Request Active Source
            &[CecCommand::Playing, CecCommand::Playing],
            &options(true, false),
        );
        assert_eq!(
            sent,
            [
                vec![0x40, 0x04],             // Image View On
                vec![0x4f, 0x82, 0x10, 0x00], // Active Source 1.0.0.0
                vec![0x4f, 0x82, 0x10, 0x00], // the TV asked who is active
            ]
        );
    }

    #[test]
    fn the_tvs_standby_stops_playback_when_configured() {
        let standby: &[&[u8]] = &[&[0x0f, 0x36]];
        let (_, _, actions) = run(standby, &[], &options(true, false));
        assert_eq!(actions, [Action::Stop]);
        let (_, _, actions) = run(standby, &[], &options(false, false));
        assert_eq!(actions, []);
    }

    #[test]
    fn shutting_down_leaves_the_bus_and_the_tv_on_unless_configured() {
        let (result, sent, _) = run(
            &[],
            &[CecCommand::Playing, CecCommand::Shutdown],
            &options(true, false),
        );
        result.unwrap();
        assert_eq!(
            sent.last().unwrap(),
            &vec![0x40, 0x9d, 0x10, 0x00],
            "Inactive Source"
        );
        let (_, sent, _) = run(
            &[],
            &[CecCommand::Playing, CecCommand::Shutdown],
            &options(true, true),
        );
        assert_eq!(sent.last().unwrap(), &vec![0x40, 0x36], "the TV to standby");
    }
}
