//! `hustings bench soak`: one app process through a long working life, faster
//! than real time, watching for what a box that runs for months must not do:
//! grow. The real app (the headless runner's [`HeadlessSession`]: controller,
//! player, feed loader, interactive worker, store) is driven by remote keys
//! through thousands of zaps (multicast and HLS, neighbours and cold), guide
//! refreshes of the 1,000-channel × 7-day guide, poll overlays (open, answer,
//! close), archive plays with seeks, and lineup refreshes that add and remove
//! channels. It samples, from a warm-up (every path taken once) to the end:
//! resident memory, open descriptors, threads, GStreamer elements alive and
//! the SQLite WAL's size.
//!
//! The demo headend and the feed server run in a child process (this binary
//! again, `--serve`), so their sockets, threads, elements and memory are not
//! counted as the box's. Elements are counted by a GStreamer tracer of our
//! own (`player::census`: why not the core `leaks` tracer or GLib's
//! instance counts is said there). `HUSTINGS_SOAK_TRIM=1` (a diagnostic)
//! calls glibc's `malloc_trim`, then mimalloc's `mi_collect`, before each
//! sample and prints what each gave back, to tell memory the allocators
//! keep free from growth.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};

use super::runtime;
use crate::app::HeadlessSession;
use crate::config::Config;
use crate::headend::guide_gen::{GuideSpec, write_guide};
use crate::headend::{DEMO_CHANNELS, Headend, HeadendOptions, MulticastMode};
use crate::input::Action;
use crate::player::census::ElementCensus;

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    pub zaps: usize,
    pub guide_refreshes: usize,
    pub overlays: usize,
    pub archive_plays: usize,
    pub lineup_refreshes: usize,
    /// The guide's size (1,000 × 7 for the full run).
    pub guide_channels: usize,
    pub guide_days: u32,
    /// Samples between the warm-up and the end.
    pub samples: usize,
    pub json: bool,
}

impl SoakOptions {
    /// The smoke test's run: every activity and figure, under a minute in a
    /// debug build (a 50-channel × 2-day guide).
    pub fn quick(self) -> SoakOptions {
        SoakOptions {
            zaps: 40,
            guide_refreshes: 2,
            overlays: 3,
            archive_plays: 1,
            lineup_refreshes: 2,
            guide_channels: 50,
            guide_days: 2,
            samples: 4,
            ..self
        }
    }
}

/// Longest wait for one step (a zap, a seek, a saved answer).
const STEP: Duration = Duration::from_secs(30);
/// Longest wait for a feed load (the 1,000 × 7 guide's import; a debug build is slow).
const LOAD: Duration = Duration::from_secs(600);
/// Zaps in the warm-up, besides one of every other activity.
const WARMUP_ZAPS: usize = 30;
/// Channels in the lineup besides the demo's, rotated by lineup refreshes.
const EXTRA_CHANNELS: usize = 40;
/// Guide channel ids the extra channels draw from (each refresh moves on 7).
const EXTRA_POOL: usize = 200;

/// One reading of the process.
#[derive(Debug, Clone, serde::Serialize)]
struct Sample {
    label: String,
    zaps: usize,
    seconds: f64,
    rss_mb: f64,
    /// Of `rss_mb`: anonymous memory (the heaps, stacks, GStreamer's
    /// buffers) and file pages (code and data of the libraries and plugins).
    anon_mb: f64,
    file_mb: f64,
    /// glibc's heap: bytes the program holds, and bytes freed but kept.
    heap_used_mb: f64,
    heap_free_mb: f64,
    /// What mimalloc (Rust's allocator here) holds from the system.
    mimalloc_mb: f64,
    fds: usize,
    threads: usize,
    elements: usize,
    wal_mb: f64,
    #[serde(skip)]
    element_types: BTreeMap<String, usize>,
    #[serde(skip)]
    fd_kinds: BTreeMap<String, usize>,
    #[serde(skip)]
    thread_names: BTreeMap<String, usize>,
}

fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

/// A `kB` figure of `/proc/self/status`, in MB.
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Memory mimalloc has committed (the Rust side's heap), MB.
fn mimalloc_mb() -> f64 {
    let mut v = [0usize; 8];
    let [a, b, c, d, e, f, g, h] = &mut v;
    // SAFETY: mi_process_info writes eight counters through valid pointers.
    unsafe { libmimalloc_sys::mi_process_info(a, b, c, d, e, f, g, h) };
    v[5] as f64 / 1_048_576.0
}

/// glibc's heap over every arena: (held by the program, freed but kept), MB.
fn heap_mb() -> (f64, f64) {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let m = unsafe { libc::mallinfo2() };
    let mb = |b: usize| b as f64 / 1_048_576.0;
    (mb(m.uordblks + m.hblkhd), mb(m.fordblks))
}

fn count_dir(path: &str) -> usize {
    std::fs::read_dir(path).map_or(0, |d| d.count())
}

/// Socket inodes of this network namespace: inode -> "tcp ESTABLISHED" etc.
fn socket_kinds() -> std::collections::HashMap<String, String> {
    const TCP_STATES: [&str; 12] = [
        "?",
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECV",
        "FIN_WAIT1",
        "FIN_WAIT2",
        "TIME_WAIT",
        "CLOSE",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "CLOSING",
    ];
    let mut kinds = std::collections::HashMap::new();
    for proto in ["tcp", "tcp6", "udp", "udp6", "unix"] {
        let Ok(table) = std::fs::read_to_string(format!("/proc/self/net/{proto}")) else {
            continue;
        };
        for line in table.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (inode, kind) = if proto == "unix" {
                (f.get(6), "unix".to_string())
            } else {
                let state = f
                    .get(3)
                    .and_then(|h| usize::from_str_radix(h, 16).ok())
                    .and_then(|i| TCP_STATES.get(i))
                    .copied()
                    .unwrap_or("?");
                let kind = if proto.starts_with("udp") {
                    "udp".to_string()
                } else {
                    format!("tcp {state}")
                };
                (f.get(9), kind)
            };
            if let Some(inode) = inode {
                kinds.insert((*inode).to_string(), kind);
            }
        }
    }
    kinds
}

/// Open descriptors by kind (tcp and its state, udp, unix, pipe,
/// anon_inode:[eventfd], a file's folder).
fn fd_kinds() -> BTreeMap<String, usize> {
    let sockets = socket_kinds();
    let mut kinds = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/fd").into_iter().flatten() {
        let Ok(entry) = entry else { continue };
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let t = target.to_string_lossy();
        let kind = if let Some(inode) = t.strip_prefix("socket:[") {
            let inode = inode.trim_end_matches(']');
            sockets
                .get(inode)
                .cloned()
                .unwrap_or_else(|| "socket".to_string())
        } else if t.starts_with("anon_inode:") {
            t.to_string()
        } else if let Some((k, _)) = t.split_once(':').filter(|_| !t.starts_with('/')) {
            k.to_string()
        } else {
            target
                .parent()
                .map_or_else(|| t.to_string(), |p| p.display().to_string())
        };
        *kinds.entry(kind).or_insert(0) += 1;
    }
    kinds
}

/// Threads by name (`/proc/self/task/*/comm`, digits dropped so a pool's
/// workers count as one kind).
fn thread_names() -> BTreeMap<String, usize> {
    let mut names = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/task").into_iter().flatten() {
        let Ok(entry) = entry else { continue };
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else {
            continue;
        };
        let name: String = comm
            .trim()
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect();
        *names.entry(name).or_insert(0) += 1;
    }
    names
}

fn wal_mb(db: &Path) -> f64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal)).map_or(0.0, |m| m.len() as f64 / 1_048_576.0)
}

fn sample(label: &str, zaps: usize, start: Instant, db: &Path, census: &ElementCensus) -> Sample {
    let element_types = census.by_type();
    if std::env::var_os("HUSTINGS_SOAK_TRIM").is_some() {
        let before = rss_mb();
        let t = Instant::now();
        // SAFETY: malloc_trim has no preconditions.
        unsafe { libc::malloc_trim(0) };
        let (trimmed, trim_time) = (rss_mb(), t.elapsed());
        let t = Instant::now();
        // SAFETY: mi_collect has no preconditions.
        unsafe { libmimalloc_sys::mi_collect(true) };
        eprintln!(
            "soak: malloc_trim: {before:.1} -> {trimmed:.1} MB in {trim_time:?}, then mi_collect -> {:.1} MB in {:?}",
            rss_mb(),
            t.elapsed()
        );
    }
    let (heap_used_mb, heap_free_mb) = heap_mb();
    Sample {
        label: label.to_string(),
        zaps,
        seconds: start.elapsed().as_secs_f64(),
        rss_mb: rss_mb(),
        anon_mb: status_mb("RssAnon:"),
        file_mb: status_mb("RssFile:"),
        heap_used_mb,
        heap_free_mb,
        mimalloc_mb: mimalloc_mb(),
        fds: count_dir("/proc/self/fd"),
        threads: count_dir("/proc/self/task"),
        elements: element_types.values().sum(),
        wal_mb: wal_mb(db),
        element_types,
        fd_kinds: fd_kinds(),
        thread_names: thread_names(),
    }
}

/// The warm-up and end samples: five, half a second apart, with the player
/// on one channel; the one holding the fewest descriptors and threads. A
/// query or a fetch in flight holds a file or a thread for a moment, which
/// is no leak; a leak is there in all five.
fn settled_sample(
    label: &str,
    zaps: usize,
    start: Instant,
    db: &Path,
    census: &ElementCensus,
) -> Sample {
    let mut best: Option<Sample> = None;
    for i in 0..5 {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(500));
        }
        let s = sample(label, zaps, start, db, census);
        if best
            .as_ref()
            .is_none_or(|b| (s.fds, s.threads, s.elements) < (b.fds, b.threads, b.elements))
        {
            best = Some(s);
        }
    }
    best.expect("five samples")
}

/// What the child serving the feeds tells its parent.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Served {
    /// The demo headend (channels, archive, interactive feed).
    headend: String,
    multicast: bool,
    /// The demo headend's signing key (archive and interactive feeds are signed).
    key: String,
    /// Serves the folder the parent writes the lineup and guide into.
    feeds: String,
}

/// The child process: the demo headend and a static server over `dir`
/// (the lineup and guide the parent writes), until its stdin closes.
pub fn serve(dir: &Path) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let mut headend = Headend::start(HeadendOptions {
            state_dir: Some(dir.join("headend")),
            multicast: MulticastMode::Auto,
            ..Default::default()
        })
        .await
        .context("starting the demo headend")?;
        headend.wait_for_archive().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let files = axum::Router::new()
            .fallback_service(tower_http::services::ServeDir::new(dir.join("feeds")));
        tokio::spawn(async move { axum::serve(listener, files).await });
        let served = Served {
            headend: headend.url().to_string(),
            multicast: headend.multicast(),
            key: headend.demo_public_key().to_string(),
            feeds: format!("http://{addr}/"),
        };
        println!("{}", serde_json::to_string(&served)?);
        std::io::stdout().flush().ok();
        // The parent holds our stdin: its end (exit or crash) ends us.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        })
        .await?;
        drop(headend);
        anyhow::Ok(())
    })?;
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

/// The lineup of generation `generation`: each demo channel over multicast
/// (1..=N) and over HLS (N+1..=2N), then [`EXTRA_CHANNELS`] more (from 100,
/// HLS) that move on by 7 a refresh, so each refresh adds and removes some.
fn lineup(served: &Served, generation: usize) -> String {
    let n = DEMO_CHANNELS.len();
    let instance = served
        .headend
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(0);
    let hls = |i: usize| {
        format!(
            "{}hls/{}/index.m3u8",
            served.headend,
            DEMO_CHANNELS[i % n].id
        )
    };
    let mut out = String::from("#EXTM3U\n");
    let mut entry = |number: usize, guide: usize, name: &str, group: &str, url: &str| {
        out.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"ch{guide}.civic\" tvg-chno=\"{number}\" group-title=\"{group}\",{name}\n{url}\n"
        ));
    };
    for (i, ch) in DEMO_CHANNELS.iter().enumerate() {
        let url = if served.multicast {
            ch.multicast_url(instance)
        } else {
            hls(i)
        };
        entry(
            i + 1,
            i,
            &format!("{} (multicast)", ch.name),
            "Multicast",
            &url,
        );
    }
    for (i, ch) in DEMO_CHANNELS.iter().enumerate() {
        entry(
            n + i + 1,
            n + i,
            &format!("{} (HLS)", ch.name),
            "HLS",
            &hls(i),
        );
    }
    for k in 0..EXTRA_CHANNELS {
        let id = (generation * 7 + k) % EXTRA_POOL;
        entry(
            100 + id,
            2 * n + id,
            &format!("Extra {id}"),
            "Extra",
            &hls(id),
        );
    }
    out
}

/// Writes `body` to `path` through a rename (the server never serves half a file).
fn replace_file(path: &Path, body: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, body).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// Whether the `k`-th of `count` events spread over `total` steps falls at step `i`.
fn due(i: usize, total: usize, count: usize) -> usize {
    if total == 0 {
        return 0;
    }
    (i + 1) * count / total - i * count / total
}

/// The soak run's state between steps.
struct Run<'a> {
    s: HeadlessSession,
    guide: PathBuf,
    lineup: PathBuf,
    served: &'a Served,
    /// Feed loads asked for (the app counts those applied).
    loads: u64,
    lineup_generation: usize,
    guide_time: SystemTime,
    /// The channel number on screen, and where neighbour zaps go next.
    number: u32,
    up: bool,
    seed: u64,
    zaps: usize,
    failed_zaps: usize,
    overlays: usize,
    archive_plays: usize,
    seeks: usize,
    guide_refreshes: usize,
    lineup_refreshes: usize,
}

impl Run<'_> {
    fn real_channels(&self) -> u32 {
        2 * DEMO_CHANNELS.len() as u32
    }

    fn next_random(&mut self) -> u64 {
        // A fixed LCG: the same run every time.
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.seed >> 33
    }

    /// Waits for the zap just started; a failure is counted, not fatal.
    fn finish_zap(&mut self, before: Option<u64>) -> anyhow::Result<()> {
        let step = format!("zap {}", self.zaps + 1);
        self.s
            .wait_until(&step, STEP, |app| app.current_zap() != before)?;
        self.zaps += 1;
        match self.s.await_zap(&step, STEP) {
            Ok(record) => self.number = record.number,
            Err(e) => {
                self.failed_zaps += 1;
                eprintln!("soak: {e}");
                if self.failed_zaps > 10 + self.zaps / 20 {
                    bail!(
                        "too many failed zaps ({} of {})",
                        self.failed_zaps,
                        self.zaps
                    );
                }
            }
        }
        Ok(())
    }

    /// Enters a channel number on the remote.
    fn cold_zap(&mut self, number: u32) -> anyhow::Result<()> {
        let before = self.s.app().current_zap();
        for d in number.to_string().bytes() {
            self.s.press(Action::Digit(d - b'0'));
        }
        self.s.press(Action::Ok);
        self.finish_zap(before)
    }

    /// One zap: most go to the channel next door (walking up and down the
    /// multicast and HLS block), every fifth is typed in (any channel).
    fn zap(&mut self) -> anyhow::Result<()> {
        let real = self.real_channels();
        if self.zaps % 5 == 4 || self.number == 0 || self.number > real {
            let pick = self.next_random() as usize % (real as usize + 10);
            let number = if pick < real as usize {
                pick as u32 + 1
            } else {
                // One of the extra channels in the lineup now.
                let id = (self.lineup_generation * 7 + pick) % EXTRA_POOL;
                100 + id as u32
            };
            return self.cold_zap(number);
        }
        if self.number >= real {
            self.up = false;
        } else if self.number <= 1 {
            self.up = true;
        }
        let before = self.s.app().current_zap();
        self.s.press(if self.up {
            Action::ChannelUp
        } else {
            Action::ChannelDown
        });
        self.finish_zap(before)
    }

    /// Asks for the feeds again and waits until the load is in.
    fn reload(&mut self) -> anyhow::Result<()> {
        self.loads += 1;
        let want = self.loads;
        self.s.app_mut().reload_feeds();
        self.s
            .wait_until("feed refresh", LOAD, move |app| app.feed_loads() >= want)?;
        Ok(())
    }

    /// A new guide on the server (a newer file time: the conditional GET
    /// fetches it again), then a refresh: a full import.
    fn guide_refresh(&mut self) -> anyhow::Result<()> {
        self.guide_time += Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&self.guide)?
            .set_modified(self.guide_time)?;
        self.reload()?;
        self.guide_refreshes += 1;
        Ok(())
    }

    /// A lineup that adds and removes channels, then a refresh (the guide
    /// unchanged: not modified).
    fn lineup_refresh(&mut self) -> anyhow::Result<()> {
        self.lineup_generation += 1;
        replace_file(
            &self.lineup,
            lineup(self.served, self.lineup_generation).as_bytes(),
        )?;
        self.reload()?;
        self.lineup_refreshes += 1;
        Ok(())
    }

    /// Opens a poll on live TV, answers it, waits for the outbox to have
    /// it, closes it.
    fn overlay(&mut self) -> anyhow::Result<()> {
        self.s.wait_until("interactive feed", STEP, |app| {
            app.interact_item_count() > 0
        })?;
        self.s.press(Action::Red);
        self.s.settle();
        for _ in 0..8 {
            if self.s.app().overlay_state() == "poll" {
                break;
            }
            self.s.press(Action::Right);
        }
        if self.s.app().overlay_state() != "poll" {
            bail!(
                "overlay: no poll to open (state {})",
                self.s.app().overlay_state()
            );
        }
        // Single choice: OK chooses, OK confirms. Multiple choice: OK
        // ticks the option, Green goes on, OK confirms.
        let mut ticked = false;
        for _ in 0..4 {
            match self.s.app().overlay_state() {
                "poll" if ticked => self.s.press(Action::Green),
                "poll" => {
                    ticked = true;
                    self.s.press(Action::Ok)
                }
                "confirm" => self.s.press(Action::Ok),
                _ => break,
            }
        }
        self.s.wait_until("poll answer saved", STEP, |app| {
            matches!(app.overlay_state(), "saved" | "failed")
        })?;
        self.s.press(Action::Back);
        self.s.settle();
        if self.s.app().overlay_state() != "closed" {
            self.s.press(Action::Back);
        }
        self.overlays += 1;
        Ok(())
    }

    /// Menu → Archive → plays the first speech, seeks four times, leaves,
    /// back to live TV on a typed channel.
    fn archive_play(&mut self) -> anyhow::Result<()> {
        use crate::app::nav::{MENU, Screen};
        self.s.wait_until("archive catalogue", STEP, |app| {
            app.archive_item_count() > 0
        })?;
        self.s.press(Action::Menu);
        let archive = MENU.iter().position(|s| *s == Screen::Archive).unwrap_or(3);
        for _ in 0..archive {
            self.s.press(Action::Down);
        }
        self.s.press(Action::Ok);
        if self.s.app().screen() != Screen::Archive {
            bail!("archive: the menu opened {:?}", self.s.app().screen());
        }
        let before = self.s.app().current_zap();
        self.s.press(Action::Ok);
        self.s
            .wait_until("archive play", STEP, move |app| app.current_zap() != before)?;
        self.s.await_zap("archive play", STEP)?;
        for key in [
            Action::FastForward,
            Action::Right,
            Action::Rewind,
            Action::Left,
        ] {
            self.s.press(key);
            self.s
                .wait_until("archive seek", STEP, |app| !app.seeking())?;
            self.seeks += 1;
        }
        self.s.press(Action::Back);
        self.s.press(Action::Back);
        self.s.press(Action::Back);
        self.s.settle();
        if self.s.app().screen() != Screen::Live {
            self.s.press(Action::Home);
        }
        self.archive_plays += 1;
        self.number = 0;
        self.cold_zap(1)
    }

    /// The same state for every comparison: channel 1 playing, two seconds
    /// on, tuned cold from channel 3. Not from wherever the run was: from a
    /// channel next door, 1 would come from its pre-joined socket (another
    /// source element and thread) instead of its own.
    ///
    /// Then the box at rest, as a viewer watching leaves it: what the zaps freed
    /// has been given back (`platform::memory`), which comes a second after
    /// a zap or up to its shortest gap after the last release. Sampled
    /// before that, warm-up and end would differ by where they fell in it.
    fn steady(&mut self) -> anyhow::Result<()> {
        self.cold_zap(3)?;
        self.cold_zap(1)?;
        let released = self.s.app().memory_releases();
        // Not an error if it came before the count was read: then it is done.
        let _ = self.s.wait_until(
            "memory given back",
            crate::platform::memory::MIN_GAP + Duration::from_secs(2),
            |app| app.memory_releases() > released,
        );
        self.s.watch(Duration::from_secs(2));
        Ok(())
    }
}

pub fn run(o: SoakOptions) -> anyhow::Result<ExitCode> {
    if let Some(code) = super::bench::rerun_in_private_netns()? {
        return Ok(code);
    }
    let tmp = tempfile::tempdir().context("temporary directory")?;
    let feeds = tmp.path().join("feeds");
    std::fs::create_dir_all(&feeds)?;
    let guide = feeds.join("guide.xml");
    let spec = GuideSpec {
        channels: o.guide_channels,
        days: o.guide_days,
        start: chrono::Utc::now().timestamp() - 86_400,
        ..Default::default()
    };
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&guide)?);
        write_guide(&mut out, &spec)?;
        out.flush()?;
    }
    let guide_mb = std::fs::metadata(&guide)?.len() as f64 / 1_048_576.0;

    // The headend and the feed server: another process, not measured.
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["bench", "soak", "--serve"])
        .arg(tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting the headend process")?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("the headend's stdout")?)
        .read_line(&mut line)?;
    let served: Served = serde_json::from_str(line.trim())
        .with_context(|| format!("the headend process said {line:?}"))?;
    if !served.multicast {
        eprintln!("no loopback multicast here: every channel is HLS");
    }
    let lineup_file = feeds.join("lineup.m3u");
    replace_file(&lineup_file, lineup(&served, 0).as_bytes())?;

    let mut config = Config::default();
    config.feeds.lineup = vec![format!("{}lineup.m3u", served.feeds)];
    config.feeds.guide = vec![format!("{}guide.xml", served.feeds)];
    config.feeds.archive = vec![format!("{}archive/catalogue.json", served.headend)];
    config.feeds.interact = vec![format!("{}interact/feed.json", served.headend)];
    // Refreshes come when the bench asks, not on the clock.
    config.feeds.refresh_minutes = 24 * 60;
    config.state_dir = Some(tmp.path().join("state"));
    config.multicast_interface = Some("lo".into());
    let pinned = crate::trust::PinnedKey::from_base64(&served.key, None, "the demo headend's key")?;
    for feed in [&mut config.trust.archive, &mut config.trust.interact] {
        feed.keys.push(served.key.clone());
    }
    config.trust.publishers.insert(
        pinned.id().to_string(),
        super::demo::DEMO_PUBLISHER.to_string(),
    );
    let db = crate::store::Store::path_in(&config.state_dir());

    crate::player::init()?;
    // Before the app makes its first element.
    let census = ElementCensus::start();
    let rt = runtime()?;
    let start = Instant::now();
    let s = HeadlessSession::start(rt.handle(), &config, 1280, 720, &tmp.path().join("shots"))?;
    let mut run = Run {
        s,
        guide: guide.clone(),
        lineup: lineup_file,
        served: &served,
        loads: 0,
        lineup_generation: 0,
        guide_time: SystemTime::now(),
        number: 0,
        up: true,
        seed: 17,
        zaps: 0,
        failed_zaps: 0,
        overlays: 0,
        archive_plays: 0,
        seeks: 0,
        guide_refreshes: 0,
        lineup_refreshes: 0,
    };
    // The first load (the lineup, the first guide import) and the first channel.
    run.loads = 1;
    run.s
        .wait_until("first load", LOAD, |app| app.feed_loads() >= 1)?;
    run.s
        .wait_until("first channel", STEP, |app| app.current_zap().is_some())?;
    let _ = run.s.await_zap("first channel", STEP);

    // Warm-up: every path once (and zaps enough to reach every channel), so
    // what is made once (plugins, pools, caches) is in the baseline.
    for _ in 0..WARMUP_ZAPS {
        run.zap()?;
    }
    run.guide_refresh()?;
    run.lineup_refresh()?;
    run.overlay()?;
    run.archive_play()?;
    run.steady()?;
    let counted_from = (
        run.zaps,
        run.guide_refreshes,
        run.lineup_refreshes,
        run.overlays,
        run.archive_plays,
    );
    let warm = settled_sample("warm-up", 0, start, &db, &census);
    let mut samples = vec![warm.clone()];
    let every = (o.zaps / o.samples.max(1)).max(1);
    let mut max_wal = warm.wal_mb;
    print_header(&o, guide_mb, served.multicast);
    print_row(&warm);
    for i in 0..o.zaps {
        run.zap()?;
        for _ in 0..due(i, o.zaps, o.guide_refreshes) {
            run.guide_refresh()?;
            max_wal = max_wal.max(wal_mb(&db));
        }
        for _ in 0..due(i, o.zaps, o.lineup_refreshes) {
            run.lineup_refresh()?;
        }
        for _ in 0..due(i, o.zaps, o.overlays) {
            run.overlay()?;
        }
        for _ in 0..due(i, o.zaps, o.archive_plays) {
            run.archive_play()?;
        }
        if (i + 1) % every == 0 && i + 1 < o.zaps {
            let s = sample(&format!("{} zaps", i + 1), i + 1, start, &db, &census);
            max_wal = max_wal.max(s.wal_mb);
            print_row(&s);
            samples.push(s);
        }
    }
    run.steady()?;
    let end = settled_sample("end", o.zaps, start, &db, &census);
    max_wal = max_wal.max(end.wal_mb);
    print_row(&end);
    samples.push(end.clone());

    let counts = serde_json::json!({
        "zaps": run.zaps - counted_from.0,
        "failed_zaps": run.failed_zaps,
        "guide_refreshes": run.guide_refreshes - counted_from.1,
        "lineup_refreshes": run.lineup_refreshes - counted_from.2,
        "overlays": run.overlays - counted_from.3,
        "archive_plays": run.archive_plays - counted_from.4,
        "seeks": run.seeks,
        "memory_releases": run.s.app().memory_releases(),
    });
    let goals = report(&warm, &end, max_wal, &samples);
    if o.json {
        println!(
            "{}",
            serde_json::json!({
                "samples": samples,
                "counts": counts,
                "delta": {
                    "rss_mb": end.rss_mb - warm.rss_mb,
                    "fds": end.fds as i64 - warm.fds as i64,
                    "threads": end.threads as i64 - warm.threads as i64,
                    "elements": end.elements as i64 - warm.elements as i64,
                    "wal_mb": end.wal_mb - warm.wal_mb,
                },
                "max_wal_mb": max_wal,
                "goals": goals,
            })
        );
    }
    println!("done: {counts}");
    drop(run);
    rt.shutdown_timeout(Duration::from_secs(2));
    drop(child.stdin.take());
    let _ = child.wait();
    Ok(ExitCode::SUCCESS)
}

fn print_header(o: &SoakOptions, guide_mb: f64, multicast: bool) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "soak, {profile} build: {} zaps ({}), {} guide refreshes ({} channels x {} days, {guide_mb:.0} MB), {} lineup refreshes, {} poll overlays, {} archive plays",
        o.zaps,
        if multicast {
            "multicast and HLS"
        } else {
            "HLS only"
        },
        o.guide_refreshes,
        o.guide_channels,
        o.guide_days,
        o.lineup_refreshes,
        o.overlays,
        o.archive_plays
    );
    println!(
        "{:<12} {:>7} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>7} {:>8} {:>7}",
        "sample",
        "s",
        "RSS MB",
        "anon",
        "file",
        "heap",
        "free",
        "mimal",
        "fds",
        "threads",
        "elements",
        "WAL MB"
    );
}

fn print_row(s: &Sample) {
    println!(
        "{:<12} {:>7.0} {:>8.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>5} {:>7} {:>8} {:>7.1}",
        s.label,
        s.seconds,
        s.rss_mb,
        s.anon_mb,
        s.file_mb,
        s.heap_used_mb,
        s.heap_free_mb,
        s.mimalloc_mb,
        s.fds,
        s.threads,
        s.elements,
        s.wal_mb
    );
}

/// Prints the deltas and the goals; returns the goals as JSON.
fn report(warm: &Sample, end: &Sample, max_wal: f64, samples: &[Sample]) -> serde_json::Value {
    let rss = end.rss_mb - warm.rss_mb;
    let d = |a: usize, b: usize| b as i64 - a as i64;
    let (fds, threads, elements) = (
        d(warm.fds, end.fds),
        d(warm.threads, end.threads),
        d(warm.elements, end.elements),
    );
    // SQLite truncates the WAL to `journal_size_limit` after a checkpoint.
    let wal_bound = crate::store::WAL_LIMIT_BYTES as f64 / 1_048_576.0;
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("warm-up -> end:");
    println!(
        "  resident memory {:+.1} MB ({:.1} -> {:.1})   (goal <= +10 MB: {})",
        rss,
        warm.rss_mb,
        end.rss_mb,
        met(rss <= 10.0)
    );
    println!(
        "  descriptors     {fds:+} ({} -> {})   (goal 0: {})",
        warm.fds,
        end.fds,
        met(fds <= 0)
    );
    println!(
        "  threads         {threads:+} ({} -> {})   (goal 0: {})",
        warm.threads,
        end.threads,
        met(threads <= 0)
    );
    println!(
        "  elements        {elements:+} ({} -> {})   (goal 0: {})",
        warm.elements,
        end.elements,
        met(elements <= 0)
    );
    println!(
        "  WAL             {:.1} MB at the end, at most {max_wal:.1} MB between refreshes   (goal <= {wal_bound:.0} MB: {})",
        end.wal_mb,
        met(max_wal <= wal_bound)
    );
    let most = |f: fn(&Sample) -> usize| samples.iter().map(f).max().unwrap_or(0);
    println!(
        "  most at any sample: {:.1} MB, {} descriptors, {} threads, {} elements",
        samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max),
        most(|s| s.fds),
        most(|s| s.threads),
        most(|s| s.elements)
    );
    print_changes("elements", &warm.element_types, &end.element_types);
    print_changes("descriptors", &warm.fd_kinds, &end.fd_kinds);
    print_changes("threads", &warm.thread_names, &end.thread_names);
    serde_json::json!({
        "rss": rss <= 10.0,
        "fds": fds <= 0,
        "threads": threads <= 0,
        "elements": elements <= 0,
        "wal": max_wal <= wal_bound,
    })
}

/// The kinds whose counts changed, most changed first.
fn print_changes(what: &str, before: &BTreeMap<String, usize>, after: &BTreeMap<String, usize>) {
    let mut changes: Vec<(String, i64)> = before
        .keys()
        .chain(after.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|k| {
            let (a, b) = (
                before.get(k).copied().unwrap_or(0),
                after.get(k).copied().unwrap_or(0),
            );
            (k.clone(), b as i64 - a as i64)
        })
        .filter(|(_, d)| *d != 0)
        .collect();
    if changes.is_empty() {
        return;
    }
    changes.sort_by_key(|(_, d)| -d.abs());
    let list: Vec<String> = changes
        .iter()
        .take(8)
        .map(|(k, d)| format!("{k} {d:+}"))
        .collect();
    println!("  {what} changed: {}", list.join(", "));
}

#[cfg(test)]
mod tests {
    use super::due;

    #[test]
    fn due_spreads_events_evenly_and_counts_them_all() {
        let at: Vec<usize> = (0..10).map(|i| due(i, 10, 3)).collect();
        assert_eq!(at.iter().sum::<usize>(), 3);
        assert_eq!(at, [0, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
        assert_eq!((0..5).map(|i| due(i, 5, 12)).sum::<usize>(), 12);
        assert_eq!(due(0, 0, 3), 0);
    }
}
