//! Giving freed memory back to the system. Both allocators in the process
//! keep what is freed for reuse: glibc's malloc (GStreamer, GLib, libsoup)
//! holds free chunks in its arenas, mimalloc (the Rust side) holds free
//! pages in each thread's heap. A zap frees a whole pipeline's buffers and a
//! guide import frees a 1,000-channel parse, and the soak (`hustings bench
//! soak`) measured 20 to 30 MB resident that way after every few hundred
//! zaps: memory nobody used, but counted against a box with 512 MB. The
//! app asks for it back when such work has ended ([`GiveBack`] decides
//! when); [`release`] does it.
//!
//! [`release`] takes 1 to 3 ms (measured in the soak, 2 cores), holding each
//! glibc arena's lock in turn, so it runs once after a burst of work and
//! never more often than [`MIN_GAP`]; not on a timer, which would wake an
//! idle box for nothing.

use std::time::{Duration, Instant};

/// Shortest time between two releases: zapping up and down the list ends a
/// zap every few hundred milliseconds, and one release after the burst
/// gives back what each would have.
pub const MIN_GAP: Duration = Duration::from_secs(5);

/// When to release: after work that freed memory has ended, at most once
/// per [`MIN_GAP`]; work ending inside the gap moves the release to the
/// gap's end rather than losing it.
#[derive(Debug, Default)]
pub struct GiveBack {
    due: Option<Instant>,
    last: Option<Instant>,
    polled_true: u64,
}

impl GiveBack {
    /// Work that freed memory ended at `now`; release `after` from now
    /// (time for the last buffers of a pipeline to drain).
    pub fn freed(&mut self, now: Instant, after: Duration) {
        let at = now + after;
        self.due = Some(self.due.map_or(at, |due| due.max(at)));
    }

    /// Whether to release now; a true answer is the release's start.
    pub fn poll(&mut self, now: Instant) -> bool {
        let Some(due) = self.due else {
            return false;
        };
        let allowed = self.last.map_or(due, |last| due.max(last + MIN_GAP));
        if now < allowed {
            return false;
        }
        self.due = None;
        self.last = Some(now);
        self.polled_true += 1;
        true
    }

    /// Releases started so far (true answers of [`GiveBack::poll`]).
    pub fn releases(&self) -> u64 {
        self.polled_true
    }
}

/// What a [`release`] gave back.
#[derive(Debug, Clone, Copy)]
pub struct Released {
    /// Whether glibc returned any memory to the system.
    pub glibc: bool,
    pub took: Duration,
}

/// Returns the allocators' free memory to the system: glibc's `malloc_trim`
/// (every arena: the top of each heap, and whole free pages inside it) and
/// mimalloc's `mi_collect` (this thread's heap and pages of threads that
/// have ended).
pub fn release() -> Released {
    let start = Instant::now();
    // SAFETY: malloc_trim has no preconditions; it locks each arena itself.
    let glibc = unsafe { libc::malloc_trim(0) } == 1;
    // SAFETY: mi_collect has no preconditions; a no-op for a heap that is not in use.
    unsafe { libmimalloc_sys::mi_collect(true) };
    Released {
        glibc,
        took: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn nothing_is_released_before_work_has_freed_memory() {
        let mut g = GiveBack::default();
        let t0 = Instant::now();
        assert!(!g.poll(t0));
        assert!(!g.poll(t0 + 100 * S));
    }

    #[test]
    fn a_release_waits_for_the_drain_then_happens_once() {
        let mut g = GiveBack::default();
        let t0 = Instant::now();
        g.freed(t0, S);
        assert!(!g.poll(t0));
        assert!(g.poll(t0 + S));
        assert!(!g.poll(t0 + 2 * S));
        assert_eq!(g.releases(), 1);
    }

    #[test]
    fn work_ending_inside_the_gap_is_released_at_the_gaps_end() {
        let mut g = GiveBack::default();
        let t0 = Instant::now();
        g.freed(t0, Duration::ZERO);
        assert!(g.poll(t0));
        // A burst of zaps: each frees a pipeline, one release follows.
        for i in 1..=4 {
            g.freed(t0 + i * S / 2, Duration::ZERO);
            assert!(!g.poll(t0 + i * S / 2));
        }
        assert!(!g.poll(t0 + MIN_GAP - S / 10));
        assert!(g.poll(t0 + MIN_GAP));
        assert!(!g.poll(t0 + 2 * MIN_GAP));
    }

    #[test]
    fn later_work_moves_the_release_later_not_earlier() {
        let mut g = GiveBack::default();
        let t0 = Instant::now();
        g.freed(t0, 3 * S);
        g.freed(t0 + S, Duration::ZERO);
        assert!(!g.poll(t0 + 2 * S));
        assert!(g.poll(t0 + 3 * S));
    }

    #[test]
    fn memory_glibc_keeps_after_frees_goes_back_to_the_system() {
        // 40 MB in 4 KiB blocks (below the mmap threshold, so in an arena),
        // each written, then all freed but every 64th: whole free pages
        // inside the heap that only a trim returns.
        let blocks: Vec<*mut u8> = (0..10_000)
            .map(|_| {
                // SAFETY: a plain allocation, checked below.
                let p = unsafe { libc::malloc(4096) }.cast::<u8>();
                assert!(!p.is_null());
                // SAFETY: p points at 4096 writable bytes.
                unsafe { std::ptr::write_bytes(p, 1, 4096) };
                p
            })
            .collect();
        let mut kept = Vec::new();
        for (i, p) in blocks.into_iter().enumerate() {
            if i % 64 == 0 {
                kept.push(p);
            } else {
                // SAFETY: allocated above, freed once.
                unsafe { libc::free(p.cast()) };
            }
        }
        let released = release();
        for p in kept {
            // SAFETY: allocated above, freed once.
            unsafe { libc::free(p.cast()) };
        }
        assert!(released.glibc, "malloc_trim gave nothing back");
    }
}
