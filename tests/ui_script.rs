//! `hustings demo --headless DIR --script FILE`: every screen reached from
//! Live by remote keys alone, Back and Home lead out of each, number entry
//! tunes, settings and favourites survive a restart, screenshots are taken
//! in normal, large-text, high-contrast and Spanish looks.

mod common;

use std::path::Path;

use serde_json::Value;

/// Runs a script on the demo with `state`; returns its JSON lines.
fn run(state: &Path, out: &Path, script: &str) -> Vec<Value> {
    let run = common::demo_script(state, out, script);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn screens(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l["screen"].as_str().unwrap())
        .collect()
}

fn mean_luma(path: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1920, 1080));
    let px = &buf[..info.buffer_size()];
    px.chunks_exact(3)
        .map(|p| 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64)
        .sum::<f64>()
        / (px.len() / 3) as f64
}

#[test]
fn every_screen_is_reached_by_keys_and_left_by_back_and_home() {
    let state = common::scratch("script-state");
    let out = common::scratch("script-out");
    let lines = run(
        &state,
        &out,
        "Menu\nDown\nOk\nshot guide\nDown\nBack\n\
         Menu\nDown\nDown\nDown\nOk\nshot archive\nBack\n\
         Down\nOk\nshot settings\nBack\nBack\n\
         Guide\nHome\n\
         Digit 3\nwait 2500\n\
         Ok\nDown\nGreen\nBack\n",
    );
    assert_eq!(
        screens(&lines),
        [
            "Menu", "Menu", "Guide", "Guide", "Live", // into the guide and back
            "Menu", "Menu", "Menu", "Menu", "Archive", "Menu", // archive, back to the menu
            "Menu", "Settings", "Menu", "Live", // settings, back, back
            "Guide", "Live", // Home from the guide
            "Live", // a digit
            "Live", "Live", "Live", "Live" // the list, a favourite, closed
        ]
    );
    assert_eq!(lines[1]["focus"], "Programme guide");
    assert_eq!(lines[8]["focus"], "Speech archive", "the menu entry");
    assert_eq!(lines[12]["focus"], "Language: en");
    assert_eq!(lines[17]["focus"], "Channel number 3");
    // The typed number tuned channel 3; the list opens on it; Down wraps to 1.
    let listed = lines[19]["focus"].as_str().unwrap();
    assert!(listed.starts_with("1 Civic One"), "{listed}");
    let favourite = lines[20]["focus"].as_str().unwrap();
    assert!(favourite.contains("favourite"), "{favourite}");
    for shot in ["guide", "archive", "settings"] {
        assert!(out.join(format!("{shot}.png")).exists(), "{shot}");
    }

    // A restart keeps the favourite and comes back on channel 3.
    let lines = run(&state, &out, "Ok\nDown\n");
    assert!(
        lines[0]["focus"]
            .as_str()
            .unwrap()
            .starts_with("3 Campaign News"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1]["focus"].as_str().unwrap().contains("favourite"),
        "{}",
        lines[1]
    );
}

#[test]
fn settings_change_the_look_at_once_and_are_kept() {
    let state = common::scratch("settings-state");
    let out = common::scratch("settings-out");
    let lines = run(
        &state,
        &out,
        "Menu\nDown\nDown\nDown\nDown\nOk\nshot settings-normal\n\
         Down\nRight\nshot settings-large\n\
         Down\nRight\nshot settings-contrast\n\
         Up\nUp\nRight\nshot settings-spanish\n",
    );
    let last = |n: usize| {
        lines[lines.len() - n]["focus"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(last(1), "Language: es");
    assert!(lines.iter().any(|l| l["focus"] == "Text size: Large"));
    assert!(lines.iter().any(|l| l["focus"] == "High contrast: On"));
    // High contrast darkens the screen's panels to black.
    let normal = mean_luma(&out.join("settings-large.png"));
    let contrast = mean_luma(&out.join("settings-contrast.png"));
    assert!(contrast < normal, "contrast {contrast} vs normal {normal}");
    // Each look draws differently.
    let bytes = |n: &str| std::fs::read(out.join(format!("{n}.png"))).unwrap();
    assert_ne!(bytes("settings-normal"), bytes("settings-large"));
    assert_ne!(bytes("settings-contrast"), bytes("settings-spanish"));

    // Kept across a restart.
    let lines = run(
        &state,
        &out,
        "Menu\nDown\nDown\nDown\nDown\nOk\nDown\nDown\n",
    );
    let focus: Vec<&str> = lines.iter().map(|l| l["focus"].as_str().unwrap()).collect();
    assert_eq!(focus[5], "Language: es");
    assert_eq!(focus[6], "Text size: Large");
    assert_eq!(focus[7], "High contrast: On");
}

#[test]
fn the_guide_moves_through_time_and_sets_reminders() {
    let state = common::scratch("guide-state");
    let out = common::scratch("guide-out");
    let lines = run(
        &state,
        &out,
        "Guide\nRight\nRight\nOk\nshot guide-reminder\nOk\nGreen\nshot guide-tomorrow\nYellow\nChannelDown\nDown\nBack\n",
    );
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    let day = |label: &str| label.rsplit(", ").next().unwrap().to_string();
    let today = focus(0);
    // OK on the programme after next (so never one about to start: that
    // reminder would fire at once) sets a reminder; OK again takes it off.
    assert_eq!(lines[3]["screen"], "Guide");
    assert!(focus(3).ends_with(", reminder set"), "{}", focus(3));
    assert!(!focus(4).ends_with("reminder set"), "{}", focus(4));
    // Green: the same time tomorrow; Yellow: back to now.
    assert_ne!(day(&today), day(&focus(5)), "{today} / {}", focus(5));
    assert_eq!(day(&focus(6)), day(&today));
    assert_eq!(lines.last().unwrap()["screen"], "Live");
    assert!(out.join("guide-tomorrow.png").exists());
}

#[test]
fn channels_are_found_by_group_number_and_a_typed_name() {
    let state = common::scratch("channels-state");
    let out = common::scratch("channels-out");
    let lines = run(
        &state,
        &out,
        "Menu\nDown\nDown\nOk\nRight\nRight\nRight\nshot channels-campaign\nLeft\nLeft\nLeft\n\
         Yellow\nDigit 2\nDigit 2\nDigit 2\nDigit 6\nDigit 6\nDigit 6\nshot channels-keyboard\nGreen\n\
         Ok\n",
    );
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    assert_eq!(lines[3]["screen"], "Channels");
    assert!(
        focus(6).starts_with("3 Campaign News"),
        "the Campaign group: {}",
        focus(6)
    );
    assert!(focus(16).starts_with("Search: co"), "{}", focus(16));
    assert_eq!(
        focus(17),
        "2 Council Live",
        "Green: done, the match focused"
    );
    assert_eq!(lines[18]["screen"], "Live", "OK tunes it");
    assert!(focus(18).starts_with("2 Council Live"), "{}", focus(18));
    assert!(out.join("channels-keyboard.png").exists());
}

#[test]
fn programme_details_offer_what_the_time_allows() {
    let state = common::scratch("details-state");
    let out = common::scratch("details-out");
    let lines = run(
        &state,
        &out,
        "Guide\nRight\nInfo\nshot details\nOk\nBack\nLeft\nInfo\nBack\nBack\n",
    );
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    // The demo runs on the tests' clock (10:07): on civic-one "Campaign
    // Trail" is on air (10:00 to 10:30) and the programme to its right
    // begins at 10:30, in the future, whenever the test runs.
    assert_eq!(lines[2]["screen"], "Details");
    assert_eq!(
        focus(2),
        "Town Hall: Housing and Rents: Remind me",
        "a future programme"
    );
    assert_eq!(
        focus(3),
        "Town Hall: Housing and Rents: Remove the reminder"
    );
    assert_eq!(lines[4]["screen"], "Guide");
    assert!(focus(4).ends_with(", reminder set"), "{}", focus(4));
    // The programme on air: watch it, no reminder.
    assert_eq!(focus(6), "Campaign Trail: Watch");
    assert_eq!(lines[8]["screen"], "Live");
    assert!(out.join("details.png").exists());
}

#[test]
fn the_mini_guide_shows_other_channels_and_ok_tunes_one() {
    let state = common::scratch("mini-state");
    let out = common::scratch("mini-out");
    let lines = run(
        &state,
        &out,
        "Right\nshot mini-guide\nRight\nOk\nwait 2000\nInfo\nBack\n",
    );
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    assert!(
        focus(0).starts_with("Mini-guide: 2 Council Live"),
        "{}",
        focus(0)
    );
    assert!(
        focus(1).starts_with("Mini-guide: 3 Campaign News"),
        "{}",
        focus(1)
    );
    assert!(
        focus(2).starts_with("3 Campaign News"),
        "OK tuned it: {}",
        focus(2)
    );
    assert!(
        focus(4).starts_with("1 Civic One"),
        "Back: the previous channel: {}",
        focus(4)
    );
}

#[test]
fn a_pin_keeps_settings_closed_until_it_is_typed() {
    let state = common::scratch("pin-state");
    let out = common::scratch("pin-out");
    let settings = "Menu\nDown\nDown\nDown\nDown\nOk\n";
    let lines = run(
        &state,
        &out,
        &format!(
            "{settings}Down\nDown\nDown\nDown\nDown\nDown\nOk\nshot pin-pad\nDigit 1\nDigit 9\nDigit 4\nDigit 7\nBack\n"
        ),
    );
    let focus = |l: &[Value], i: usize| l[i]["focus"].as_str().unwrap().to_string();
    assert_eq!(focus(&lines, 11), "PIN for Settings: not set");
    assert_eq!(focus(&lines, 12), "PIN pad: 0 of 4 digits");
    assert_eq!(focus(&lines, 15), "PIN pad: 3 of 4 digits");
    assert_eq!(focus(&lines, 16), "PIN for Settings: set");
    assert_eq!(lines.last().unwrap()["screen"], "Menu");

    // After a restart: Settings ask for it; a wrong one keeps them shut.
    let lines = run(
        &state,
        &out,
        &format!(
            "{settings}Digit 0\nDigit 0\nDigit 0\nDigit 0\nOk\nDigit 1\nDigit 9\nDigit 4\nDigit 7\n"
        ),
    );
    assert_eq!(lines[5]["screen"], "Menu", "the PIN pad is over the menu");
    assert_eq!(focus(&lines, 5), "PIN pad: 0 of 4 digits");
    assert_eq!(lines[9]["screen"], "Menu", "a wrong PIN");
    assert_eq!(lines.last().unwrap()["screen"], "Settings");
    assert!(out.join("pin-pad.png").exists());
}

#[test]
fn the_archive_lists_speeches_finds_words_said_and_plays_from_that_moment() {
    let state = common::scratch("archive-state");
    let out = common::scratch("archive-out");
    common::demo_archive(&state);
    let lines = run(
        &state,
        &out,
        "wait 4000\nMenu\nDown\nDown\nDown\nOk\nwait 4000\nshot archive-list\nDown\nUp\n\
         Yellow\nDigit 2\nbusy 1500\nDigit 2\nDigit 8\nDigit 8\nDigit 7\nDigit 7\nDigit 7\nDigit 7\nGreen\nshot archive-search\n\
         Down\nDown\nOk\nwait 3000\nInfo\nshot archive-playing\n\
         Menu\nDown\nDown\nDown\nOk\nwait 1000\nGreen\nwait 6000\nshot archive-downloaded\n",
    );
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    assert_eq!(lines[4]["screen"], "Archive");
    // Newest first: the town hall (a day ago), then the transport speech.
    assert!(
        focus(5).starts_with("Buses that come on time, Tom Price (Green Way)"),
        "{}",
        focus(5)
    );
    assert!(
        focus(6).starts_with("Town hall: our schools"),
        "{}",
        focus(6)
    );
    // Multi-tap goes by when the keys were pressed: the box was busy for
    // 1.5 s between the two presses of 2 (more than the multi-tap second),
    // which were still one "b".
    assert!(focus(15).starts_with("Search: bus"), "{}", focus(15));
    assert_eq!(focus(16), "Buses that come on time", "a title hit first");
    assert!(
        focus(17).contains("at 0:00: I take the number nine «bus»"),
        "{}",
        focus(17)
    );
    assert!(
        focus(18).contains("at 0:08:"),
        "a later moment: {}",
        focus(18)
    );
    // OK starts it once its variants are chosen (the next key is on Live).
    assert_eq!(lines[20]["screen"], "Live", "OK plays it");
    assert!(
        focus(20).starts_with("Buses that come on time, chapter "),
        "{}",
        focus(20)
    );
    for shot in ["archive-list", "archive-search", "archive-playing"] {
        assert!(out.join(format!("{shot}.png")).exists());
    }
    // Back in the archive the search is still there; Green downloaded its
    // first hit for offline viewing.
    let manifest = state.join("cache/archive/price-transport/manifest.json");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["complete"], true, "{m}");
    // Where the viewer got to is kept, to resume there.
    let store =
        hustings::store::Store::open_reader(&hustings::store::Store::path_in(&state)).unwrap();
    let at = store.archive_position("price-transport").unwrap();
    assert!((8.0..=20.5).contains(&at), "resume point {at}");
}

#[test]
fn a_speech_plays_with_chapters_on_colour_keys_a_transcript_panel_and_captions() {
    let state = common::scratch("playback-state");
    let out = common::scratch("playback-out");
    common::demo_archive(&state);
    // The housing speech (chapters at 0, 4 and 12 s; a line every 4 s) is
    // third in the list, newest first.
    let lines = run(
        &state,
        &out,
        "wait 4000\nMenu\nDown\nDown\nDown\nOk\nwait 3000\nDown\nDown\nOk\nwait 3000\n\
         Pause\nwait 500\nRed\nwait 1500\nGreen\nwait 1500\nGreen\nwait 1500\nRed\nwait 500\n\
         Subtitles\nwait 1500\nshot playback-captions\n\
         Yellow\nDown\nDown\nshot playback-transcript\nOk\nwait 1500\n\
         Back\nwait 500\nBack\nwait 1500\n",
    );
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    let screen = |i: usize| lines[i]["screen"].as_str().unwrap().to_string();
    // One line per key: 7 is OK on the speech (it starts once its variants
    // are chosen), 8 Pause. Paused, the positions below do not depend on
    // how fast the machine is: playing, a line read 1.5 s after a key would
    // be one to three seconds further on, and so would be where Red and
    // Green start from.
    assert_eq!(screen(8), "Live", "{}", focus(8));
    assert!(focus(8).starts_with("Homes for everyone"), "{}", focus(8));
    assert!(
        focus(9).contains("chapter Welcome, 0:00"),
        "Red in the first chapter starts it again: {}",
        focus(9)
    );
    assert!(
        focus(10).contains("chapter Rents, 0:04"),
        "Green: {}",
        focus(10)
    );
    assert!(
        focus(11).contains("chapter New homes, 0:12"),
        "Green again: {}",
        focus(11)
    );
    assert!(
        focus(12).contains("chapter Rents, 0:04"),
        "Red, just after a chapter began: {}",
        focus(12)
    );
    assert!(
        focus(13).contains("caption: Rents in this city"),
        "Subtitles turns the transcript's captions on: {}",
        focus(13)
    );
    assert!(
        focus(14).starts_with("Transcript, 0:04: "),
        "Yellow opens on the line said: {}",
        focus(14)
    );
    assert!(
        focus(16).starts_with("Transcript, 0:12: And we will build"),
        "two lines down: {}",
        focus(16)
    );
    assert!(
        focus(17).contains("chapter New homes, 0:12")
            && focus(17).contains("caption: And we will build"),
        "OK played from that line: {}",
        focus(17)
    );
    assert_eq!(screen(18), "Archive", "Back leaves the speech");
    assert_eq!(screen(19), "Menu");
    // It streamed the variants this box plays well: H.264, not HEVC (no
    // hardware HEVC decoder here).
    let master = std::fs::read_to_string(state.join("cache/variants/ruiz-housing.m3u8")).unwrap();
    assert!(
        master.contains("/archive/ruiz-housing/index.m3u8"),
        "{master}"
    );
    assert!(!master.contains("hevc"), "{master}");
    for shot in ["playback-captions", "playback-transcript"] {
        assert!(out.join(format!("{shot}.png")).exists());
    }
}

#[test]
fn the_archive_also_lists_the_lineups_videos_and_past_programmes_with_catchup() {
    let state = common::scratch("sources-state");
    let out = common::scratch("sources-out");
    // The list's order: three speeches, the lineup's video on demand, then catch-up.
    common::demo_archive(&state);
    let output = common::demo_script(
        &state,
        &out,
        "wait 5000\nMenu\nDown\nDown\nDown\nOk\nwait 1000\nDown\nDown\nDown\nOk\nwait 3000\n\
         Right\nwait 500\nBack\nwait 500\nDown\nOk\nwait 1000\n",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    let screen = |i: usize| lines[i]["screen"].as_str().unwrap().to_string();
    assert_eq!(
        focus(7),
        "Council meeting highlights, video on demand, On demand, verified by Hustings demo headend",
        "after the three speeches; the lineup is signed by the demo headend, whose key the demo pins"
    );
    assert_eq!(screen(9), "Live", "{}", focus(9));
    assert!(
        focus(9).starts_with("Council meeting highlights, 0:1"),
        "the video plays and ▶ seeks 10 s: {}",
        focus(9)
    );
    assert_eq!(screen(10), "Archive");
    assert!(
        focus(11).ends_with(", catch-up, verified by Hustings demo headend"),
        "{}",
        focus(11)
    );
    let title = focus(11).split(", ").next().unwrap().to_string();
    assert_eq!(screen(12), "Live");
    // Played through the channel's catch-up template (the demo keeps only
    // ten minutes, so an older programme is refused by the headend; the box
    // asked for the right one).
    // Thumbnails and the channel's logo were shown from the download cache.
    let images: Vec<String> = std::fs::read_dir(state.join("cache/images"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        images.len() >= 4 && images.iter().all(|n| n.ends_with(".svg")),
        "three speeches' thumbnails and a logo: {images:?}"
    );
    assert!(
        stderr.contains(&format!("programme={title} url=")) && stderr.contains("/catchup/"),
        "not played through catch-up: {}",
        stderr
            .lines()
            .filter(|l| l.contains("catch-up"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
