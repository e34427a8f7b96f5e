//! `hustings interact list|answer|signup|flush|outbox`: polls and sign-up
//! forms from the command line, through the same feed cache and outbox as
//! the TV app, so scripts and tests drive the real path. Never prints a
//! payload (form answers are personal data).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Subcommand;

use super::{ClientArgs, config_from, runtime};
use crate::config::Config;
use crate::interact::{
    self, Consent, Item, Outbox, OutboxError, Recorded, Submitter, Which, schedule,
};
use crate::net::HttpClient;

/// Exit status of `answer` when this box has already answered the poll.
pub const ALREADY_ANSWERED: u8 = 3;

#[derive(Debug, Subcommand)]
pub enum InteractCommand {
    /// Items in force now, with their ids and option (or field) ids.
    List {
        #[arg(long)]
        json: bool,
        /// Only what applies on this channel (lineup/guide id).
        #[arg(long)]
        channel: Option<String>,
        /// Only what applies during this programme.
        #[arg(long, requires = "channel")]
        programme: Option<String>,
    },
    /// Answer a poll: recorded durably, then delivery is tried once. Exit 0 once
    /// recorded (delivered or not), 3 when this box has already answered it.
    Answer {
        item: String,
        /// Option ids (several only for a multiple-choice poll).
        #[arg(required = true)]
        options: Vec<String>,
    },
    /// Fill a sign-up form. Nothing is stored or sent without --consent.
    Signup {
        item: String,
        /// A field's value, as ID=VALUE (repeat for each field).
        #[arg(long = "field", value_name = "ID=VALUE")]
        fields: Vec<String>,
        /// Accept the form's privacy notice (printed without it).
        #[arg(long)]
        consent: bool,
    },
    /// Deliver what is pending; exit 0 once the outbox is empty, 1 on timeout.
    Flush {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60.0, value_name = "S")]
        timeout: f64,
    },
    /// What waits to be sent (ids, attempts, last error; no answers).
    Outbox {
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `interact` subcommand.
pub fn run(args: &ClientArgs, command: InteractCommand) -> anyhow::Result<ExitCode> {
    let mut ctx = Ctx::open(args)?;
    match command {
        InteractCommand::List {
            json,
            channel,
            programme,
        } => list(&mut ctx, json, channel.as_deref(), programme.as_deref()),
        InteractCommand::Answer { item, options } => answer(&mut ctx, &item, &options),
        InteractCommand::Signup {
            item,
            fields,
            consent,
        } => signup(&mut ctx, &item, &fields, consent),
        InteractCommand::Flush { timeout } => flush(&mut ctx, timeout),
        InteractCommand::Outbox { json } => outbox(&ctx, json),
    }
}

struct Ctx {
    config: Config,
    outbox: Outbox,
    rt: tokio::runtime::Runtime,
    submitter: Submitter,
}

impl Ctx {
    fn open(args: &ClientArgs) -> anyhow::Result<Ctx> {
        let config = config_from(args)?;
        let outbox = Outbox::open(&Outbox::path_in(&config.state_dir()))?;
        let submitter = Submitter::configured(
            Duration::from_millis(config.interact.submit_timeout_ms),
            &config.trust,
        )?;
        Ok(Ctx {
            config,
            outbox,
            rt: runtime()?,
            submitter,
        })
    }

    /// Every item of the configured feeds (refreshed; the last good copy on failure).
    fn items(&self) -> anyhow::Result<Vec<Item>> {
        let urls = &self.config.feeds.interact;
        if urls.is_empty() {
            bail!("no interactive feed configured ([feeds] interact, or --server URL)");
        }
        let http = HttpClient::for_config(&self.config)?;
        // Answers go only where a feed that passed its check says.
        let gate = super::trust_gate(&self.config)?;
        let loaded = self.rt.block_on(interact::load(
            &http,
            &self.outbox,
            urls,
            interact::SponsorRules {
                allow_unsponsored: self.config.interact.allow_unsponsored,
                jurisdiction: self.config.transparency.jurisdiction,
            },
            Some(&gate),
        ));
        for p in &loaded.problems {
            eprintln!("interact: {p}");
        }
        Ok(loaded.items)
    }

    fn item(&self, id: &str) -> anyhow::Result<Item> {
        self.items()?
            .into_iter()
            .find(|i| i.id == id)
            .with_context(|| format!("no interactive item {id:?} (see `hustings interact list`)"))
    }

    /// Tries to deliver everything pending once; reports, never fails the command.
    fn deliver_once(&mut self) {
        match self.rt.block_on(self.outbox.deliver_pending(
            &self.submitter,
            self.config.clock.now_millis(),
            Which::All,
        )) {
            Ok(d) if d.pending == 0 => eprintln!("delivered; the outbox is empty"),
            Ok(d) => eprintln!("{} pending, delivery will be retried", d.pending),
            Err(e) => eprintln!("delivery: {e}"),
        }
    }
}

fn list(
    ctx: &mut Ctx,
    json: bool,
    channel: Option<&str>,
    programme: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let items = ctx.items()?;
    let now = ctx.config.clock.now();
    let shown: Vec<&Item> = match channel {
        Some(_) => schedule::items_in_force(&items, channel, programme, now),
        None => items
            .iter()
            .filter(|i| schedule::in_window(i, now))
            .collect(),
    };
    if json {
        let mut out = Vec::new();
        for i in shown {
            let mut v = serde_json::to_value(i)?;
            v["answered"] = serde_json::json!(ctx.outbox.has_answered(&i.id)?);
            out.push(v);
        }
        println!("{}", serde_json::to_string(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    for i in shown {
        let text = i.question.as_deref().unwrap_or(&i.title);
        println!("{}\t{}\t{}", i.id, i.kind.as_str(), text);
        for o in &i.options {
            println!("  {}\t{}", o.id, o.label);
        }
        for f in &i.fields {
            let required = if f.required { "required" } else { "optional" };
            let kind = serde_json::to_value(f.kind)?;
            let kind = kind.as_str().unwrap_or_default();
            println!("  {}\t{kind}\t{required}\t{}", f.id, f.label);
        }
        if let Some(s) = &i.sponsor {
            println!("  ({s})");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn answer(ctx: &mut Ctx, id: &str, options: &[String]) -> anyhow::Result<ExitCode> {
    let item = ctx.item(id)?;
    let now = ctx.config.clock.utc();
    let sub =
        interact::submission::poll_answer(&item, options, interact::new_key(), now.timestamp())?;
    match ctx.outbox.record(&sub, now.timestamp_millis()) {
        Ok(Recorded::New | Recorded::AlreadyRecorded) => {}
        Err(OutboxError::AlreadyAnswered { item }) => {
            eprintln!("poll {item}: this box has already answered it");
            return Ok(ExitCode::from(ALREADY_ANSWERED));
        }
        Err(e) => return Err(e.into()),
    }
    println!("saved {}", sub.key);
    ctx.deliver_once();
    Ok(ExitCode::SUCCESS)
}

fn signup(ctx: &mut Ctx, id: &str, fields: &[String], consent: bool) -> anyhow::Result<ExitCode> {
    let item = ctx.item(id)?;
    let mut answers = BTreeMap::new();
    for f in fields {
        let (k, v) = f.split_once('=').with_context(|| {
            format!(
                "--field {:?}: expected ID=VALUE",
                f.split('=').next().unwrap_or("")
            )
        })?;
        answers.insert(k.to_string(), v.to_string());
    }
    if !consent {
        eprintln!(
            "{}\nPrivacy notice: {}\n{}",
            item.title,
            item.privacy.as_deref().unwrap_or("(none)"),
            item.sponsor
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default()
        );
        bail!(
            "{id}: consent not given (--consent accepts the privacy notice above); nothing was stored or sent"
        );
    }
    let now = ctx.config.clock.utc();
    let sub = interact::submission::signup(
        &item,
        &answers,
        &ctx.config.interact.country,
        Consent::given(&item, now.timestamp()),
        interact::new_key(),
        now.timestamp(),
    )?;
    ctx.outbox.record(&sub, now.timestamp_millis())?;
    println!("saved {}", sub.key);
    ctx.deliver_once();
    Ok(ExitCode::SUCCESS)
}

fn flush(ctx: &mut Ctx, timeout: f64) -> anyhow::Result<ExitCode> {
    let limit =
        Duration::try_from_secs_f64(timeout).context("--timeout: not a number of seconds")?;
    let deadline = Instant::now() + limit;
    // The first round sends everything (a person asked); later rounds keep to the backoff.
    let mut which = Which::All;
    loop {
        let d = ctx.rt.block_on(ctx.outbox.deliver_pending(
            &ctx.submitter,
            ctx.config.clock.now_millis(),
            which,
        ))?;
        which = Which::Due;
        if d.pending == 0 {
            eprintln!("the outbox is empty");
            return Ok(ExitCode::SUCCESS);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            eprintln!("{} still pending after {timeout} s", d.pending);
            return Ok(ExitCode::FAILURE);
        }
        let next = d
            .next_attempt_at
            .unwrap_or_else(|| ctx.config.clock.now_millis());
        let wait =
            Duration::from_millis(next.saturating_sub(ctx.config.clock.now_millis()).max(0) as u64);
        std::thread::sleep(wait.min(left));
    }
}

fn outbox(ctx: &Ctx, json: bool) -> anyhow::Result<ExitCode> {
    let pending = ctx.outbox.pending()?;
    if json {
        println!("{}", serde_json::to_string(&pending)?);
        return Ok(ExitCode::SUCCESS);
    }
    for p in &pending {
        println!(
            "{}\t{}\t{}\t{} attempts\t{}",
            p.key,
            p.item,
            p.kind,
            p.attempts,
            p.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
