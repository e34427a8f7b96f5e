//! Retry delays for the outbox: exponential backoff with jitter, capped.
//!
//! "Equal jitter": half of the exponential delay is fixed, the other half
//! random, so a thousand boxes that lost the headend at the same moment do
//! not all come back at the same second, and none retries in a tight loop.

use std::time::Duration;

/// Delay after the first failure (before jitter).
pub const BASE: Duration = Duration::from_secs(1);
/// Longest delay between two attempts.
pub const CAP: Duration = Duration::from_secs(300);

/// The delay after `attempts` failed attempts (1 = the first failure), with
/// `jitter` in [0, 1] (values outside are clamped).
pub fn delay(attempts: u32, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let full = BASE.saturating_mul(1 << exp).min(CAP);
    let half = full / 2;
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    half + half.mul_f64(jitter)
}

/// [`delay`] with a random jitter.
pub fn random_delay(attempts: u32) -> Duration {
    use rand::RngExt;
    delay(attempts, rand::rng().random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_one_second_to_the_cap_with_half_of_each_jittered() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        for (attempts, jitter, want) in [
            (0, 0.0, ms(500)),
            (1, 0.0, ms(500)),
            (1, 1.0, s(1)),
            (2, 0.0, s(1)),
            (2, 0.5, ms(1500)),
            (3, 1.0, s(4)),
            (9, 1.0, s(256)),
            (10, 0.0, s(150)),
            (10, 1.0, s(300)),
            (u32::MAX, 1.0, s(300)),
            (1, 7.0, s(1)),
            (1, -3.0, ms(500)),
            (1, f64::NAN, ms(500)),
        ] {
            assert_eq!(
                delay(attempts, jitter),
                want,
                "{attempts} attempts, jitter {jitter}"
            );
        }
    }

    #[test]
    fn random_delays_stay_within_the_jitter_band() {
        for attempts in 1..30 {
            let d = random_delay(attempts);
            assert!(
                d >= delay(attempts, 0.0) && d <= delay(attempts, 1.0),
                "{d:?}"
            );
        }
    }
}
