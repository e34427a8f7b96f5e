//! The Linux CEC API (`/dev/cecN`, `linux/cec.h`): the adapter as a
//! [`CecBus`]. The kernel polls for and claims the logical address
//! (`CEC_ADAP_S_LOG_ADDRS` as a playback device), answers the core
//! messages itself (physical address, CEC version, vendor id) and hands
//! this file handle, as follower (`CEC_S_MODE`), everything else sent to
//! the box: the TV remote's <User Control Pressed>, <Standby>, <Set Stream
//! Path> ... (`CEC_RECEIVE`); frames go out with `CEC_TRANSMIT`.
//!
//! The structs mirror the kernel's byte for byte (checked against sizes
//! and offsets printed by a C program compiled with linux/cec.h); the
//! ioctl numbers use the asm-generic encoding (x86, Arm, AArch64, RISC-V).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

use super::cec::CecBus;

/// `CEC_MAX_MSG_SIZE`.
pub const MAX_MSG: usize = 16;
const MAX_LOG_ADDRS: usize = 4;
const LOG_ADDR_INVALID: u8 = 0xff;
const LOG_ADDR_TYPE_PLAYBACK: u8 = 3;
const PRIM_DEVTYPE_PLAYBACK: u8 = 4;
const ALL_DEVTYPE_PLAYBACK: u8 = 0x10;
const CEC_VERSION_1_4: u8 = 5;
const VENDOR_ID_NONE: u32 = 0xffff_ffff;
/// Take the unregistered address 15 when 4, 8 and 11 are all taken.
const LOG_ADDRS_FL_ALLOW_UNREG_FALLBACK: u32 = 1;
const CAP_LOG_ADDRS: u32 = 1 << 1;
const MODE_INITIATOR: u32 = 0x1;
const MODE_FOLLOWER: u32 = 0x10;
const TX_STATUS_OK: u8 = 1;
/// `CEC_PHYS_ADDR_INVALID`: no HDMI sink connected (or no EDID yet).
pub const PHYS_ADDR_INVALID: u16 = 0xffff;

/// `struct cec_msg`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CecMsg {
    pub tx_ts: u64,
    pub rx_ts: u64,
    pub len: u32,
    /// Milliseconds CEC_RECEIVE waits (0 = forever).
    pub timeout: u32,
    pub sequence: u32,
    pub flags: u32,
    pub msg: [u8; MAX_MSG],
    pub reply: u8,
    pub rx_status: u8,
    pub tx_status: u8,
    pub tx_arb_lost_cnt: u8,
    pub tx_nack_cnt: u8,
    pub tx_low_drive_cnt: u8,
    pub tx_error_cnt: u8,
}

impl CecMsg {
    /// A message to send: the frame's bytes (header, opcode, operands).
    pub fn frame(bytes: &[u8]) -> io::Result<CecMsg> {
        if bytes.is_empty() || bytes.len() > MAX_MSG {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a CEC frame has 1 to 16 bytes, not {}", bytes.len()),
            ));
        }
        let mut m = CecMsg {
            len: bytes.len() as u32,
            ..Default::default()
        };
        m.msg[..bytes.len()].copy_from_slice(bytes);
        Ok(m)
    }

    /// The frame's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.msg[..(self.len as usize).min(MAX_MSG)]
    }
}

/// `struct cec_log_addrs`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CecLogAddrs {
    pub log_addr: [u8; MAX_LOG_ADDRS],
    pub log_addr_mask: u16,
    pub cec_version: u8,
    pub num_log_addrs: u8,
    pub vendor_id: u32,
    pub flags: u32,
    pub osd_name: [u8; 15],
    pub primary_device_type: [u8; MAX_LOG_ADDRS],
    pub log_addr_type: [u8; MAX_LOG_ADDRS],
    pub all_device_types: [u8; MAX_LOG_ADDRS],
    pub features: [[u8; 12]; MAX_LOG_ADDRS],
}

impl CecLogAddrs {
    fn zeroed() -> Self {
        CecLogAddrs {
            log_addr: [0; MAX_LOG_ADDRS],
            log_addr_mask: 0,
            cec_version: 0,
            num_log_addrs: 0,
            vendor_id: 0,
            flags: 0,
            osd_name: [0; 15],
            primary_device_type: [0; MAX_LOG_ADDRS],
            log_addr_type: [0; MAX_LOG_ADDRS],
            all_device_types: [0; MAX_LOG_ADDRS],
            features: [[0; 12]; MAX_LOG_ADDRS],
        }
    }

    /// One playback device (CEC 1.4, no vendor id) named `osd_name`
    /// (14 bytes at most, NUL-terminated).
    pub fn playback(osd_name: &str) -> Self {
        let mut la = Self::zeroed();
        la.cec_version = CEC_VERSION_1_4;
        la.num_log_addrs = 1;
        la.vendor_id = VENDOR_ID_NONE;
        la.flags = LOG_ADDRS_FL_ALLOW_UNREG_FALLBACK;
        let name = osd_name.as_bytes();
        let n = name.len().min(14);
        la.osd_name[..n].copy_from_slice(&name[..n]);
        la.primary_device_type[0] = PRIM_DEVTYPE_PLAYBACK;
        la.log_addr_type[0] = LOG_ADDR_TYPE_PLAYBACK;
        la.all_device_types[0] = ALL_DEVTYPE_PLAYBACK;
        la
    }
}

/// `struct cec_caps`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CecCaps {
    pub driver: [u8; 32],
    pub name: [u8; 32],
    pub available_log_addrs: u32,
    pub capabilities: u32,
    pub version: u32,
}

/// `_IOC(dir, 'a', nr, size)` in the asm-generic layout.
const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | ((b'a' as u32) << 8) | nr
}
const WRITE: u32 = 1;
const READ: u32 = 2;

pub const ADAP_G_CAPS: u32 = ioc(READ | WRITE, 0, size_of::<CecCaps>());
pub const ADAP_G_PHYS_ADDR: u32 = ioc(READ, 1, size_of::<u16>());
pub const ADAP_G_LOG_ADDRS: u32 = ioc(READ, 3, size_of::<CecLogAddrs>());
pub const ADAP_S_LOG_ADDRS: u32 = ioc(READ | WRITE, 4, size_of::<CecLogAddrs>());
pub const TRANSMIT: u32 = ioc(READ | WRITE, 5, size_of::<CecMsg>());
pub const RECEIVE: u32 = ioc(READ | WRITE, 6, size_of::<CecMsg>());
pub const S_MODE: u32 = ioc(WRITE, 9, size_of::<u32>());

/// An opened CEC adapter.
pub struct Adapter {
    file: File,
}

impl Adapter {
    /// Opens `/dev/cecN`.
    pub fn open(path: &Path) -> io::Result<Adapter> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        Ok(Adapter { file })
    }

    /// One ioctl on the adapter with `arg` in and out.
    fn ioctl<T>(&self, request: u32, arg: &mut T) -> io::Result<()> {
        // SAFETY: `request` is one of the CEC ioctls above, each declared
        // with the size of the `#[repr(C)]` type `T` passed here; the kernel
        // reads and writes at most that many bytes of `arg`.
        let r = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                request as _,
                arg as *mut T as *mut libc::c_void,
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// The HDMI physical address (`PHYS_ADDR_INVALID` with no TV connected).
    pub fn physical_address(&self) -> io::Result<u16> {
        let mut pa: u16 = PHYS_ADDR_INVALID;
        self.ioctl(ADAP_G_PHYS_ADDR, &mut pa)?;
        Ok(pa)
    }

    /// Claims a playback device's logical address (the kernel polls 4, 8,
    /// 11, else takes 15) unless the adapter already is one, and makes this
    /// handle initiator and follower. Returns the address.
    pub fn claim_playback(&self, osd_name: &str) -> io::Result<u8> {
        let mut current = CecLogAddrs::zeroed();
        self.ioctl(ADAP_G_LOG_ADDRS, &mut current)?;
        let claimed = current.num_log_addrs > 0 && current.log_addr[0] != LOG_ADDR_INVALID;
        let address = if claimed && current.log_addr_type[0] == LOG_ADDR_TYPE_PLAYBACK {
            // A playback device already (cec-ctl, or an earlier run).
            current.log_addr[0]
        } else {
            let mut caps = CecCaps {
                driver: [0; 32],
                name: [0; 32],
                available_log_addrs: 0,
                capabilities: 0,
                version: 0,
            };
            self.ioctl(ADAP_G_CAPS, &mut caps)?;
            if caps.capabilities & CAP_LOG_ADDRS == 0 {
                return Err(io::Error::other(
                    "the adapter's logical addresses are set by its driver, not as a playback device",
                ));
            }
            if current.num_log_addrs > 0 {
                // Something else (or a claim still waiting for the TV): clear it first,
                // a configured adapter refuses new addresses (EBUSY).
                let mut none = CecLogAddrs::zeroed();
                self.ioctl(ADAP_S_LOG_ADDRS, &mut none)?;
            }
            // Blocking: returns once the kernel has polled and claimed, or at
            // once when there is no physical address (no TV) to claim with.
            let mut wanted = CecLogAddrs::playback(osd_name);
            self.ioctl(ADAP_S_LOG_ADDRS, &mut wanted)?;
            wanted.log_addr[0]
        };
        if address == LOG_ADDR_INVALID {
            return Err(io::Error::other(
                "no logical address claimed yet (is the TV connected and on?)",
            ));
        }
        let mut mode = MODE_INITIATOR | MODE_FOLLOWER;
        self.ioctl(S_MODE, &mut mode)?;
        Ok(address)
    }
}

impl CecBus for Adapter {
    fn receive(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
        let mut m = CecMsg {
            timeout: wait.as_millis().clamp(1, u32::MAX as u128) as u32,
            ..Default::default()
        };
        match self.ioctl(RECEIVE, &mut m) {
            Ok(()) => Ok(Some(m.bytes().to_vec())),
            Err(e) if e.raw_os_error() == Some(libc::ETIMEDOUT) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn transmit(&mut self, frame: &[u8]) -> io::Result<()> {
        let mut m = CecMsg::frame(frame)?;
        self.ioctl(TRANSMIT, &mut m)?;
        if m.tx_status & TX_STATUS_OK == 0 {
            return Err(io::Error::other(format!(
                "{frame:02x?} not acknowledged (tx_status {:#04x}, {} NACKs)",
                m.tx_status, m.tx_nack_cnt
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    /// Printed by a C program against Debian 12's linux/cec.h (linux-libc-dev 6.1).
    #[test]
    fn structs_and_ioctl_numbers_match_the_kernel_header() {
        assert_eq!(size_of::<CecMsg>(), 56);
        assert_eq!(
            [
                offset_of!(CecMsg, len),
                offset_of!(CecMsg, timeout),
                offset_of!(CecMsg, flags),
                offset_of!(CecMsg, msg),
                offset_of!(CecMsg, reply),
                offset_of!(CecMsg, rx_status),
                offset_of!(CecMsg, tx_status),
            ],
            [16, 20, 28, 32, 48, 49, 50]
        );
        assert_eq!(size_of::<CecLogAddrs>(), 92);
        assert_eq!(
            [
                offset_of!(CecLogAddrs, log_addr_mask),
                offset_of!(CecLogAddrs, cec_version),
                offset_of!(CecLogAddrs, num_log_addrs),
                offset_of!(CecLogAddrs, vendor_id),
                offset_of!(CecLogAddrs, flags),
                offset_of!(CecLogAddrs, osd_name),
                offset_of!(CecLogAddrs, primary_device_type),
                offset_of!(CecLogAddrs, log_addr_type),
                offset_of!(CecLogAddrs, all_device_types),
                offset_of!(CecLogAddrs, features),
            ],
            [4, 6, 7, 8, 12, 16, 31, 35, 39, 43]
        );
        assert_eq!(size_of::<CecCaps>(), 76);
        assert_eq!(
            [
                ADAP_G_CAPS,
                ADAP_G_PHYS_ADDR,
                ADAP_G_LOG_ADDRS,
                ADAP_S_LOG_ADDRS,
                TRANSMIT,
                RECEIVE,
                S_MODE
            ],
            [
                0xc04c6100, 0x80026101, 0x805c6103, 0xc05c6104, 0xc0386105, 0xc0386106, 0x40046109
            ]
        );
    }

    #[test]
    fn a_playback_claim_is_encoded_as_the_kernel_expects() {
        let la = CecLogAddrs::playback("Hustings set-top box");
        assert_eq!(&la.osd_name, b"Hustings set-t\0", "14 bytes and the NUL");
        assert_eq!(
            (la.num_log_addrs, la.cec_version, la.vendor_id, la.flags),
            (1, 5, 0xffff_ffff, 1)
        );
        assert_eq!(
            (
                la.log_addr_type[0],
                la.primary_device_type[0],
                la.all_device_types[0]
            ),
            (3, 4, 0x10),
            "CEC_LOG_ADDR_TYPE_PLAYBACK, CEC_OP_PRIM_DEVTYPE_PLAYBACK, CEC_OP_ALL_DEVTYPE_PLAYBACK"
        );
        assert_eq!(la.log_addr_type[1..], [0, 0, 0], "one address only");
    }

    #[test]
    fn frames_go_in_and_out_of_a_message() {
        let m = CecMsg::frame(&[0x4f, 0x82, 0x10, 0x00]).unwrap();
        assert_eq!(m.len, 4);
        assert_eq!(m.bytes(), [0x4f, 0x82, 0x10, 0x00]);
        assert_eq!(&m.msg[4..], [0; 12]);
        assert!(CecMsg::frame(&[]).is_err());
        let err = CecMsg::frame(&[0; 17]).unwrap_err();
        assert_eq!(err.to_string(), "a CEC frame has 1 to 16 bytes, not 17");
        let garbled = CecMsg {
            len: 99,
            ..Default::default()
        };
        assert_eq!(garbled.bytes().len(), 16, "a bad length cannot overrun");
    }

    #[test]
    fn a_missing_adapter_is_an_error_not_a_panic() {
        let err = Adapter::open(Path::new("/dev/cec-not-here")).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
