//! A loopback multicast self-test: can this host send and receive a multicast
//! datagram on `lo` without it ever leaving the machine?
//!
//! Used by `hustings doctor` and by the headend to decide whether to offer
//! multicast. The probe sends with TTL 0 from 127.0.0.1 out of `lo` only.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// The group the probe uses (administratively scoped, never routed).
const PROBE_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 77, 77);

/// Sends one datagram to a multicast group on loopback and waits up to
/// `wait` for it to come back. Err says which step failed.
pub fn loopback_multicast_works(wait: Duration) -> Result<(), String> {
    let receiver = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| format!("socket: {e}"))?;
    receiver
        .set_reuse_address(true)
        .map_err(|e| format!("SO_REUSEADDR: {e}"))?;
    receiver
        .bind(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0).into())
        .map_err(|e| format!("bind: {e}"))?;
    let port = receiver
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket_ipv4())
        .map(|a| a.port())
        .ok_or("no local port")?;
    receiver
        .join_multicast_v4(&PROBE_GROUP, &Ipv4Addr::LOCALHOST)
        .map_err(|e| format!("joining {PROBE_GROUP} on lo: {e}"))?;
    let receiver: UdpSocket = receiver.into();
    receiver
        .set_read_timeout(Some(wait))
        .map_err(|e| e.to_string())?;

    let sender = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| format!("socket: {e}"))?;
    sender
        .set_multicast_if_v4(&Ipv4Addr::LOCALHOST)
        .map_err(|e| format!("IP_MULTICAST_IF lo: {e}"))?;
    sender
        .set_multicast_ttl_v4(0)
        .map_err(|e| format!("TTL 0: {e}"))?;
    sender
        .set_multicast_loop_v4(true)
        .map_err(|e| format!("IP_MULTICAST_LOOP: {e}"))?;
    sender
        .bind(&SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0).into())
        .map_err(|e| format!("bind 127.0.0.1: {e}"))?;
    let payload = b"hustings-multicast-probe";
    sender
        .send_to(payload, &SocketAddrV4::new(PROBE_GROUP, port).into())
        .map_err(|e| format!("sending to {PROBE_GROUP}:{port} on lo: {e}"))?;
    let mut buf = [0u8; 64];
    match receiver.recv_from(&mut buf) {
        Ok((n, _)) if &buf[..n] == payload => Ok(()),
        Ok(_) => Err("received an unexpected datagram".into()),
        Err(e) => Err(format!(
            "nothing received on lo within {} ms: {e}",
            wait.as_millis()
        )),
    }
}
