//! Choosing an HLS variant for a speech: the best the connection carries and
//! the board decodes in hardware (an HEVC variant is skipped where HEVC would
//! be decoded in software), read from the master playlist with m3u8-rs.

use url::Url;

use super::hls::HlsError;

/// A variant of a master playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub url: String,
    pub bandwidth: u64,
    pub codecs: Option<String>,
    pub height: Option<u64>,
}

/// What the box can play well.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// Measured throughput (bits per second); None = not measured yet.
    pub bandwidth: Option<u64>,
    /// HEVC is decoded in hardware here.
    pub hevc_hardware: bool,
    /// Tallest picture the output shows (e.g. 1080).
    pub max_height: Option<u64>,
}

fn is_hevc(codecs: &str) -> bool {
    codecs
        .split(',')
        .any(|c| c.trim().starts_with("hvc1") || c.trim().starts_with("hev1"))
}

/// The variants of a master playlist, resolved against its URL; None when
/// the playlist is a media playlist (nothing to choose).
pub fn variants(bytes: &[u8], url: &Url) -> Result<Option<Vec<Variant>>, HlsError> {
    let err = |message: String| HlsError {
        source_name: url.to_string(),
        message,
    };
    match m3u8_rs::parse_playlist_res(bytes).map_err(|e| err(e.to_string()))? {
        m3u8_rs::Playlist::MediaPlaylist(_) => Ok(None),
        m3u8_rs::Playlist::MasterPlaylist(m) => {
            let mut out = Vec::new();
            for v in m.variants.iter().filter(|v| !v.is_i_frame) {
                let resolved = url
                    .join(&v.uri)
                    .map_err(|e| err(format!("variant {:?}: {e}", v.uri)))?;
                if !matches!(resolved.scheme(), "http" | "https") {
                    return Err(err(format!("variant {:?} is not http(s)", v.uri)));
                }
                out.push(Variant {
                    url: resolved.to_string(),
                    bandwidth: v.bandwidth,
                    codecs: v.codecs.clone(),
                    height: v.resolution.map(|r| r.height),
                });
            }
            if out.is_empty() {
                return Err(err("a master playlist without variants".into()));
            }
            Ok(Some(out))
        }
    }
}

/// The variant to play: among those the board decodes well and the screen
/// shows, the highest bandwidth within 80% of the measured throughput (the
/// lowest when none fits; the highest when nothing is measured yet).
pub fn choose<'a>(variants: &'a [Variant], caps: &Capabilities) -> Option<&'a Variant> {
    let playable: Vec<&Variant> = variants
        .iter()
        .filter(|v| caps.hevc_hardware || !v.codecs.as_deref().is_some_and(is_hevc))
        .filter(|v| match (caps.max_height, v.height) {
            (Some(max), Some(h)) => h <= max,
            _ => true,
        })
        .collect();
    let pool = if playable.is_empty() {
        variants.iter().collect()
    } else {
        playable
    };
    match caps.bandwidth {
        None => pool.into_iter().max_by_key(|v| v.bandwidth),
        Some(bps) => {
            let budget = bps / 10 * 8;
            pool.iter()
                .filter(|v| v.bandwidth <= budget)
                .max_by_key(|v| v.bandwidth)
                .or_else(|| pool.iter().min_by_key(|v| v.bandwidth))
                .copied()
        }
    }
}

/// The master playlist to hand the player: only the variants this box plays
/// well (as [`choose`] filters them), the chosen one first — hlsdemux2 starts
/// with the first variant and then switches among the rest by the bandwidth
/// it measures — with every URI made absolute. None for a media playlist.
pub fn playable_master(
    bytes: &[u8],
    url: &Url,
    caps: &Capabilities,
) -> Result<Option<Vec<u8>>, HlsError> {
    let Some(all) = variants(bytes, url)? else {
        return Ok(None);
    };
    let Some(chosen) = choose(&all, caps).map(|v| v.url.clone()) else {
        return Ok(None);
    };
    let keep: Vec<&Variant> = all
        .iter()
        .filter(|v| caps.hevc_hardware || !v.codecs.as_deref().is_some_and(is_hevc))
        .filter(|v| match (caps.max_height, v.height) {
            (Some(max), Some(h)) => h <= max,
            _ => true,
        })
        .collect();
    let err = |message: String| HlsError {
        source_name: url.to_string(),
        message,
    };
    let m3u8_rs::Playlist::MasterPlaylist(mut master) =
        m3u8_rs::parse_playlist_res(bytes).map_err(|e| err(e.to_string()))?
    else {
        return Ok(None);
    };
    let absolute = |uri: &str| url.join(uri).map(|u| u.to_string()).unwrap_or_default();
    for v in &mut master.variants {
        v.uri = absolute(&v.uri);
    }
    for a in &mut master.alternatives {
        a.uri = a.uri.as_deref().map(absolute);
    }
    master
        .variants
        .retain(|v| v.is_i_frame || keep.iter().any(|k| k.url == v.uri) || v.uri == chosen);
    master.variants.sort_by_key(|v| v.uri != chosen);
    let mut out = Vec::new();
    master.write_to(&mut out).map_err(|e| err(e.to_string()))?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &str = "#EXTM3U\n\
        #EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.42e01e,mp4a.40.2\"\nlow/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS=\"avc1.640028,mp4a.40.2\"\nmid/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS=\"hvc1.1.6.L120.90,mp4a.40.2\"\nhevc/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=12000000,RESOLUTION=3840x2160,CODECS=\"avc1.640033,mp4a.40.2\"\nuhd/index.m3u8\n";

    fn all() -> Vec<Variant> {
        let url = Url::parse("http://h/archive/s1/master.m3u8").unwrap();
        variants(MASTER.as_bytes(), &url).unwrap().unwrap()
    }

    #[test]
    fn hevc_is_skipped_without_hardware_and_the_bandwidth_decides() {
        let v = all();
        assert_eq!(v[0].url, "http://h/archive/s1/low/index.m3u8");
        let pick = |caps: Capabilities| {
            choose(&v, &caps)
                .unwrap()
                .url
                .rsplit('/')
                .nth(1)
                .unwrap()
                .to_string()
        };
        let box1080 = |bw, hevc| Capabilities {
            bandwidth: bw,
            hevc_hardware: hevc,
            max_height: Some(1080),
        };
        assert_eq!(
            pick(box1080(Some(10_000_000), false)),
            "mid",
            "no software HEVC, no 4K on 1080p"
        );
        assert_eq!(pick(box1080(Some(10_000_000), true)), "hevc");
        assert_eq!(
            pick(box1080(Some(2_000_000), true)),
            "low",
            "80% of 2 Mbit/s"
        );
        assert_eq!(
            pick(box1080(Some(100_000), true)),
            "low",
            "the lowest when none fits"
        );
        assert_eq!(
            pick(Capabilities::default()),
            "uhd",
            "nothing known: the best"
        );
    }

    #[test]
    fn the_player_gets_only_playable_variants_with_the_chosen_one_first() {
        let url = Url::parse("http://h/archive/s1/master.m3u8").unwrap();
        let caps = Capabilities {
            bandwidth: Some(4_000_000),
            hevc_hardware: false,
            max_height: Some(1080),
        };
        let text = playable_master(MASTER.as_bytes(), &url, &caps)
            .unwrap()
            .unwrap();
        let v = variants(&text, &url).unwrap().unwrap();
        let names: Vec<&str> = v.iter().map(|v| v.url.as_str()).collect();
        assert_eq!(
            names,
            [
                "http://h/archive/s1/mid/index.m3u8",
                "http://h/archive/s1/low/index.m3u8"
            ]
        );
        assert_eq!(v[0].codecs.as_deref(), Some("avc1.640028,mp4a.40.2"));
        let media = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n";
        assert_eq!(playable_master(media, &url, &caps).unwrap(), None);
    }

    #[test]
    fn a_media_playlist_has_no_choice_and_bad_variants_are_refused() {
        let url = Url::parse("http://h/a/index.m3u8").unwrap();
        let media = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n";
        assert_eq!(variants(media, &url).unwrap(), None);
        let hostile = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nfile:///etc/passwd\n";
        let e = variants(hostile, &url).unwrap_err();
        assert!(e.to_string().contains("not http(s)"), "{e}");
    }
}
