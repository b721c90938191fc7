//! `mandi config path|show|init`.

use serde::Serialize;

use super::{Context, Outcome};
use crate::config::{self, PathOrigin};
use crate::error::Result;
use crate::output::Output;

const EXAMPLES: &str = "\
Examples:
  mandi config path
  mandi config show
  mandi --json config show
  mandi config init
  MANDI_CONFIG_DIR=/tmp/mandi mandi config init";

/// `mandi config`: where the configuration lives and what is in effect.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print the path of the configuration file in use.
    #[command(after_help = "Example:\n  mandi config path")]
    Path,
    /// Print the settings in effect (file and environment), secrets as ***.
    #[command(after_help = "Examples:\n  mandi config show\n  mandi --json config show")]
    Show,
    /// Write a commented starter mandi.toml (never overwrites an existing file).
    #[command(
        after_help = "Examples:\n  mandi config init\n  mandi --config ./mandi.toml config init"
    )]
    Init,
}

/// The JSON documents of this command.
#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    ConfigPath(&'a PathReport),
    Settings(&'a config::SettingsView),
    ConfigInit(&'a PathReport),
}

#[derive(Debug, Serialize)]
struct PathReport {
    path: String,
    origin: PathOrigin,
    exists: bool,
}

/// Runs `mandi config …`.
///
/// # Errors
///
/// The configuration cannot be located, read or written.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let location = ctx.location()?;
    match cmd.action {
        Action::Path => {
            let report = PathReport {
                path: location.path.display().to_string(),
                origin: location.origin,
                exists: location.path.is_file(),
            };
            if out.is_json() {
                out.json(&Document::ConfigPath(&report))?;
            } else {
                out.line(&report.path)?;
                if !report.exists {
                    tracing::info!("the file does not exist yet; `mandi config init` writes one");
                }
            }
        }
        Action::Show => {
            let settings = ctx.settings()?;
            let view = config::view(&settings, &location);
            if out.is_json() {
                out.json(&Document::Settings(&view))?;
            } else {
                let state = if view.config_file_exists {
                    location.origin.describe().to_owned()
                } else {
                    format!("{}, not present: defaults", location.origin.describe())
                };
                out.line(format_args!(
                    "# Settings in effect. Config file: {} ({state}).",
                    view.config_file
                ))?;
                out.line("# Secrets are shown as ***; unset keys are left out.")?;
                let sections = ShownSections {
                    general: &view.general,
                    creators: &view.creators,
                    paapi: &view.paapi,
                    sandbox: &view.sandbox,
                    monitor: &view.monitor,
                    notify: &view.notify,
                };
                let text = toml::to_string(&sections).map_err(|e| {
                    crate::error::Error::Output(std::io::Error::other(e.to_string()))
                })?;
                out.line(text.trim_end())?;
            }
        }
        Action::Init => {
            config::init(&location.path)?;
            if out.is_json() {
                out.json(&Document::ConfigInit(&PathReport {
                    path: location.path.display().to_string(),
                    origin: location.origin,
                    exists: true,
                }))?;
            } else {
                out.line(format_args!(
                    "Wrote {}; edit it, then check with `mandi config show`.",
                    location.path.display()
                ))?;
            }
        }
    }
    Ok(Outcome::Success)
}

#[derive(Serialize)]
struct ShownSections<'a> {
    general: &'a config::GeneralView,
    creators: &'a config::CreatorsView,
    paapi: &'a config::PaapiView,
    sandbox: &'a config::SandboxView,
    monitor: &'a config::MonitorView,
    notify: &'a config::NotifyView,
}
