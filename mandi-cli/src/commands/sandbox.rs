//! `mandi sandbox`: run the offline marketplace on loopback for other clients.

use std::net::SocketAddr;
use std::sync::Arc;

use mandi_core::{Clock, ScaledClock, SystemClock};
use mandi_paapi::sandbox::{Faults, Quota, Sandbox, SandboxError};
use serde::Serialize;

use super::{Context, Outcome};
use crate::app::block_on;
use crate::error::{Error, Result};
use crate::output::Output;

const EXAMPLES: &str = "\
Examples:
  mandi sandbox
  mandi sandbox --port 8080 --seed 7
  mandi sandbox --speed 3600          # an hour of prices every second
  mandi sandbox --faults 429=0.1,5xx=0.05,timeout=0.01,malformed=0.01,latency=50ms
  mandi sandbox --tps 1 --tpd 8640     # Amazon's default quota
  mandi sandbox --products 100000      # a catalogue of 100,000 products for runs at scale

It prints its base URL and test credentials (Creators API 2.2 and 3.2, PA-API 5.0), then
serves until Ctrl-C. It binds 127.0.0.1 only.";

/// `mandi sandbox`: an offline amazon.in speaking the Creators API and PA-API 5.0.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Catalogue and price seed (default: from the config, else 42).
    #[arg(long)]
    seed: Option<u64>,
    /// How fast simulated time runs (1 = real time; default: from the config).
    #[arg(long)]
    speed: Option<f64>,
    /// Faults to inject: comma-separated `kind=rate` (429, 5xx, timeout, malformed,
    /// truncated, captcha, glitch: a wrong price or title on one item), `latency=<ms>ms`,
    /// `seed=<n>`.
    #[arg(long, value_name = "SPEC")]
    faults: Option<String>,
    /// Buyable products in the catalogue (default 2,000; 9 to 1,000,000). The default
    /// catalogue's categories keep their shares.
    #[arg(long, value_name = "N")]
    products: Option<usize>,
    /// Requests per second allowed per credential (429 beyond).
    #[arg(long)]
    tps: Option<u32>,
    /// Requests per day allowed per credential (429 beyond).
    #[arg(long)]
    tpd: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    SandboxStarted { base_url: &'a str, seed: u64 },
}

/// Runs `mandi sandbox` until Ctrl-C.
///
/// # Errors
///
/// Bad options, or the port cannot be bound.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let seed = cmd.seed.unwrap_or(settings.sandbox.seed);
    let speed = cmd.speed.unwrap_or(settings.sandbox.speed);
    let clock: Arc<dyn Clock> = if (speed - 1.0).abs() < f64::EPSILON {
        Arc::new(SystemClock)
    } else {
        Arc::new(
            ScaledClock::new(SystemClock, speed)
                .map_err(|e| Error::Input(format!("--speed: {e}")))?,
        )
    };
    let faults = match cmd.faults.as_deref() {
        Some(spec) => spec
            .parse::<Faults>()
            .map_err(|e| Error::Input(format!("--faults: {e}")))?,
        None => Faults::none(),
    };
    let quota = if cmd.tps.is_some() || cmd.tpd.is_some() {
        Quota::new(cmd.tps, cmd.tpd)
    } else {
        Quota::unlimited()
    };
    block_on(async {
        let running = Sandbox::builder()
            .seed(seed)
            .products(
                cmd.products
                    .unwrap_or(mandi_paapi::sandbox::DEFAULT_PRODUCTS),
            )
            .clock(clock)
            // `--speed` runs prices fast; tokens, quotas and signatures keep real time, so a
            // monitor holding an hour's token is not refused after a second.
            .wall_clock(Arc::new(SystemClock))
            .faults(faults)
            .quota(quota)
            .bind(SocketAddr::from(([127, 0, 0, 1], cmd.port)))
            .start()
            .await
            .map_err(|e| match e {
                SandboxError::CatalogSize(e) => Error::Input(format!("--products: {e}")),
                e => Error::Setup {
                    what: "sandbox marketplace",
                    message: e.to_string(),
                },
            })?;
        if out.is_json() {
            out.json(&Document::SandboxStarted {
                base_url: running.base_url(),
                seed,
            })?;
        } else {
            out.line(running.banner())?;
            out.line("serving until Ctrl-C")?;
        }
        out.flush()?;
        tokio::signal::ctrl_c().await.map_err(|e| Error::Setup {
            what: "signal handler",
            message: e.to_string(),
        })?;
        running.shutdown().await;
        Ok(Outcome::Success)
    })
}
