//! Runs the sandbox marketplace on loopback until Ctrl-C and prints its banner (base URL and
//! test credentials of both kinds). The Python client check in
//! `mandi-paapi/tests/python/` starts it.
//!
//! ```text
//! cargo run -p mandi-examples --example run_sandbox -- [--port N] [--seed N] [--faults SPEC]
//! ```
//!
//! The first line printed is `BASE_URL=http://127.0.0.1:<port>`, for scripts.

use std::io::Write;
use std::net::SocketAddr;

use mandi_paapi::sandbox::{Faults, Sandbox};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut port = 0u16;
    let mut seed = mandi_paapi::sandbox::DEFAULT_SEED;
    let mut faults = Faults::none();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--port" => port = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--faults" => faults = value()?.parse()?,
            other => anyhow::bail!("unknown argument {other}; use --port, --seed or --faults"),
        }
    }
    let sandbox = Sandbox::builder()
        .seed(seed)
        .faults(faults)
        .bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .start()
        .await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "BASE_URL={}", sandbox.base_url())?;
    writeln!(out, "{}", sandbox.banner())?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
