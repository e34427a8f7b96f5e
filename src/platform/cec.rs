//! HDMI-CEC as a playback device (CEC 1.4 / 2.0): the messages the box
//! sends and how it answers the TV, as plain bytes in and out, so the
//! protocol is tested without an adapter. The Linux CEC device
//! (`/dev/cecN`, where the kernel claims the logical address and the TV's
//! <User Control Pressed> frames arrive) carries these frames; remote keys
//! are mapped by `input::cec`.
//!
//! A frame is `[initiator << 4 | destination, opcode, operands...]`;
//! destination 15 is broadcast.

/// Where frames come from and go to: the Linux adapter
/// (`cec_linux::Adapter`), or recorded frames in tests.
pub trait CecBus {
    /// The next frame sent to the box, or None when nothing came within `wait`.
    fn receive(&mut self, wait: std::time::Duration) -> std::io::Result<Option<Vec<u8>>>;
    /// Sends a frame (header, opcode, operands).
    fn transmit(&mut self, frame: &[u8]) -> std::io::Result<()>;
}

/// The TV's logical address.
pub const TV: u8 = 0;
/// Broadcast.
pub const BROADCAST: u8 = 15;
/// Logical addresses a playback device may claim, in order (CEC 1.4 table 5).
pub const PLAYBACK_ADDRESSES: [u8; 3] = [4, 8, 11];

/// Opcodes used here (CEC 1.4 table 7 onwards).
pub mod op {
    pub const IMAGE_VIEW_ON: u8 = 0x04;
    pub const TEXT_VIEW_ON: u8 = 0x0d;
    pub const STANDBY: u8 = 0x36;
    pub const USER_CONTROL_PRESSED: u8 = 0x44;
    pub const USER_CONTROL_RELEASED: u8 = 0x45;
    pub const GIVE_OSD_NAME: u8 = 0x46;
    pub const SET_OSD_NAME: u8 = 0x47;
    pub const ROUTING_CHANGE: u8 = 0x80;
    pub const ACTIVE_SOURCE: u8 = 0x82;
    pub const GIVE_PHYSICAL_ADDRESS: u8 = 0x83;
    pub const REPORT_PHYSICAL_ADDRESS: u8 = 0x84;
    pub const REQUEST_ACTIVE_SOURCE: u8 = 0x85;
    pub const SET_STREAM_PATH: u8 = 0x86;
    pub const DEVICE_VENDOR_ID: u8 = 0x87;
    pub const GIVE_DEVICE_VENDOR_ID: u8 = 0x8c;
    pub const GIVE_DEVICE_POWER_STATUS: u8 = 0x8f;
    pub const REPORT_POWER_STATUS: u8 = 0x90;
    pub const INACTIVE_SOURCE: u8 = 0x9d;
    pub const CEC_VERSION: u8 = 0x9e;
    pub const GET_CEC_VERSION: u8 = 0x9f;
    pub const FEATURE_ABORT: u8 = 0x00;
}

/// Device type "playback device" in <Report Physical Address>.
const PLAYBACK_DEVICE: u8 = 4;
/// <Feature Abort> reason "unrecognized opcode".
const UNRECOGNIZED: u8 = 0;

/// What the box should do because of a message from the TV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CecEvent {
    /// The TV went to standby (or told everyone to): the box follows.
    Standby,
    /// The TV switched its input to this box.
    Selected,
    /// The TV switched to another input.
    Deselected,
}

/// The box on the CEC bus.
#[derive(Debug, Clone)]
pub struct CecDevice {
    /// The claimed logical address.
    pub address: u8,
    /// The HDMI physical address (from the EDID), e.g. 0x1000 for 1.0.0.0.
    pub physical: u16,
    /// What the TV shows as the source's name (at most 14 bytes).
    pub osd_name: String,
    /// Whether the box is the active source.
    pub active: bool,
}

impl CecDevice {
    pub fn new(address: u8, physical: u16, osd_name: &str) -> Self {
        let mut name = osd_name.to_string();
        while name.len() > 14 {
            name.pop();
        }
        CecDevice {
            address,
            physical,
            osd_name: name,
            active: false,
        }
    }

    fn header(&self, to: u8) -> u8 {
        (self.address << 4) | (to & 0x0f)
    }

    fn pa(&self) -> [u8; 2] {
        self.physical.to_be_bytes()
    }

    /// Playing starts: wake the TV and become the active source.
    pub fn start_playing(&mut self) -> Vec<Vec<u8>> {
        self.active = true;
        vec![
            vec![self.header(TV), op::IMAGE_VIEW_ON],
            [
                vec![self.header(BROADCAST), op::ACTIVE_SOURCE],
                self.pa().to_vec(),
            ]
            .concat(),
        ]
    }

    /// The box goes to standby: no longer the source; optionally the TV too.
    pub fn standby(&mut self, tv_too: bool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if self.active {
            out.push(
                [
                    vec![self.header(TV), op::INACTIVE_SOURCE],
                    self.pa().to_vec(),
                ]
                .concat(),
            );
        }
        self.active = false;
        if tv_too {
            out.push(vec![self.header(TV), op::STANDBY]);
        }
        out
    }

    /// Answers a frame from the bus (replies to send, and what it means for
    /// the box). Frames not for this box, and remote keys (`input::cec`),
    /// give nothing here.
    pub fn receive(&mut self, frame: &[u8]) -> (Vec<Vec<u8>>, Option<CecEvent>) {
        let (Some(&head), Some(&opcode)) = (frame.first(), frame.get(1)) else {
            return (vec![], None);
        };
        let (from, to) = (head >> 4, head & 0x0f);
        if to != self.address && to != BROADCAST {
            return (vec![], None);
        }
        let operand_pa = || (frame.len() >= 4).then(|| u16::from_be_bytes([frame[2], frame[3]]));
        let reply_to = |d: &CecDevice, op: u8, operands: &[u8]| {
            [vec![d.header(from), op], operands.to_vec()].concat()
        };
        match opcode {
            op::STANDBY => {
                self.active = false;
                (vec![], Some(CecEvent::Standby))
            }
            op::GIVE_PHYSICAL_ADDRESS => {
                let [hi, lo] = self.pa();
                (
                    vec![vec![
                        self.header(BROADCAST),
                        op::REPORT_PHYSICAL_ADDRESS,
                        hi,
                        lo,
                        PLAYBACK_DEVICE,
                    ]],
                    None,
                )
            }
            op::GIVE_OSD_NAME => (
                vec![reply_to(self, op::SET_OSD_NAME, self.osd_name.as_bytes())],
                None,
            ),
            op::GIVE_DEVICE_POWER_STATUS => {
                (vec![reply_to(self, op::REPORT_POWER_STATUS, &[0])], None)
            }
            op::GET_CEC_VERSION => (vec![reply_to(self, op::CEC_VERSION, &[0x05])], None),
            op::GIVE_DEVICE_VENDOR_ID => {
                // No registered vendor id: 0x000000 is what unregistered devices report.
                (
                    vec![vec![self.header(BROADCAST), op::DEVICE_VENDOR_ID, 0, 0, 0]],
                    None,
                )
            }
            op::REQUEST_ACTIVE_SOURCE if self.active => (
                vec![
                    [
                        vec![self.header(BROADCAST), op::ACTIVE_SOURCE],
                        self.pa().to_vec(),
                    ]
                    .concat(),
                ],
                None,
            ),
            op::SET_STREAM_PATH | op::ROUTING_CHANGE | op::ACTIVE_SOURCE => {
                // <Routing Change> carries [old, new]; the others [new].
                let new = if opcode == op::ROUTING_CHANGE {
                    (frame.len() >= 6).then(|| u16::from_be_bytes([frame[4], frame[5]]))
                } else {
                    operand_pa()
                };
                match new {
                    Some(pa) if pa == self.physical && opcode != op::ACTIVE_SOURCE => {
                        let was = self.active;
                        let out = self.start_playing();
                        (out, (!was).then_some(CecEvent::Selected))
                    }
                    Some(pa) if pa != self.physical && self.active => {
                        self.active = false;
                        (vec![], Some(CecEvent::Deselected))
                    }
                    _ => (vec![], None),
                }
            }
            op::USER_CONTROL_PRESSED | op::USER_CONTROL_RELEASED | op::REQUEST_ACTIVE_SOURCE => {
                (vec![], None)
            }
            // Directed messages this box does not handle get <Feature Abort>
            // (CEC 1.4 §9.3); broadcasts are ignored.
            _ if to == self.address => (
                vec![reply_to(self, op::FEATURE_ABORT, &[opcode, UNRECOGNIZED])],
                None,
            ),
            _ => (vec![], None),
        }
    }
}

/// The first logical address a playback device may claim that nobody
/// answered a poll on (`taken(address)`: the poll was acknowledged), or
/// the unregistered address 15 when all are taken.
pub fn claim(taken: impl Fn(u8) -> bool) -> u8 {
    PLAYBACK_ADDRESSES
        .into_iter()
        .find(|a| !taken(*a))
        .unwrap_or(BROADCAST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed() -> CecDevice {
        CecDevice::new(4, 0x1000, "Hustings set-top box")
    }

    #[test]
    fn playing_wakes_the_tv_and_claims_the_input() {
        let mut d = boxed();
        assert_eq!(d.osd_name, "Hustings set-t", "14 bytes at most");
        assert_eq!(
            d.start_playing(),
            [vec![0x40, 0x04], vec![0x4f, 0x82, 0x10, 0x00]]
        );
        assert!(d.active);
        assert_eq!(
            d.standby(true),
            [vec![0x40, 0x9d, 0x10, 0x00], vec![0x40, 0x36]],
            "inactive source, then the TV to standby"
        );
    }

    #[test]
    fn the_tv_is_answered_and_its_standby_followed() {
        let mut d = boxed();
        let table: [(&[u8], Vec<Vec<u8>>, Option<CecEvent>); 8] = [
            (&[0x04, 0x83], vec![vec![0x4f, 0x84, 0x10, 0x00, 4]], None),
            (
                &[0x04, 0x46],
                vec![[vec![0x40, 0x47], b"Hustings set-t".to_vec()].concat()],
                None,
            ),
            (&[0x04, 0x8f], vec![vec![0x40, 0x90, 0x00]], None),
            (&[0x04, 0x9f], vec![vec![0x40, 0x9e, 0x05]], None),
            // The TV selects this box's input: it becomes the active source.
            (
                &[0x0f, 0x86, 0x10, 0x00],
                vec![vec![0x40, 0x04], vec![0x4f, 0x82, 0x10, 0x00]],
                Some(CecEvent::Selected),
            ),
            // Another input chosen.
            (
                &[0x0f, 0x80, 0x10, 0x00, 0x20, 0x00],
                vec![],
                Some(CecEvent::Deselected),
            ),
            // Not for this box.
            (&[0x08, 0x83], vec![], None),
            (&[0x0f, 0x36], vec![], Some(CecEvent::Standby)),
        ];
        for (frame, replies, event) in table {
            assert_eq!(d.receive(frame), (replies, event), "{frame:02x?}");
        }
        // Something it does not do, asked directly: <Feature Abort> "unrecognized".
        assert_eq!(d.receive(&[0x04, 0x71]).0, [vec![0x40, 0x00, 0x71, 0x00]]);
        assert_eq!(
            d.receive(&[]).0,
            Vec::<Vec<u8>>::new(),
            "an empty frame is nothing"
        );
    }

    #[test]
    fn the_first_free_playback_address_is_claimed() {
        assert_eq!(claim(|_| false), 4);
        assert_eq!(claim(|a| a == 4), 8);
        assert_eq!(claim(|_| true), 15, "unregistered when all are taken");
    }
}
