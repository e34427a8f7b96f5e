//! The demo headend's RTSP service (`rtsp://127.0.0.1:PORT/<channel>`), as
//! IP cameras, council chamber encoders and some IPTV middleware offer it:
//! GStreamer's RTSP server on a GLib main loop of its own thread. A channel's
//! pipeline is made when the first client asks for it and shared after.
//!
//! ```text
//! videotestsrc (the channel's pattern) ! x264enc (1 s GOP) ! rtph264pay → RTSP/RTP (UDP or TCP)
//! ```

use gstreamer_rtsp_server as rtsp;
use gstreamer_rtsp_server::prelude::*;

use super::DEMO_CHANNELS;

/// A running RTSP server; stopped when dropped.
pub struct RtspServer {
    port: u16,
    main_loop: glib::MainLoop,
}

impl RtspServer {
    /// Starts serving every demo channel on an ephemeral loopback port.
    pub fn start() -> Result<RtspServer, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("rtsp-server".into())
            .spawn(move || {
                let context = glib::MainContext::new();
                let main_loop = glib::MainLoop::new(Some(&context), false);
                let started = context.with_thread_default(|| {
                    let server = rtsp::RTSPServer::new();
                    server.set_address("127.0.0.1");
                    server.set_service("0");
                    let mounts = server.mount_points().ok_or("no mount points")?;
                    for ch in DEMO_CHANNELS {
                        let factory = rtsp::RTSPMediaFactory::new();
                        factory.set_launch(&format!(
                            "( videotestsrc is-live=true pattern={} ! video/x-raw,width=640,height=360,framerate=25/1 \
                             ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=700 key-int-max=25 \
                             ! rtph264pay name=pay0 pt=96 config-interval=-1 )",
                            ch.pattern
                        ));
                        factory.set_shared(true);
                        mounts.add_factory(&format!("/{}", ch.id), factory);
                    }
                    let source = server
                        .attach(Some(&context))
                        .map_err(|e| format!("cannot listen: {e}"))?;
                    Ok::<_, String>((server, source))
                });
                match started {
                    Ok(Ok((server, _source))) => {
                        let port = u16::try_from(server.bound_port()).unwrap_or(0);
                        let _ = tx.send(Ok((port, main_loop.clone())));
                        let _ = context.with_thread_default(|| main_loop.run());
                    }
                    Ok(Err(e)) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        let (port, main_loop) = rx
            .recv()
            .map_err(|_| "the RTSP thread ended".to_string())??;
        Ok(RtspServer { port, main_loop })
    }

    /// The URL of a channel.
    pub fn url(&self, channel: &str) -> String {
        format!("rtsp://127.0.0.1:{}/{channel}", self.port)
    }
}

impl Drop for RtspServer {
    fn drop(&mut self) {
        self.main_loop.quit();
    }
}
